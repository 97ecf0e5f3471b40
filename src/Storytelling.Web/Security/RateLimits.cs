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
                : RateLimitPartition.GetFixedWindowLimiter(
                    http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = Math.Max(1, http.RequestServices.GetRequiredService<IConfiguration>().GetValue(AttemptsSetting, DefaultAttemptsPerMinute)),
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }));
            o.AddPolicy(Anonymous, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 120, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
}
