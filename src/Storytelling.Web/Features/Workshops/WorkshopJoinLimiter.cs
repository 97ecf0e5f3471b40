using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Joins are open to anyone with the code, so they are limited per client address (a guessed code costs tries).
/// With Redis every web node shares the budget; while Redis is unreachable each node counts for itself, so a room
/// can still come back after a node failed (a six-letter code in a closing session is a poor target anyway).
/// </summary>
public sealed class WorkshopJoinLimiter(IOptions<WorkshopOptions> options, FixedWindowLimits limits) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress = limits.Create(new FixedWindowRule("workshop-join",
        options.Value.JoinsPerMinutePerAddress, TimeSpan.FromMinutes(1), WhenRedisIsDown.CountOnThisNode));

    public async ValueTask<bool> TryAcquireAsync(IPAddress? address, CancellationToken ct)
    {
        using var lease = await _perAddress.AcquireAsync(address?.ToString() ?? "unknown", 1, ct);
        return lease.IsAcquired;
    }

    public void Dispose() => _perAddress.Dispose();
}
