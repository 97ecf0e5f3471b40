using System.Globalization;
using System.Text;
using System.Text.Json;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Transcripts;

/// <summary>
/// The web-platform-tests WebVTT file-parsing data (Transcripts/WebVttConformance, BSD-3-Clause): every file the
/// specification accepts gives the cues its assertions expect, every file it rejects is refused, and our import
/// (<see cref="TranscriptFormats.ParseVtt"/>) keeps the same cues.
/// </summary>
public sealed class WebVttConformanceTests
{
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "Storytelling.Tests", "Transcripts", "WebVttConformance");

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.expected.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file)[..^".expected.json".Length]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void The_WebVTT_parser_gives_what_the_web_platform_tests_expect(string name)
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".expected.json")));
        var root = expected.RootElement;
        var document = WebVttParser.Parse(Input(name));

        if (root.GetProperty("refused").GetBoolean())
        {
            Assert.False(document.IsWebVtt);
            Assert.Contains("must start with the line 'WEBVTT'", TranscriptFormats.ParseVtt(Input(name)).Error, StringComparison.Ordinal);
            return;
        }
        Assert.True(document.IsWebVtt);
        Assert.Equal(root.GetProperty("cues").GetInt32(), document.Cues.Count);
        if (root.TryGetProperty("styleSheets", out var sheets)) Assert.Equal(sheets.GetInt32(), document.StyleSheets.Count);
        if (root.TryGetProperty("styleSheetContains", out var contains))
        {
            foreach (var rule in contains.EnumerateArray()) Assert.Contains(rule.GetString()!, document.StyleSheets[0], StringComparison.Ordinal);
        }
        foreach (var check in root.GetProperty("checks").EnumerateArray())
        {
            var cue = document.Cues[check.GetProperty("index").GetInt32()];
            var s = cue.Settings;
            foreach (var property in check.EnumerateObject())
            {
                var because = $"{name}, cue {check.GetProperty("index").GetInt32()}, {property.Name}";
                var value = property.Value;
                switch (property.Name)
                {
                    case "index": break;
                    case "id": Assert.True(value.GetString() == cue.Id, because); break;
                    case "text": Assert.True(value.GetString() == cue.Text, $"{because}: '{cue.Text}'"); break;
                    case "start": Assert.True(value.GetInt64() == cue.StartMs, because); break;
                    case "end": Assert.True(value.GetInt64() == cue.EndMs, because); break;
                    case "align": Assert.True(value.GetString() == s.Align, $"{because}: {s.Align}"); break;
                    case "vertical": Assert.True(value.GetString() == s.Vertical, because); break;
                    case "lineAlign": Assert.True(value.GetString() == s.LineAlign, because); break;
                    case "positionAlign": Assert.True(value.GetString() == s.PositionAlign, because); break;
                    case "snapToLines": Assert.True(value.GetBoolean() == s.SnapToLines, because); break;
                    case "size": Assert.True(value.GetDouble() == s.Size, because); break;
                    case "line": Assert.True(Auto(value) == s.LinePosition, $"{because}: {s.LinePosition}"); break;
                    case "position": Assert.True(Auto(value) == s.Position, $"{because}: {s.Position}"); break;
                    case "region": Assert.True(value.GetString() == s.Region?.Id, $"{because}: {s.Region?.Id}"); break;
                    case "regionLines": Assert.True(value.GetInt32() == s.Region?.Lines, because); break;
                    case "scroll": Assert.True(value.GetString() == s.Region?.Scroll, because); break;
                    case "regionAnchor":
                        Assert.True((value[0].GetDouble(), value[1].GetDouble()) == (s.Region?.RegionAnchorX, s.Region?.RegionAnchorY), because);
                        break;
                    case "viewportAnchor":
                        Assert.True((value[0].GetDouble(), value[1].GetDouble()) == (s.Region?.ViewportAnchorX, s.Region?.ViewportAnchorY), because);
                        break;
                    default: throw new InvalidOperationException($"{name}: unknown expectation {property.Name}");
                }
            }
        }
        // The import keeps every cue the browser keeps that holds text, at the same times.
        var imported = TranscriptFormats.ParseVtt(Input(name));
        var withText = document.Cues.Where(c => c.Text.Trim().Length > 0).ToList();
        if (withText.Count == 0) Assert.NotNull(imported.Error);
        else Assert.Equal(withText.Select(c => c.StartMs).Order(), imported.Cues.Select(c => c.StartMs));
    }

    private static double? Auto(JsonElement value) => value.ValueKind == JsonValueKind.String ? null : value.GetDouble();

    /// <summary>The WebVTT file of a conformance case: the part of a .test after "===", unescaped; or a .vtt as is.</summary>
    private static string Input(string name)
    {
        var vtt = Path.Combine(Folder, name + ".vtt");
        if (File.Exists(vtt)) return File.ReadAllText(vtt);
        var source = File.ReadAllText(Path.Combine(Folder, name + ".test"));
        var body = source[(source.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        return Unescape(body[(body.IndexOf("===\n", StringComparison.Ordinal) + 4)..]);
    }

    private static string Unescape(string s)
    {
        var result = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length) { result.Append(s[i]); continue; }
            var c = s[++i];
            switch (c)
            {
                case '\n': break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 't': result.Append('\t'); break;
                case 'f': result.Append('\f'); break;
                case 'v': result.Append('\v'); break;
                case '0': result.Append('\0'); break;
                case '\\': result.Append('\\'); break;
                case 'x': result.Append((char)int.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)); i += 2; break;
                case 'u': result.Append((char)int.Parse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)); i += 4; break;
                default: result.Append('\\').Append(c); break;
            }
        }
        return result.ToString();
    }
}
