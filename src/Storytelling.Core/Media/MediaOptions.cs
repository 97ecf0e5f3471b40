using System.ComponentModel.DataAnnotations;

namespace Storytelling.Core.Media;

/// <summary>Section "Storytelling:Media": where ffprobe and ffmpeg live and how much of the machine probing may take.</summary>
public sealed class MediaOptions
{
    public const string Section = "Storytelling:Media";

    /// <summary>
    /// "ffprobe", looked up on PATH, or a full path to a file called ffprobe (FFMpegCore runs the tools by name from
    /// their folder); the same for <see cref="FfmpegPath"/>.
    /// </summary>
    [Required]
    public string FfprobePath { get; set; } = "ffprobe";

    [Required]
    public string FfmpegPath { get; set; } = "ffmpeg";

    /// <summary>For reading the container and decoding the audio together; decoding runs at hundreds of times real time.</summary>
    // A two-hour AAC story decodes in tens of seconds on a busy two-core server, and a timeout fails the upload
    // (503, the phone retries), so the default is generous.
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Probes running at once; decoding is CPU-bound and the machine also serves requests.</summary>
    [Range(1, 64)]
    public int MaxConcurrentProbes { get; set; } = 2;
}
