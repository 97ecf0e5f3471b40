using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>A cue as the W3C WebVTT parser produces it: identifier, times in ms, raw cue text and its settings.</summary>
public sealed record WebVttCue(string Id, long StartMs, long EndMs, string Text, WebVttCueSettings Settings, int Line);

/// <summary>Cue settings with the spec's defaults (<c>auto</c> is null).</summary>
public sealed record WebVttCueSettings(string Vertical = "", double? LinePosition = null, bool SnapToLines = true, string LineAlign = "start",
    double? Position = null, string PositionAlign = "auto", double Size = 100, string Align = "center", WebVttRegion? Region = null);

/// <summary>A REGION block's settings with the spec's defaults.</summary>
public sealed record WebVttRegion(string Id = "", double Width = 100, int Lines = 3, double RegionAnchorX = 0, double RegionAnchorY = 100,
    double ViewportAnchorX = 0, double ViewportAnchorY = 100, string Scroll = "");

/// <summary>What the parser found: whether the signature made it WebVTT at all, the cues, regions and style sheets, and
/// each block it dropped (a time line that is not one), as "Line N: …" sentences.</summary>
public sealed record WebVttDocument(bool IsWebVtt, IReadOnlyList<WebVttCue> Cues, IReadOnlyList<WebVttRegion> Regions, IReadOnlyList<string> StyleSheets,
    IReadOnlyList<string> Dropped);

/// <summary>
/// The "WebVTT parser algorithm" of the W3C WebVTT specification (file parsing, cue timings and settings, region settings),
/// step by step, so a file means here what it means to a browser: a line with "-->" starts a new cue even without a
/// blank line before it, a block whose time line is broken is dropped (and named in <see cref="WebVttDocument.Dropped"/>),
/// NOTE, STYLE and REGION blocks are recognised where the spec recognises them. Checked against the web-platform-tests
/// file-parsing data in the tests.
/// </summary>
public static partial class WebVttParser
{
    public static WebVttDocument Parse(string input)
    {
        // Preprocessing: NUL → U+FFFD, CRLF and lone CR → LF. (Bytes were decoded by the caller, BOM removed.)
        var text = input.TrimStart('\uFEFF').Replace('\0', '\uFFFD').Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var cues = new List<WebVttCue>();
        var regions = new List<WebVttRegion>();
        var sheets = new List<string>();
        var dropped = new List<string>();
        if (text.Length < 6 || !text.StartsWith("WEBVTT", StringComparison.Ordinal) || (text.Length > 6 && text[6] is not (' ' or '\t' or '\n')))
            return new WebVttDocument(false, cues, regions, sheets, dropped);
        var state = new State(text);
        state.SkipLine();
        if (state.AtEnd) return new WebVttDocument(true, cues, regions, sheets, dropped);
        if (state.Current != '\n') CollectBlock(state, inHeader: true, regions, dropped);
        else state.Advance();
        state.SkipNewlines();
        while (!state.AtEnd)
        {
            var block = CollectBlock(state, inHeader: false, regions, dropped);
            switch (block)
            {
                case WebVttCue cue: cues.Add(cue); break;
                case StyleBlock style: sheets.Add(style.Css); break;
                case WebVttRegion region:
                    regions.RemoveAll(r => r.Id == region.Id);
                    regions.Add(region);
                    break;
            }
            state.SkipNewlines();
        }
        return new WebVttDocument(true, cues, regions, sheets, dropped);
    }

    private sealed record StyleBlock(string Css);

    private static object? CollectBlock(State s, bool inHeader, List<WebVttRegion> regions, List<string> dropped)
    {
        var lineCount = 0;
        var previous = s.Position;
        var previousLine = s.LineNumber;
        var buffer = new StringBuilder();
        var seenEof = false;
        var seenArrow = false;
        WebVttCue? cue = null;
        var style = false;
        var region = false;
        var firstLine = s.LineNumber;
        while (true)
        {
            var lineNumber = s.LineNumber;
            var line = s.CollectLine();
            lineCount++;
            if (s.AtEnd) seenEof = true;
            else s.Advance();
            if (line.Contains("-->", StringComparison.Ordinal))
            {
                if (!inHeader && (lineCount == 1 || (lineCount == 2 && !seenArrow)))
                {
                    seenArrow = true;
                    previous = s.Position;
                    previousLine = s.LineNumber;
                    cue = ParseTimingsAndSettings(buffer.ToString(), line, regions, lineNumber);
                    if (cue is null)
                        dropped.Add($"Line {lineNumber}: '{Shorten(line)}' is not a time line (times look like 00:01.500 or 01:02:03.500, with a dot); players skip this cue, and so did we.");
                    else buffer.Clear();
                    s.SeenCue |= cue is not null;
                }
                else
                {
                    s.Position = previous;
                    s.LineNumber = previousLine;
                    break;
                }
            }
            else if (line.Length == 0) break;
            else
            {
                if (!inHeader && lineCount == 2 && !s.SeenCue)
                {
                    var head = buffer.ToString();
                    if (head.StartsWith("STYLE", StringComparison.Ordinal) && IsAsciiWhitespace(head.AsSpan(5))) { style = true; buffer.Clear(); }
                    else if (head.StartsWith("REGION", StringComparison.Ordinal) && IsAsciiWhitespace(head.AsSpan(6))) { region = true; buffer.Clear(); }
                }
                if (buffer.Length > 0) buffer.Append('\n');
                buffer.Append(line);
                previous = s.Position;
                previousLine = s.LineNumber;
            }
            if (seenEof) break;
        }
        if (cue is not null) return cue with { Text = buffer.ToString() };
        if (style) return new StyleBlock(buffer.ToString());
        if (region) return ParseRegion(buffer.ToString());
        if (!inHeader && !seenArrow && buffer.Length > 0 && !IsComment(buffer) && !buffer.ToString().StartsWith("STYLE", StringComparison.Ordinal)
            && !buffer.ToString().StartsWith("REGION", StringComparison.Ordinal))
            dropped.Add($"Line {firstLine}: this block has no time line such as '00:01.000 --> 00:04.000', so it is no cue; players skip it, and so did we.");
        return null;
    }

