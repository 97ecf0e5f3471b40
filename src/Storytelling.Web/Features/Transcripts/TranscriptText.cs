using Storytelling.Core.Transcripts;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// A transcript version as one plain text (segment texts joined with "\n" in position order, the text coding offsets
/// count in) plus where each segment starts, so a character range maps to a time range and back.
/// </summary>
public sealed class TranscriptText
{
    private TranscriptText(string text, IReadOnlyList<TranscriptSegment> segments, int[] starts)
    {
        Text = text;
        Segments = segments;
        Starts = starts;
    }

    public string Text { get; }
    public IReadOnlyList<TranscriptSegment> Segments { get; }
    /// <summary>Character offset where segment i starts.</summary>
    public IReadOnlyList<int> Starts { get; }

    public static TranscriptText From(IEnumerable<TranscriptSegment> segments)
    {
        var ordered = segments.OrderBy(s => s.Position).ToList();
        var starts = new int[ordered.Count];
        var offset = 0;
        for (var i = 0; i < ordered.Count; i++)
        {
            starts[i] = offset;
            offset += ordered[i].Text.Length + 1;
        }
        return new TranscriptText(string.Join("\n", ordered.Select(s => s.Text)), ordered, starts);
    }

    /// <summary>Index of the segment holding character <paramref name="offset"/> (a "\n" belongs to the segment before it).</summary>
    public int SegmentAt(int offset)
    {
        var i = Array.BinarySearch((int[])Starts, offset);
        return Math.Clamp(i >= 0 ? i : ~i - 1, 0, Math.Max(0, Segments.Count - 1));
    }

    /// <summary>The audio time of a character, interpolated within its segment (speech is roughly even within one).</summary>
    public long MsAt(int offset)
    {
        if (Segments.Count == 0) return 0;
        var i = SegmentAt(offset);
        var s = Segments[i];
        var within = Math.Clamp(offset - Starts[i], 0, Math.Max(1, s.Text.Length));
        return s.StartMs + (s.EndMs - s.StartMs) * within / Math.Max(1, s.Text.Length);
    }
}
