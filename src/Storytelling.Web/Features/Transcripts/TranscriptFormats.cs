using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>A timed stretch of text as subtitle formats carry it.</summary>
public sealed record Cue(long StartMs, long EndMs, string Text, string? Speaker);

public enum TranscriptFileFormat
{
    WebVtt,
    Srt,
    PlainText,
}

/// <summary>Cues in time order, or one sentence saying why the file was refused (with the line where that helps);
/// <paramref name="Notices"/> says what was read differently from how it was written (a cue a player would skip).</summary>
public sealed record ParsedTranscript(IReadOnlyList<Cue> Cues, string? Error, IReadOnlyList<string>? Notices = null)
{
    public static ParsedTranscript Refused(string error) => new([], error);
}

/// <summary>
/// WebVTT and SRT, both ways, and plain text in. Writers produce files that players and subtitle editors accept
/// (speakers as WebVTT voices <c>&lt;v Name&gt;</c>; in SRT, which has no voices, as a leading <c>[Name]</c>).
/// WebVTT is read by the W3C parser algorithm (<see cref="WebVttParser"/>): what a browser shows is what comes in, a
/// cue a browser would skip is skipped and named. SRT is read as players read it: any encoding with a BOM or
/// Windows-1252 without one (see <see cref="TextDecoding"/>), numbers missing or wrong, blank lines missing or doubled,
/// comma or dot before the milliseconds; a time line that is none, or ends before it starts, refuses the file, naming
/// the line.
/// Cues out of order are sorted by start (subtitle editors write them so after a merge); overlapping cues are kept,
/// because two people do talk at once.
/// </summary>
public static partial class TranscriptFormats
{
    public const int MaxFileBytes = 8 * 1024 * 1024;

    // ---------- writing ----------

    public static async Task WriteVttAsync(TextWriter writer, IEnumerable<Cue> cues, string? model, string? language, CancellationToken ct)
    {
        await writer.WriteAsync("WEBVTT\n\n");
        // A NOTE may not contain "-->", and one line each keeps it readable in any editor.
        var note = new StringBuilder("NOTE\n");
        if (!string.IsNullOrWhiteSpace(model)) note.Append("Model: ").Append(NoteSafe(model)).Append('\n');
        if (!string.IsNullOrWhiteSpace(language)) note.Append("Language: ").Append(NoteSafe(language)).Append('\n');
        if (note.Length > 5) await writer.WriteAsync(note.Append('\n').ToString());
        var n = 0;
        foreach (var cue in cues)
        {
            ct.ThrowIfCancellationRequested();
            var voice = string.IsNullOrWhiteSpace(cue.Speaker) ? "" : $"<v {VoiceSafe(cue.Speaker)}>";
            await writer.WriteAsync($"{++n}\n{Time(cue.StartMs, '.')} --> {Time(cue.EndMs, '.')}\n{voice}{Escape(OneLine(cue.Text))}\n\n");
        }
    }

