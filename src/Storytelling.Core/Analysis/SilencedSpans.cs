using System.Globalization;
using System.Text;
using Storytelling.Core.Transcripts;

namespace Storytelling.Core.Analysis;

/// <summary>A stretch of a recording, in milliseconds from its start.</summary>
public sealed record AudioSpan(long StartMs, long EndMs);

/// <summary>
/// Where in a recording a name is said, from the words' times. A name matches a run of consecutive words whose letters
/// and digits, joined, equal the name's: case, diacritics, spaces and punctuation do not count, so "Jan de Vries"
/// matches "jan", "de", "Vries." and a name Whisper split into sub-words ("Fat", "ima") matches as well.
/// </summary>
public static class SilencedSpans
{
    /// <summary>A name spans at most this many words (sub-words included); longer runs are not names.</summary>
    private const int MaxWordsPerName = 24;

    /// <summary>The spans of every run of <paramref name="words"/> (in spoken order) that says one of <paramref name="names"/>.</summary>
    public static IReadOnlyList<AudioSpan> Find(IReadOnlyList<TimedWord> words, IEnumerable<string> names)
    {
        var folded = words.Select(w => Fold(w.Text)).ToArray();
        var targets = names.Select(Fold).Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var spans = new List<AudioSpan>();
        for (var i = 0; i < words.Count; i++)
        {
            if (folded[i].Length == 0) continue;
            foreach (var name in targets)
            {
                if (!name.StartsWith(folded[i], StringComparison.Ordinal)) continue;
                var said = new StringBuilder(folded[i]);
                var j = i;
                while (said.Length < name.Length && j + 1 < words.Count && j - i < MaxWordsPerName)
                {
                    j++;
                    said.Append(folded[j]);
                    if (!name.StartsWith(said.ToString(), StringComparison.Ordinal)) break;
                }
                if (string.Equals(said.ToString(), name, StringComparison.Ordinal))
                    spans.Add(new AudioSpan(words[i].StartMs, Math.Max(words[i].EndMs, words[j].EndMs)));
            }
        }
        return spans;
    }

    /// <summary>Letters and digits only, lower case, without diacritics: "Zoë-Fátima," becomes "zoefatima".</summary>
    public static string Fold(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var folded = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            if (char.IsLetterOrDigit(c)) folded.Append(char.ToLowerInvariant(c));
        }
        return folded.ToString();
    }

    /// <summary>Each span widened by <paramref name="marginMs"/> on both sides, kept within the recording, sorted and merged.</summary>
    public static IReadOnlyList<AudioSpan> Widen(IEnumerable<AudioSpan> spans, long marginMs, long durationMs)
    {
        var end = durationMs > 0 ? durationMs : long.MaxValue;
        var merged = new List<AudioSpan>();
        foreach (var s in spans.Select(s => new AudioSpan(Math.Max(0, s.StartMs - marginMs), Math.Min(end, s.EndMs + marginMs)))
                     .Where(s => s.EndMs > s.StartMs).OrderBy(s => s.StartMs))
        {
            if (merged.Count > 0 && s.StartMs <= merged[^1].EndMs)
                merged[^1] = merged[^1] with { EndMs = Math.Max(merged[^1].EndMs, s.EndMs) };
            else
                merged.Add(s);
        }
        return merged;
    }
}
