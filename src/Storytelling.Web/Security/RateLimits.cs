using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Storytelling.Web.Security;

/// <summary>Per-client-address limits on the doors that are open without an account.</summary>
public static class RateLimits
{
    public const string Login = "login";
    public const string Anonymous = "anonymous";

    /// <summary>Sign-in attempts per client address per minute (setting <c>Storytelling:SignIn:AttemptsPerMinute</c>).</summary>
    public const string AttemptsSetting = "Storytelling:SignIn:AttemptsPerMinute";
    private const int DefaultAttemptsPerMinute = 20;

    public static IServiceCollection AddStorytellingRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Only attempts count: showing the sign-in form (GET, HEAD) is not guessing a password, and counting it
            // made a person who reloads the page, or a class of browser tests, run into the limit.
            o.AddPolicy(Login, http => HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                ? RateLimitPartition.GetNoLimiter("form")
                : http.RequestServices.GetRequiredService<FixedWindowLimits>().Partition(
                    new FixedWindowRule("sign-in",
                        Math.Max(1, http.RequestServices.GetRequiredService<IConfiguration>().GetValue(AttemptsSetting, DefaultAttemptsPerMinute)),
                        TimeSpan.FromMinutes(1), WhenRedisIsDown.CountOnThisNode),
                    Address(http)));
            o.AddPolicy(Anonymous, http => http.RequestServices.GetRequiredService<FixedWindowLimits>().Partition(AnonymousRule, Address(http)));
        }).AddSingleton<FixedWindowLimits>();

    // Accounts lock after repeated wrong passwords and anonymous doors are cheap, so without Redis these keep counting
    // per node rather than shutting every door of the installation.
    private static readonly FixedWindowRule AnonymousRule = new("anonymous", 120, TimeSpan.FromMinutes(1), WhenRedisIsDown.CountOnThisNode);

    private static string Address(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
