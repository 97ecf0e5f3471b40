using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Hosting;

namespace Storytelling.Tests.Security;

/// <summary>
/// The app behind a TLS-terminating proxy, and the browser-side headers. The test server has no client address of
/// its own, so a startup filter gives each request the address of the machine that "connected" (X-Test-Peer): the
/// proxy on loopback (trusted by default), or some other machine (not trusted).
/// </summary>
public sealed partial class ProxyAndHeadersTests : IAsyncLifetime
{
    private const string Proxy = "127.0.0.1";
    private const string Stranger = "198.51.100.7";
    private readonly TestApp _base = new();
    private WebApplicationFactory<Program> _app = null!;
    private string _code = "";
    private Guid _projectId;

    public async Task InitializeAsync()
    {
        await _base.MigrateAsync();
        var person = await _base.CreatePersonAsync("begeleider@example.org");
        var project = await _base.CreateProjectAsync("Houten", (person.Id, ProjectRole.Begeleider));
        _projectId = project.Id;
        _code = ReceiptCode.New();
        await _base.WithDbAsync(async db =>
        {
            var at = _base.Time.GetUtcNow();
            db.Stories.Add(new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(_code), CreatedAt = at,
                Status = StoryStatus.Transcribed, Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            });
            await db.SaveChangesAsync();
        });
        _app = _base.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new PeerAddress())));
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        _base.Dispose();
        return Task.CompletedTask;
    }

    private HttpClient Client(string peer, string? forwardedFor = null, string? forwardedProto = null, string host = "localhost", bool cookies = true)
    {
        var client = _app.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri($"http://{host}"), AllowAutoRedirect = false, HandleCookies = cookies,
        });
        client.DefaultRequestHeaders.Add(PeerAddress.Header, peer);
        if (forwardedFor is not null) client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        if (forwardedProto is not null) client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        return client;
    }

    private static async Task<HttpResponseMessage> TryCodeAsync(HttpClient client, string code)
    {
        var page = await client.GetStringAsync("/verhaal");
        return await Forms.PostAsync(client, "/verhaal", page, null, new() { ["Code"] = code });
    }

    [Fact]
    public async Task Behind_the_proxy_each_teller_has_their_own_attempts_at_a_receipt_code()
    {
        // Ten wrong codes from one phone behind the proxy use up that phone's attempts...
        var guesser = Client(Proxy, forwardedFor: "203.0.113.10");
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.BadRequest, (await TryCodeAsync(guesser, "AAAA-AAAA")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryCodeAsync(guesser, _code)).StatusCode);

        // ...and not those of every other teller, who comes through the same proxy.
        var teller = Client(Proxy, forwardedFor: "203.0.113.20");
        var response = await TryCodeAsync(teller, _code);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/verhaal/mijn", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task An_untrusted_sender_cannot_pick_a_fresh_address_or_https_with_forwarded_headers()
    {
        for (var i = 0; i < 10; i++)
        {
            var attempt = Client(Stranger, forwardedFor: $"192.0.2.{i + 1}");
            Assert.Equal(HttpStatusCode.BadRequest, (await TryCodeAsync(attempt, "AAAA-AAAA")).StatusCode);
        }
        var eleventh = Client(Stranger, forwardedFor: "192.0.2.99");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryCodeAsync(eleventh, _code)).StatusCode);

        // Nor can it claim https: no Secure cookie, no HSTS.
        var claims = Client(Stranger, forwardedProto: "https", host: "verhalen.example", cookies: false);
        var login = await claims.PostAsJsonAsync("/api/account/login", new { email = "begeleider@example.org", password = TestApp.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.DoesNotContain(SetCookies(login), c => c.Contains("; secure", StringComparison.OrdinalIgnoreCase));
        Assert.False(login.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Through_the_https_proxy_every_cookie_is_secure_and_hsts_is_sent()
    {
        var browser = Client(Proxy, forwardedFor: "203.0.113.30", forwardedProto: "https", host: "verhalen.example", cookies: false);

        var login = await browser.PostAsJsonAsync("/api/account/login", new { email = "begeleider@example.org", password = TestApp.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var signIn = Assert.Single(SetCookies(login), c => c.StartsWith("storytelling=", StringComparison.Ordinal));
        Assert.Contains("; secure", signIn, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("max-age=", string.Join(",", login.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);

        // The teller's page: the antiforgery cookie and the teller's own cookie.
        var enter = await browser.GetAsync("/verhaal");
        var antiforgery = Assert.Single(SetCookies(enter), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        var post = new HttpRequestMessage(HttpMethod.Post, "/verhaal")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Code"] = _code, ["__RequestVerificationToken"] = Token().Match(await enter.Content.ReadAsStringAsync()).Groups[1].Value,
            }),
        };
        post.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        var entered = await browser.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, entered.StatusCode);
        var teller = Assert.Single(SetCookies(entered), c => c.StartsWith("storytelling-teller=", StringComparison.Ordinal));
        Assert.Contains("; secure", teller, StringComparison.OrdinalIgnoreCase);

        // Over plain http on the same proxy (no X-Forwarded-Proto) nothing claims https.
        var plain = Client(Proxy, forwardedFor: "203.0.113.31", host: "verhalen.example", cookies: false);
        var plainLogin = await plain.PostAsJsonAsync("/api/account/login", new { email = "begeleider@example.org", password = TestApp.Password });
        Assert.DoesNotContain(SetCookies(plainLogin), c => c.Contains("; secure", StringComparison.OrdinalIgnoreCase));
        Assert.False(plainLogin.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task Every_page_and_endpoint_answers_with_the_security_headers()
    {
        var client = await _base.SignedInClientAsync("begeleider@example.org");
        var anonymous = _base.AnonymousClient();
        var routes = _base.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains("GET"))
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => !p.StartsWith("/hubs", StringComparison.Ordinal))
            .Distinct()
            .ToList();
        Assert.Contains(routes, r => r.StartsWith("/projects/{projectId", StringComparison.Ordinal)); // pages are in the walk
        Assert.Contains(routes, r => r.StartsWith("/api/", StringComparison.Ordinal));
        routes.AddRange(["/js/capture.js", "/css/site.css", "/no-such-page"]);

        var walked = 0;
        foreach (var route in routes)
        {
            var path = Parameter().Replace(route, m => m.Groups[1].Value switch
            {
                "projectId" => _projectId.ToString(),
                var name when name.EndsWith("Id", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
                _ => "x",
            });
            foreach (var caller in new[] { client, anonymous })
            {
                using var response = await caller.GetAsync(path);
                var where = $"{path} ({(int)response.StatusCode})";
                Assert.True(response.Headers.TryGetValues("X-Content-Type-Options", out var nosniff) && nosniff.Single() == "nosniff", where);
                Assert.True(response.Headers.TryGetValues("Referrer-Policy", out var referrer) && referrer.Single() == "no-referrer", where);
                Assert.True(response.Headers.TryGetValues("X-Frame-Options", out var frame) && frame.Single() == "DENY", where);
                Assert.True(response.Headers.TryGetValues("Content-Security-Policy", out var csp), where);
                var policy = csp!.Single();
                // Ours, or a report's own stricter one (default-src 'none').
                Assert.True(policy == WebSecurity.ContentSecurityPolicy || policy.StartsWith("default-src 'none'", StringComparison.Ordinal), where);
                walked++;
            }
        }
        Assert.True(walked > 100, $"only {walked} requests walked");
        Assert.Contains("frame-ancestors 'none'", WebSecurity.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", WebSecurity.ContentSecurityPolicy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", WebSecurity.ContentSecurityPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public void No_page_carries_inline_script_event_handlers_or_style_attributes()
    {
        var pages = Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", "Storytelling.Web", "Pages"), "*.cshtml", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(pages);
        foreach (var page in pages)
        {
            var text = File.ReadAllText(page);
            foreach (Match script in ScriptTag().Matches(text))
            {
                // Only <script src="..."> and JSON data blocks; never code in the page.
                var tag = script.Groups[1].Value;
                Assert.True(tag.Contains("src=", StringComparison.Ordinal) || tag.Contains("application/json", StringComparison.Ordinal),
                    $"{page}: inline script {tag}");
                Assert.True(string.IsNullOrWhiteSpace(script.Groups[2].Value) || tag.Contains("application/json", StringComparison.Ordinal), page);
            }
            Assert.False(EventHandler().IsMatch(text), $"{page}: inline event handler");
            Assert.DoesNotContain(" style=\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("javascript:", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static List<string> SetCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) ? values.ToList() : [];

    [GeneratedRegex(@"\{\**([A-Za-z]+)[^}]*\}")]
    private static partial Regex Parameter();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    [GeneratedRegex(@"<script([^>]*)>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptTag();

    [GeneratedRegex(@"\son[a-z]+\s*=\s*[""']", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    /// <summary>Gives each test request the client address a real server would see (the test server has none).</summary>
    private sealed class PeerAddress : IStartupFilter
    {
        public const string Header = "X-Test-Peer";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, following) =>
            {
                if (http.Request.Headers.TryGetValue(Header, out var peer)) http.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                return following(http);
            });
            next(app);
        };
    }
}
