using Storytelling.Core.Analysis;
using Storytelling.Core.Transcripts;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// A transcript version as one reader sees it: segment texts with pseudonyms applied (unless the reader may see
/// originals), and the mapping between that text and the stored original, so every character offset the reader
/// sends or receives is counted in the text they actually see.
/// </summary>
public sealed class TranscriptView
{
    private TranscriptView(TranscriptText original, IReadOnlyList<string> segmentTexts, TextMapping toOriginal)
    {
        Original = original;
        SegmentTexts = segmentTexts;
        Text = string.Join("\n", segmentTexts);
        ToOriginal = toOriginal;
        FromOriginal = toOriginal.Inverse();
    }

    public TranscriptText Original { get; }
    /// <summary>Segment texts as shown, in position order.</summary>
    public IReadOnlyList<string> SegmentTexts { get; }
    public string Text { get; }
    public TextMapping ToOriginal { get; }
    public TextMapping FromOriginal { get; }

    public static TranscriptView For(IEnumerable<TranscriptSegment> segments, IReadOnlyCollection<Pseudonym> pseudonyms)
    {
        var original = TranscriptText.From(segments);
        var texts = new List<string>(original.Segments.Count);
        var hunks = new List<TextHunk>();
        var shownStart = 0;
        for (var i = 0; i < original.Segments.Count; i++)
        {
            var stored = original.Segments[i].Text;
            var shown = PseudonymText.Apply(stored, pseudonyms);
            texts.Add(shown);
            // Per segment, so a name that occurs a thousand times never meets the diff's size guard.
            if (shown != stored)
            {
                var originalStart = original.Starts[i];
                hunks.AddRange(TextDiff.Compute(shown, stored).Hunks.Select(h =>
                    new TextHunk(h.OldStart + shownStart, h.OldEnd + shownStart, h.NewStart + originalStart, h.NewEnd + originalStart)));
            }
            shownStart += shown.Length + 1;
        }
        return new TranscriptView(original, texts, new TextMapping(hunks));
    }

    /// <summary>
    /// Turns the segment texts a reader submitted (in the text they see) into stored text: their edits are applied to
    /// the original, so a pseudonym they left alone becomes the original name again, and one they edited is replaced
    /// by what they typed.
    /// </summary>
    public string Reoriginalise(int segmentIndex, string submitted)
    {
        var shown = SegmentTexts[segmentIndex];
        var stored = Original.Segments[segmentIndex].Text;
        if (submitted == shown) return stored;
        if (shown == stored) return submitted;
        var toStored = TextDiff.Compute(shown, stored);
        var edits = TextDiff.Compute(shown, submitted);
        var result = new System.Text.StringBuilder();
        var cursor = 0;
        foreach (var e in edits.Hunks)
        {
            var from = toStored.MapStart(e.OldStart);
            var to = e.OldStart == e.OldEnd ? from : toStored.MapEnd(e.OldEnd);
            from = Math.Max(from, cursor);
            to = Math.Max(to, from);
            result.Append(stored, cursor, from - cursor).Append(submitted, e.NewStart, e.NewEnd - e.NewStart);
            cursor = to;
        }
        return result.Append(stored, cursor, stored.Length - cursor).ToString();
    }
}
