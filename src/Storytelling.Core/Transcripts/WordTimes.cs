using System.Text.Json;

namespace Storytelling.Core.Transcripts;

/// <summary>One spoken word as Whisper heard it; times in milliseconds of the original recording.</summary>
public sealed record TimedWord(long StartMs, long EndMs, string Text);

/// <summary>
/// The compact text form of a segment's words kept in <see cref="TranscriptSegment.WordTimes"/>: a JSON array of
/// [startMs, endMs, "text"] triples, about 20 bytes a word, read and deleted together with its segment.
/// </summary>
public static class WordTimes
{
    public static string? Encode(IEnumerable<TimedWord> words)
    {
        var list = words.ToList();
        if (list.Count == 0) return null;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var w in list)
            {
                json.WriteStartArray();
                json.WriteNumberValue(w.StartMs);
                json.WriteNumberValue(w.EndMs);
                json.WriteStringValue(w.Text);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The words of a segment; empty for null (a segment from before word times, or a human version).</summary>
    public static IReadOnlyList<TimedWord> Decode(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded)) return [];
        using var document = JsonDocument.Parse(encoded);
        var words = new List<TimedWord>(document.RootElement.GetArrayLength());
        foreach (var w in document.RootElement.EnumerateArray())
            words.Add(new TimedWord(w[0].GetInt64(), w[1].GetInt64(), w[2].GetString() ?? ""));
        return words;
    }
}
