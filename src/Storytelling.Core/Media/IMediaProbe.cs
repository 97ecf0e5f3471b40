namespace Storytelling.Core.Media;

/// <summary>
/// Decides by content, never by file name, whether a finished upload is a recording we can keep: it reads the
/// container, requires an audio stream and a known duration, and checks that the audio decodes to the end.
/// </summary>
public interface IMediaProbe
{
    /// <summary>
    /// Probes the file at <paramref name="filePath"/>. A file that is not an acceptable recording is a
    /// <see cref="MediaProbeResult.Failure"/>, not an exception; cancelling <paramref name="cancellationToken"/>
    /// stops the external tools and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<MediaProbeResult> ProbeAsync(string filePath, CancellationToken cancellationToken);
}

/// <summary>Why a file is not an acceptable recording; <see cref="None"/> when it is.</summary>
public enum MediaProbeFailure
{
    None = 0,

    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>Nothing in it looks like audio or video: text, archives, documents, random bytes.</summary>
    NotMedia,

    /// <summary>A readable container (video, image) without an audio stream.</summary>
    NoAudio,

    /// <summary>Looks like a media file but is truncated or corrupt: no duration, or the audio does not decode to the end.</summary>
    Unreadable,

    /// <summary>The tools did not finish within <see cref="MediaOptions.ProbeTimeout"/>.</summary>
    TimedOut,
}

/// <summary>What the probe found. The media fields are only meaningful when <see cref="Succeeded"/>.</summary>
public sealed record MediaProbeResult
{
    private MediaProbeResult()
    {
    }

    public MediaProbeFailure Failure { get; private init; }

    public bool Succeeded => Failure == MediaProbeFailure.None;

    /// <summary>Container by content: "mp4", "3gp", "mov", "webm", "matroska", "ogg", "mp3", "wav", "amr", "flac", "aac", …</summary>
    public string FormatName { get; private init; } = "";

    /// <summary>The media type to serve it with, e.g. "audio/mp4", "video/webm", "audio/mpeg".</summary>
    public string MediaType { get; private init; } = "";

    public long DurationMs { get; private init; }

    public bool HasAudio { get; private init; }

    /// <summary>True for a real video stream; cover art embedded in audio files does not count.</summary>
    public bool HasVideo { get; private init; }

    /// <summary>ffmpeg's codec name of the first audio stream, e.g. "aac", "opus", "mp3", "pcm_s16le".</summary>
    public string AudioCodec { get; private init; } = "";

    public static MediaProbeResult Success(
        string formatName, string mediaType, long durationMs, bool hasAudio, bool hasVideo, string audioCodec) =>
        new()
        {
            FormatName = formatName,
            MediaType = mediaType,
            DurationMs = durationMs,
            HasAudio = hasAudio,
            HasVideo = hasVideo,
            AudioCodec = audioCodec,
        };

    public static MediaProbeResult Failed(MediaProbeFailure failure) =>
        failure == MediaProbeFailure.None
            ? throw new ArgumentOutOfRangeException(nameof(failure), "A failed probe needs a reason other than None.")
            : new() { Failure = failure };
}