    private static bool IsComment(StringBuilder buffer)
    {
        var head = buffer.Length >= 5 ? buffer.ToString(0, Math.Min(buffer.Length, 5)) : buffer.ToString();
        return head == "NOTE" || (head.StartsWith("NOTE", StringComparison.Ordinal) && head.Length == 5 && head[4] is ' ' or '\t' or '\n');
    }

    /// <summary>"Collect WebVTT cue timings and settings"; null when the timings fail (the cue is dropped).</summary>
    private static WebVttCue? ParseTimingsAndSettings(string id, string line, List<WebVttRegion> regions, int lineNumber)
    {
        var p = 0;
        SkipWhitespace(line, ref p);
        if (CollectTimestamp(line, ref p) is not { } start) return null;
        SkipWhitespace(line, ref p);
        if (p + 3 > line.Length || line[p] != '-' || line[p + 1] != '-' || line[p + 2] != '>') return null;
        p += 3;
        SkipWhitespace(line, ref p);
        if (CollectTimestamp(line, ref p) is not { } end) return null;
        var settings = ParseSettings(line[p..], regions);
        return new WebVttCue(id, start, end, "", settings, lineNumber);
    }

    /// <summary>"Collect a WebVTT timestamp": [hours:]mm:ss.ttt, hours of any length, minutes and seconds two digits.</summary>
    private static long? CollectTimestamp(string s, ref int p)
    {
        var hours = false;
        if (p >= s.Length || !char.IsAsciiDigit(s[p])) return null;
        var first = Digits(s, ref p);
        if (first.Length != 2 || Value(first) > 59) hours = true;
        if (p >= s.Length || s[p] != ':') return null;
        p++;
        var second = Digits(s, ref p);
        if (second.Length != 2) return null;
        long v1 = Value(first), v2 = Value(second), v3;
        if (hours || (p < s.Length && s[p] == ':'))
        {
            if (p >= s.Length || s[p] != ':') return null;
            p++;
            var third = Digits(s, ref p);
            if (third.Length != 2) return null;
            v3 = Value(third);
        }
        else { v3 = v2; v2 = v1; v1 = 0; }
        if (p >= s.Length || s[p] != '.') return null;
        p++;
        var fraction = Digits(s, ref p);
        if (fraction.Length != 3) return null;
        if (v2 > 59 || v3 > 59) return null;
        return ((v1 * 60 + v2) * 60 + v3) * 1000 + Value(fraction);
    }

    private static string Digits(string s, ref int p)
    {
        var start = p;
        while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
        return s[start..p];
    }

    // Hours beyond what a long holds are no recording; they saturate rather than overflow (the import then refuses the cue
    // as lying past the audio).
    private static long Value(string digits) =>
        digits.Length > 12 ? long.MaxValue / 4_000_000 : long.Parse(digits, CultureInfo.InvariantCulture);

