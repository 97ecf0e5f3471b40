using FFMpegCore;

namespace Storytelling.Core.Media;

/// <summary>What FFMpegCore's analysis of a file (ffprobe's streams and format) says about it as a recording.</summary>
internal static class MediaClassification
{
    // Codecs a WebM file may carry; anything else in a Matroska container is plain Matroska.
    private static readonly HashSet<string> WebmCodecs = ["vp8", "vp9", "av1", "opus", "vorbis"];

    /// <summary>What the first audio stream says of its own length, which in a video may differ from the container's.</summary>
    public static long? AudioDurationMs(IMediaAnalysis analysis) =>
        analysis.AudioStreams.Count > 0 && analysis.AudioStreams[0].Duration > TimeSpan.Zero
            ? (long)analysis.AudioStreams[0].Duration.TotalMilliseconds
            : null;

    /// <summary>
    /// Success, <see cref="MediaProbeFailure.NoAudio"/>, or <see cref="MediaProbeFailure.Unreadable"/> when the
    /// length is unknown; whether the audio really decodes is for the caller to check.
    /// </summary>
    /// <param name="decodedMs">How long the audio decoded to, used when the container does not say.</param>
    public static MediaProbeResult ToResult(IMediaAnalysis analysis, long? decodedMs = null)
    {
        // The first audio stream, as the decoder maps it (-map 0:a:0), not FFMpegCore's "primary" (default-flagged) one.
        if (analysis.AudioStreams.Count == 0) return MediaProbeResult.Failed(MediaProbeFailure.NoAudio);
        var audio = analysis.AudioStreams[0];

        // FFMpegCore reads an unknown duration ("N/A", or none: browser WebM) as zero. Without a format duration the
        // longest stream counts; Duration is the largest of the format's and every stream's.
        var length = analysis.Format.Duration > TimeSpan.Zero ? analysis.Format.Duration : analysis.Duration;
        var durationMs = length > TimeSpan.Zero ? (long)Math.Round(length.TotalMilliseconds) : decodedMs ?? 0;
        if (durationMs <= 0) return MediaProbeResult.Failed(MediaProbeFailure.Unreadable);

        // Cover art in an mp3 or m4a is a one-frame "video" stream; it does not make a recording a video.
        var hasVideo = analysis.VideoStreams.Any(v => v.Disposition?.GetValueOrDefault("attached_pic") != true);
        var codec = audio.CodecName ?? "";
        var (name, mediaType) = Classify(analysis, codec, hasVideo);
        return MediaProbeResult.Success(name, mediaType, durationMs, hasAudio: true, hasVideo, codec);
    }

    private static (string Name, string MediaType) Classify(IMediaAnalysis analysis, string audioCodec, bool hasVideo)
    {
        // ffprobe names demuxers, not formats: "mov,mp4,m4a,3gp,3g2,mj2" covers all ISO files and
        // "matroska,webm" both Matroska flavours, so the brand and the codecs settle which one it is.
        var names = (analysis.Format.FormatName ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var kind = hasVideo ? "video" : "audio";
        if (names.Contains("mp4") || names.Contains("mov"))
        {
            var brand = analysis.Format.Tags?.GetValueOrDefault("major_brand")?.Trim().ToLowerInvariant() ?? "";
            if (brand.StartsWith("3g", StringComparison.Ordinal) || audioCodec is "amr_nb" or "amr_wb")
            {
                return ("3gp", $"{kind}/3gpp");
            }
            if (brand == "qt") return ("mov", hasVideo ? "video/quicktime" : "audio/mp4");
            return ("mp4", $"{kind}/mp4");
        }
        if (names.Contains("webm"))
        {
            var codecs = analysis.AudioStreams.Select(s => s.CodecName).Concat(analysis.VideoStreams.Select(s => s.CodecName));
            return codecs.All(c => c is not null && WebmCodecs.Contains(c))
                ? ("webm", $"{kind}/webm")
                : ("matroska", $"{kind}/x-matroska");
        }
        if (names.Contains("ogg")) return ("ogg", $"{kind}/ogg");
        if (names.Contains("mp3")) return ("mp3", "audio/mpeg");
        if (names.Contains("wav")) return ("wav", "audio/wav");
        if (names.Contains("amr")) return ("amr", "audio/amr");
        if (names.Contains("flac")) return ("flac", "audio/flac");
        if (names.Contains("aac")) return ("aac", "audio/aac");
        return (names.FirstOrDefault() ?? "unknown", "application/octet-stream");
    }
}
