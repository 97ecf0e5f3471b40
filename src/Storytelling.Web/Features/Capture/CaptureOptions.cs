using System.ComponentModel.DataAnnotations;

namespace Storytelling.Web.Features.Capture;

/// <summary>Section "Storytelling:Capture".</summary>
public sealed class CaptureOptions
{
    public const string Section = "Storytelling:Capture";

    /// <summary>An upload with no new chunk for this long is abandoned and its bytes deleted.</summary>
    [Range(1, 24 * 30)]
    public int SessionLifetimeHours { get; set; } = 48;

    /// <summary>Largest chunk one request may carry; bounds the memory one request can cost.</summary>
    [Range(64 * 1024, 64 * 1024 * 1024)]
    public int MaxChunkBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>New uploads per minute through one capture link (a QR code on a poster is shared by many).</summary>
    [Range(1, 100_000)]
    public int UploadsPerMinutePerLink { get; set; } = 120;

    /// <summary>New uploads per minute from one client address.</summary>
    [Range(1, 100_000)]
    public int UploadsPerMinutePerAddress { get; set; } = 30;
}
