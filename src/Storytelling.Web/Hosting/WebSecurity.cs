using System.Net;
using Microsoft.AspNetCore.CookiePolicy;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Storytelling.Web.Hosting;

/// <summary>
/// The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are believed. Nothing is trusted beyond what
/// ASP.NET Core trusts by default (the loopback addresses, for a proxy on the same machine); a proxy elsewhere must be
/// named here, or every client shares its address (rate limits) and no cookie is marked Secure.
/// </summary>
public sealed class ProxyOptions
{
    public const string Section = "Storytelling:Proxy";

    /// <summary>Single addresses, e.g. "10.0.0.5" or "2001:db8::5".</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Address ranges in CIDR notation, e.g. "10.0.0.0/24".</summary>
    public List<string> KnownNetworks { get; set; } = [];
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var failures = new List<string>();
        foreach (var proxy in options.KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
                failures.Add($"{ProxyOptions.Section}:KnownProxies has \"{proxy}\", which is not an IP address; write it like 10.0.0.5.");
        }
        foreach (var network in options.KnownNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
                failures.Add($"{ProxyOptions.Section}:KnownNetworks has \"{network}\", which is not an address range; write it like 10.0.0.0/24.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>Forwarded headers from configured proxies, Secure cookies on HTTPS, and the browser-side security headers.</summary>
public static class WebSecurity
{
    /// <summary>
    /// No inline script or style anywhere (theme colours are set from wwwroot/js/swatches.js through the CSSOM, which
    /// CSP allows); audio plays from our own API or from blob: URLs of a recording still on the phone; nobody may frame us.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IServiceCollection AddStorytellingWebSecurity(this IServiceCollection services)
    {
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();
        services.AddOptions<ProxyOptions>().BindConfiguration(ProxyOptions.Section).ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ProxyOptions>>((o, proxy) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Each hop is checked against the known proxies, so a chain of them may be walked back to the client.
            o.ForwardLimit = null;
            foreach (var address in proxy.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(address));
            foreach (var network in proxy.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        // Every cookie (sign-in, antiforgery, teller, workshop guest, language) is Secure whenever the request is HTTPS,
        // which behind a trusted TLS proxy is every request.
        services.Configure<CookiePolicyOptions>(o => o.Secure = CookieSecurePolicy.SameAsRequest);
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        return services;
    }

    /// <summary>First in the pipeline: the client's real address and scheme, then headers on every response.</summary>
    public static WebApplication UseStorytellingWebSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.Use((http, next) =>
        {
            http.Response.OnStarting(static state => AddHeaders((HttpResponse)state), http.Response);
            return next(http);
        });
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.UseCookiePolicy();
        return app;
    }

    private static Task AddHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        // An endpoint with a stricter policy of its own (report previews) keeps it.
        if (!headers.ContainsKey("Content-Security-Policy")) headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // Capture, invitation and workshop links carry their token in the address: it must not travel on in a Referer.
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(self)";
        return Task.CompletedTask;
    }
}