    public static async Task WriteSrtAsync(TextWriter writer, IEnumerable<Cue> cues, CancellationToken ct)
    {
        var n = 0;
        foreach (var cue in cues)
        {
            ct.ThrowIfCancellationRequested();
            var speaker = string.IsNullOrWhiteSpace(cue.Speaker) ? "" : $"[{Escape(OneLine(cue.Speaker)).Replace("]", ")", StringComparison.Ordinal)}] ";
            // SRT players render a few HTML tags, so a literal "<" in speech is escaped as in WebVTT.
            await writer.WriteAsync($"{++n}\n{Time(cue.StartMs, ',')} --> {Time(cue.EndMs, ',')}\n{speaker}{Escape(OneLine(cue.Text))}\n\n");
        }
    }

    public static async Task<string> ToStringAsync(Func<TextWriter, Task> write)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        await write(writer);
        return writer.ToString();
    }

    /// <summary>hh:mm:ss.mmm; hours grow past two digits rather than wrap.</summary>
    public static string Time(long ms, char separator)
    {
        ms = Math.Max(0, ms);
        var hours = ms / 3_600_000;
        return string.Create(CultureInfo.InvariantCulture, $"{hours:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}{separator}{ms % 1000:000}");
    }

    private static string OneLine(string text) => WhiteRun().Replace(text, " ").Trim();
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    private static string VoiceSafe(string speaker) => Escape(OneLine(speaker));
    private static string NoteSafe(string text) => OneLine(text).Replace("-->", "->", StringComparison.Ordinal);

    // ---------- reading ----------

    /// <summary>Which parser fits: by content first (a WEBVTT header, an SRT time line), the file name only to break ties.</summary>
    public static TranscriptFileFormat Detect(string? fileName, string text)
    {
        var body = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (body.StartsWith("WEBVTT", StringComparison.Ordinal)) return TranscriptFileFormat.WebVtt;
        if (SrtTimeLine().IsMatch(body)) return TranscriptFileFormat.Srt;
        var extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        return extension switch
        {
            ".vtt" => TranscriptFileFormat.WebVtt,
            ".srt" => TranscriptFileFormat.Srt,
            _ => TranscriptFileFormat.PlainText,
        };
    }

    /// <summary>The text of a transcript file (see <see cref="TextDecoding"/>), or null when it is not text.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes)
    {
        var decoded = TextDecoding.Decode(bytes);
        return decoded.Encoding == "binary" ? null : decoded.Text;
    }

    public static ParsedTranscript ParseVtt(string text)
    {
        var document = WebVttParser.Parse(text);
        if (!document.IsWebVtt) return ParsedTranscript.Refused("A WebVTT file must start with the line 'WEBVTT'.");
        var cues = new List<Cue>();
        foreach (var vtt in document.Cues)
        {
            // The spec keeps a cue that ends before it starts (it is never shown); as a segment it lasts no time.
            if (Cue(vtt.StartMs, Math.Max(vtt.StartMs, vtt.EndMs), [.. vtt.Text.Split('\n')], vtt: true) is { } cue) cues.Add(cue);
        }
        if (cues.Count == 0 && document.Dropped.Count > 0)
            return ParsedTranscript.Refused(document.Dropped[0].Replace("players skip this cue, and so did we.", "players skip such a cue, and this file holds no other.", StringComparison.Ordinal)
                .Replace("players skip it, and so did we.", "players skip it, and this file holds no cue.", StringComparison.Ordinal));
        var parsed = Finish(cues);
        return parsed.Error is null ? parsed with { Notices = document.Dropped } : parsed;
    }

    /// <summary>
    /// SRT as players read it: blocks of an optional number (ignored: editors number wrongly), a time line and text. A
    /// new block starts at a blank line, and also without one where a time line follows (files joined by hand). Text
    /// after a blank line that has no time line of its own belongs to the cue before it.
    /// </summary>
    public static ParsedTranscript ParseSrt(string text)
    {
        var lines = Lines(text);
        var blocks = new List<(int TimeLine, Timing Timing, List<string> Payload)>();
        var i = 0;
        while (i < lines.Length)
        {
            if (lines[i].Trim().Length == 0) { i++; continue; }
            var blockStart = i;
            if (IsNumber(lines[i]) && i + 1 < lines.Length && lines[i + 1].Contains("-->", StringComparison.Ordinal)) i++;
            if (!lines[i].Contains("-->", StringComparison.Ordinal))
            {
                // Text after a blank line inside a cue (some editors write paragraphs so) stays with that cue.
                if (blocks.Count == 0 || IsNumber(lines[i]))
                    return ParsedTranscript.Refused($"Line {blockStart + 1}: expected a time line such as '00:00:01,000 --> 00:00:04,000'"
                        + (blocks.Count == 0 ? "." : $" after the number '{Shorten(lines[i].Trim())}'."));
                while (i < lines.Length && lines[i].Trim().Length > 0 && !StartsCue(lines, i)) blocks[^1].Payload.Add(lines[i++]);
                continue;
            }
            var timing = ParseTiming(lines[i]);
            if (timing.Error is not null) return ParsedTranscript.Refused($"Line {i + 1}: {timing.Error}");
            var timeLine = i++;
            var payload = new List<string>();
            while (i < lines.Length && lines[i].Trim().Length > 0 && !StartsCue(lines, i)) payload.Add(lines[i++]);
            blocks.Add((timeLine, timing, payload));
        }
        var cues = new List<Cue>();
        foreach (var (_, timing, payload) in blocks)
        {
            if (Cue(timing.Start, timing.End, payload, vtt: false) is { } cue) cues.Add(cue);
        }
        return Finish(cues);
    }

    private static bool IsNumber(string line) => line.Trim() is { Length: > 0 and < 10 } n && n.All(char.IsAsciiDigit);

    private static bool IsSrtTimeLine(string line) => line.Contains("-->", StringComparison.Ordinal) && ParseTiming(line).Error is null;

    /// <summary>A line that begins the next cue without a blank line before it: a time line, or a number right above one.</summary>
    private static bool StartsCue(string[] lines, int i) =>
        IsSrtTimeLine(lines[i]) || (IsNumber(lines[i]) && i + 1 < lines.Length && IsSrtTimeLine(lines[i + 1]));

    /// <summary>
    /// Plain text has no times, so each paragraph (text between blank lines) becomes a segment and the audio's duration
    /// is shared out in proportion to each paragraph's length: speech runs at a roughly even pace, so a click on a
    /// paragraph lands near its words, and a correction can set exact times later. A paragraph longer than a segment may
    /// be is cut at sentence ends (or, failing those, at spaces).
    /// </summary>
    public static ParsedTranscript ParsePlain(string text, long durationMs)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        foreach (var line in Lines(text))
        {
            if (line.Trim().Length == 0)
            {
                Flush();
                continue;
            }
            if (current.Length > 0) current.Append(' ');
            current.Append(line.Trim());
        }
        Flush();
        if (paragraphs.Count == 0) return ParsedTranscript.Refused("The transcript holds no text.");
        var pieces = paragraphs.SelectMany(p => Split(p, TranscriptApi.MaxSegmentLength)).ToList();
        long total = pieces.Sum(p => (long)p.Length);
        var cues = new List<Cue>(pieces.Count);
        long done = 0;
        foreach (var piece in pieces)
        {
            var start = durationMs * done / total;
            done += piece.Length;
            cues.Add(new Cue(start, durationMs * done / total, piece, null));
        }
        return Finish(cues);

        void Flush()
        {
            var paragraph = Clean(current.ToString());
            if (paragraph.Length > 0) paragraphs.Add(paragraph);
            current.Clear();
        }
    }

    private static IEnumerable<string> Split(string paragraph, int max)
    {
        while (paragraph.Length > max)
        {
            var window = paragraph[..max];
            var cut = Math.Max(window.LastIndexOf(". ", StringComparison.Ordinal), Math.Max(window.LastIndexOf("? ", StringComparison.Ordinal), window.LastIndexOf("! ", StringComparison.Ordinal)));
            cut = cut > max / 4 ? cut + 1 : window.LastIndexOf(' ');
            if (cut <= 0) cut = max;
            // Never split a surrogate pair (emoji, some scripts).
            if (char.IsHighSurrogate(paragraph[cut - 1])) cut--;
            yield return paragraph[..cut].Trim();
            paragraph = paragraph[cut..].Trim();
        }
        if (paragraph.Length > 0) yield return paragraph;
    }

    private static string[] Lines(string text) =>
        text.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');

    private readonly record struct Timing(long Start, long End, string? Error);

    private static Timing ParseTiming(string line)
    {
        var arrow = line.IndexOf("-->", StringComparison.Ordinal);
        var left = line[..arrow].Trim();
        // Cue settings (WebVTT "align:start position:10%") and SRT's coordinates follow the end time after whitespace.
        var right = line[(arrow + 3)..].Trim().Split([' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var start = ParseTime(left);
        var end = ParseTime(right);
        if (start is null || end is null)
            return new Timing(0, 0, $"'{Shorten(line)}' is not a time line; times look like 00:01:02.500 (hours may be left out in WebVTT).");
        if (end < start) return new Timing(0, 0, $"the cue ends ({right}) before it starts ({left}).");
        return new Timing(start.Value, end.Value, null);
    }

    private static long? ParseTime(string value)
    {
        var match = TimeShape().Match(value);
        if (!match.Success) return null;
        // WebVTT may leave hours out; SRT always has them, but editors write "01:02,500" too, so both accept it.
        var hasHours = match.Groups["h"].Success;
        var hours = hasHours ? long.Parse(match.Groups["h"].Value, CultureInfo.InvariantCulture) : 0;
        var minutes = long.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        var seconds = long.Parse(match.Groups["s"].Value, CultureInfo.InvariantCulture);
        if (minutes > 59 || seconds > 59 || hours > 99_999) return null;
        var fraction = match.Groups["f"].Value;
        var ms = fraction.Length == 0 ? 0 : long.Parse(fraction.PadRight(3, '0')[..3], CultureInfo.InvariantCulture);
        return ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
    }

    private static Cue? Cue(long start, long end, List<string> payload, bool vtt)
    {
        string? speaker = null;
        var parts = new List<string>(payload.Count);
        foreach (var raw in payload)
        {
            var line = raw;
            if (speaker is null && Voice().Match(line) is { Success: true } voice)
            {
                speaker = Clean(WebUtility.HtmlDecode(voice.Groups["name"].Value));
            }
            parts.Add(line);
        }
        var text = Clean(WebUtility.HtmlDecode(Tag().Replace(string.Join(" ", parts), "")));
        if (!vtt && speaker is null && SrtSpeaker().Match(text) is { Success: true } bracket && bracket.Groups["rest"].Value.Trim().Length > 0)
        {
            speaker = bracket.Groups["name"].Value.Trim();
            text = bracket.Groups["rest"].Value.Trim();
        }
        if (text.Length == 0) return null;
        return new Cue(start, end, text, string.IsNullOrEmpty(speaker) ? null : speaker);
    }

    /// <summary>One line, no control characters, no broken surrogate pairs; what a segment may hold.</summary>
    private static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
                continue;
            }
            builder.Append(char.IsControl(c) || char.IsSurrogate(c) || c == '\u00A0' ? ' ' : c);
        }
        return WhiteRun().Replace(builder.ToString(), " ").Trim();
    }

    private static ParsedTranscript Finish(List<Cue> cues)
    {
        if (cues.Count == 0) return ParsedTranscript.Refused("The transcript holds no text.");
        if (cues.Count > TranscriptApi.MaxSegments)
            return ParsedTranscript.Refused($"The transcript has {cues.Count} cues; at most {TranscriptApi.MaxSegments} can be imported.");
        if (cues.Sum(c => (long)c.Text.Length) > TranscriptApi.MaxTotalLength)
            return ParsedTranscript.Refused($"The transcript holds more than {TranscriptApi.MaxTotalLength} characters.");
        if (cues.FirstOrDefault(c => c.Text.Length > TranscriptApi.MaxSegmentLength) is { } longCue)
            return ParsedTranscript.Refused($"The cue at {Time(longCue.StartMs, '.')} holds more than {TranscriptApi.MaxSegmentLength} characters; split it.");
        if (cues.FirstOrDefault(c => c.Speaker is { Length: > TranscriptApi.MaxSpeakerLabelLength }) is { } loud)
            return ParsedTranscript.Refused($"The speaker of the cue at {Time(loud.StartMs, '.')} is longer than {TranscriptApi.MaxSpeakerLabelLength} characters.");
        // OrderBy is stable: cues that start together keep the file's order.
        return new ParsedTranscript(cues.OrderBy(c => c.StartMs).ToList(), null);
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";

    [GeneratedRegex(@"^(?:(?<h>\d{1,5}):)?(?<m>\d{1,2}):(?<s>\d{1,2})(?:[.,](?<f>\d{1,3}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TimeShape();

    [GeneratedRegex(@"^\s*(?:\d+\s*\n)?\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", RegexOptions.CultureInvariant)]
    private static partial Regex SrtTimeLine();

    [GeneratedRegex(@"<v(?:\.[^ \t>]*)?[ \t]+(?<name>[^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex Voice();

    [GeneratedRegex(@"<[^>]{0,200}>", RegexOptions.CultureInvariant)]
    private static partial Regex Tag();

    [GeneratedRegex(@"^\[(?<name>[^\[\]]{1,50})\]\s*(?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex SrtSpeaker();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex WhiteRun();
}
