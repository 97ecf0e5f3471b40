using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// New uploads are limited per capture link and per client address at once: a leaked QR code cannot flood a
/// project, and one address cannot flood many links. Chunks are not limited here: they only continue an
/// upload whose size was declared and checked.
/// </summary>
public sealed class CaptureRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perLink;
    private readonly PartitionedRateLimiter<string> _perAddress;

    public CaptureRateLimiter(IOptions<CaptureOptions> options)
    {
        var o = options.Value;
        _perLink = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = o.UploadsPerMinutePerLink, Window = TimeSpan.FromMinutes(1) }));
        _perAddress = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = o.UploadsPerMinutePerAddress, Window = TimeSpan.FromMinutes(1) }));
    }

    public bool TryAcquire(string linkKey, IPAddress? address)
    {
        using var byAddress = _perAddress.AttemptAcquire(address?.ToString() ?? "unknown");
        if (!byAddress.IsAcquired) return false;
        using var byLink = _perLink.AttemptAcquire(linkKey);
        return byLink.IsAcquired;
    }

    public void Dispose()
    {
        _perLink.Dispose();
        _perAddress.Dispose();
    }
}