    private static WebVttCueSettings ParseSettings(string remainder, List<WebVttRegion> regions)
    {
        var settings = new WebVttCueSettings();
        foreach (var setting in remainder.Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = setting.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == setting.Length - 1) continue;
            var name = setting[..colon];
            var value = setting[(colon + 1)..];
            switch (name)
            {
                case "region":
                    if (regions.LastOrDefault(r => r.Id == value) is { } region) settings = settings with { Region = region };
                    break;
                case "vertical":
                    if (value is "rl" or "lr") settings = settings with { Vertical = value };
                    break;
                case "line":
                {
                    var comma = value.IndexOf(',', StringComparison.Ordinal);
                    var position = comma >= 0 ? value[..comma] : value;
                    var align = comma >= 0 ? value[(comma + 1)..] : null;
                    if (!position.Any(char.IsAsciiDigit)) break;
                    double number;
                    bool snap;
                    if (position.EndsWith('%'))
                    {
                        if (Percentage(position) is not { } percent) break;
                        number = percent;
                        snap = false;
                    }
                    else
                    {
                        if (position.Any(c => !char.IsAsciiDigit(c) && c is not '-' and not '.')) break;
                        if (position.IndexOf('-', 1) >= 0) break;
                        if (position.Count(c => c == '.') > 1) break;
                        var dot = position.IndexOf('.', StringComparison.Ordinal);
                        if (dot >= 0 && (dot == 0 || dot == position.Length - 1 || !char.IsAsciiDigit(position[dot - 1]) || !char.IsAsciiDigit(position[dot + 1]))) break;
                        if (!double.TryParse(position, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number)
                            || double.IsInfinity(number)) break;
                        if (number == 0) number = 0; // -0 is 0
                        snap = true;
                    }
                    settings = settings with { LinePosition = number, SnapToLines = snap, LineAlign = align is "start" or "center" or "end" ? align : "start" };
                    break;
                }
                case "position":
                {
                    var comma = value.IndexOf(',', StringComparison.Ordinal);
                    var position = comma >= 0 ? value[..comma] : value;
                    var align = comma >= 0 ? value[(comma + 1)..] : null;
                    if (Percentage(position) is not { } percent) break;
                    settings = settings with { Position = percent, PositionAlign = align is "line-left" or "center" or "line-right" ? align : "auto" };
                    break;
                }
                case "size":
                    if (Percentage(value) is { } size) settings = settings with { Size = size };
                    break;
                case "align":
                    if (value is "start" or "center" or "end" or "left" or "right") settings = settings with { Align = value };
                    break;
            }
        }
        return settings;
    }

    /// <summary>"Collect WebVTT region settings".</summary>
    private static WebVttRegion ParseRegion(string buffer)
    {
        var region = new WebVttRegion();
        foreach (var setting in buffer.Split(AsciiWhitespace, StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = setting.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == setting.Length - 1) continue;
            var name = setting[..colon];
            var value = setting[(colon + 1)..];
            switch (name)
            {
                case "id": region = region with { Id = value }; break;
                case "width":
                    if (Percentage(value) is { } width) region = region with { Width = width };
                    break;
                case "lines":
                    if (value.All(char.IsAsciiDigit) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var lines))
                        region = region with { Lines = lines };
                    break;
                case "regionanchor":
                case "viewportanchor":
                {
                    var comma = value.IndexOf(',', StringComparison.Ordinal);
                    if (comma < 0 || Percentage(value[..comma]) is not { } x || Percentage(value[(comma + 1)..]) is not { } y) break;
                    region = name == "regionanchor" ? region with { RegionAnchorX = x, RegionAnchorY = y } : region with { ViewportAnchorX = x, ViewportAnchorY = y };
                    break;
                }
                case "scroll":
                    if (value == "up") region = region with { Scroll = "up" };
                    break;
            }
        }
        return region;
    }

    /// <summary>"Parse a percentage string": digits, optionally a dot and digits, then "%", between 0 and 100.</summary>
    private static double? Percentage(string value)
    {
        if (!PercentShape().IsMatch(value)) return null;
        var number = double.Parse(value[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return number is < 0 or > 100 ? null : number;
    }

    private static readonly char[] AsciiWhitespace = ['\t', '\n', '\f', '\r', ' '];

    private static bool IsAsciiWhitespace(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (Array.IndexOf(AsciiWhitespace, c) < 0) return false;
        return true;
    }

    private static void SkipWhitespace(string s, ref int p)
    {
        while (p < s.Length && Array.IndexOf(AsciiWhitespace, s[p]) >= 0) p++;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "…";

    [GeneratedRegex(@"^\d+(\.\d+)?%$", RegexOptions.CultureInvariant)]
    private static partial Regex PercentShape();

    private sealed class State(string text)
    {
        public int Position { get; set; }
        public int LineNumber { get; set; } = 1;
        public bool SeenCue { get; set; }
        public bool AtEnd => Position >= text.Length;
        public char Current => text[Position];

        public void Advance()
        {
            if (text[Position] == '\n') LineNumber++;
            Position++;
        }

        public string CollectLine()
        {
            var end = text.IndexOf('\n', Position);
            if (end < 0) end = text.Length;
            var line = text[Position..end];
            Position = end;
            return line;
        }

        public void SkipLine()
        {
            CollectLine();
            if (!AtEnd) Advance();
        }

        public void SkipNewlines()
        {
            while (!AtEnd && text[Position] == '\n') Advance();
        }
    }
}
