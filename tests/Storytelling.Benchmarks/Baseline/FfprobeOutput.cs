// The probe as it was on main before issue 14 (commit d29945a): ffprobe and ffmpeg started by our own process code,
// ffprobe's JSON parsed by hand. Kept only as the reference the media benchmark measures FFMpegCore against.
using System.Globalization;
using System.Text.Json;

using Storytelling.Core.Media;

namespace Storytelling.Benchmarks.Baseline;

/// <summary>The part of <c>ffprobe -print_format json -show_format -show_streams</c> that decides what a file is.</summary>
internal sealed record FfprobeOutput(
    string FormatName, string? MajorBrand, double? DurationSeconds, IReadOnlyList<FfprobeStream> Streams)
{
    // Codecs a WebM file may carry; anything else in a Matroska container is plain Matroska.
    private static readonly HashSet<string> WebmCodecs = ["vp8", "vp9", "av1", "opus", "vorbis"];

    /// <summary>Throws <see cref="JsonException"/> when the text is not ffprobe's JSON.</summary>
    public static FfprobeOutput Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("ffprobe output is not a JSON object.");

        var formatName = "";
        string? majorBrand = null;
        double? duration = null;
        if (root.TryGetProperty("format", out var format) && format.ValueKind == JsonValueKind.Object)
        {
            formatName = GetString(format, "format_name") ?? "";
            duration = GetSeconds(format, "duration");
            if (format.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object)
            {
                majorBrand = GetString(tags, "major_brand");
            }
        }

        var streams = new List<FfprobeStream>();
        if (root.TryGetProperty("streams", out var streamArray) && streamArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var stream in streamArray.EnumerateArray())
            {
                var attachedPicture = stream.TryGetProperty("disposition", out var disposition)
                    && disposition.ValueKind == JsonValueKind.Object
                    && disposition.TryGetProperty("attached_pic", out var pic)
                    && pic.ValueKind == JsonValueKind.Number
                    && pic.GetInt32() == 1;
                streams.Add(new FfprobeStream(
                    GetString(stream, "codec_type") ?? "",
                    GetString(stream, "codec_name") ?? "",
                    GetSeconds(stream, "duration"),
                    attachedPicture));
            }
        }
        return new FfprobeOutput(formatName, majorBrand, duration, streams);
    }

    /// <summary>What the first audio stream says of its own length, which in a video may differ from the container's.</summary>
    public double? AudioDurationSeconds => Streams.FirstOrDefault(s => s.CodecType == "audio")?.DurationSeconds;

    /// <summary>
    /// Success, <see cref="MediaProbeFailure.NoAudio"/>, or <see cref="MediaProbeFailure.Unreadable"/> when the
    /// length is unknown; whether the audio really decodes is for the caller to check.
    /// </summary>
    /// <param name="decodedMs">How long the audio decoded to, used when the container does not say.</param>
    public MediaProbeResult ToResult(long? decodedMs = null)
    {
        var audio = Streams.FirstOrDefault(s => s.CodecType == "audio");
        if (audio is null) return MediaProbeResult.Failed(MediaProbeFailure.NoAudio);

        // Containers written by recorders that could not seek back (browser WebM) lack a format duration.
        var seconds = DurationSeconds ?? Streams.Max(s => s.DurationSeconds);
        var durationMs = seconds is { } s && double.IsFinite(s) ? (long)Math.Round(s * 1000) : decodedMs ?? 0;
        if (durationMs <= 0) return MediaProbeResult.Failed(MediaProbeFailure.Unreadable);

        // Cover art in an mp3 or m4a is a one-frame "video" stream; it does not make a recording a video.
        var hasVideo = Streams.Any(s => s.CodecType == "video" && !s.IsAttachedPicture);
        var (name, mediaType) = Classify(audio.CodecName, hasVideo);
        return MediaProbeResult.Success(name, mediaType, durationMs, hasAudio: true, hasVideo, audio.CodecName);
    }

    private (string Name, string MediaType) Classify(string audioCodec, bool hasVideo)
    {
        // ffprobe names demuxers, not formats: "mov,mp4,m4a,3gp,3g2,mj2" covers all ISO files and
        // "matroska,webm" both Matroska flavours, so the brand and the codecs settle which one it is.
        var names = FormatName.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var kind = hasVideo ? "video" : "audio";
        if (names.Contains("mp4") || names.Contains("mov"))
        {
            var brand = MajorBrand?.Trim().ToLowerInvariant() ?? "";
            if (brand.StartsWith("3g", StringComparison.Ordinal) || audioCodec is "amr_nb" or "amr_wb")
            {
                return ("3gp", $"{kind}/3gpp");
            }
            if (brand == "qt") return ("mov", hasVideo ? "video/quicktime" : "audio/mp4");
            return ("mp4", $"{kind}/mp4");
        }
        if (names.Contains("webm"))
        {
            return Streams.All(s => s.CodecType is not ("audio" or "video") || WebmCodecs.Contains(s.CodecName))
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

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // ffprobe writes numbers as strings ("7.289433") and "N/A" when it does not know.
    private static double? GetSeconds(JsonElement element, string name) =>
        GetString(element, name) is { } text
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
        && double.IsFinite(seconds) && seconds > 0
            ? seconds
            : null;
}

internal sealed record FfprobeStream(string CodecType, string CodecName, double? DurationSeconds, bool IsAttachedPicture);
