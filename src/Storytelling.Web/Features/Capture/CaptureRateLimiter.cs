using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// New uploads are limited per capture link and per client address at once: a leaked QR code cannot flood a
/// project, and one address cannot flood many links. Chunks are not limited here: they only continue an
/// upload whose size was declared and checked. With Redis the counts are shared by every web node; while Redis is
/// unreachable each node counts for itself, so a teller's story is never turned away because Redis hiccuped.
/// </summary>
public sealed class CaptureRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perLink;
    private readonly PartitionedRateLimiter<string> _perAddress;

    public CaptureRateLimiter(IOptions<CaptureOptions> options, FixedWindowLimits limits)
    {
        var o = options.Value;
        _perLink = limits.Create(new FixedWindowRule("upload-link", o.UploadsPerMinutePerLink, TimeSpan.FromMinutes(1), WhenRedisIsDown.CountOnThisNode));
        _perAddress = limits.Create(new FixedWindowRule("upload-address", o.UploadsPerMinutePerAddress, TimeSpan.FromMinutes(1), WhenRedisIsDown.CountOnThisNode));
    }

    public async ValueTask<bool> TryAcquireAsync(string linkKey, IPAddress? address, CancellationToken ct)
    {
        using var byAddress = await _perAddress.AcquireAsync(address?.ToString() ?? "unknown", 1, ct);
        if (!byAddress.IsAcquired) return false;
        using var byLink = await _perLink.AcquireAsync(linkKey, 1, ct);
        return byLink.IsAcquired;
    }

    public void Dispose()
    {
        _perLink.Dispose();
        _perAddress.Dispose();
    }
}
