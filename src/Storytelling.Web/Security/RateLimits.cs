using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Storytelling.Web.Security;

/// <summary>Per-client-address limits on the doors that are open without an account.</summary>
public static class RateLimits
{
    public const string Login = "login";
    public const string Anonymous = "anonymous";

    public static IServiceCollection AddStorytellingRateLimits(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(Login, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 20, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy(Anonymous, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 120, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
}
