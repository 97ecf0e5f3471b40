using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Storytelling.Web.Features.Workshops;

/// <summary>Joins are open to anyone with the code, so they are limited per client address (a guessed code costs tries).</summary>
public sealed class WorkshopJoinLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress;

    public WorkshopJoinLimiter(IOptions<WorkshopOptions> options)
    {
        var limit = options.Value.JoinsPerMinutePerAddress;
        _perAddress = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public bool TryAcquire(IPAddress? address)
    {
        using var lease = _perAddress.AttemptAcquire(address?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    public void Dispose() => _perAddress.Dispose();
}
