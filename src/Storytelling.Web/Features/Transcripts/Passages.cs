namespace Storytelling.Web.Features.Transcripts;

/// <summary>Codings of one transcript whose spans overlap, read as the one passage they mark together.</summary>
public sealed record Passage<T>(Guid TranscriptId, int StartChar, int EndChar, IReadOnlyList<T> Codings);

/// <summary>
/// Overlapping codings are one passage: a short and a long coding of the same words (sentence 4, and sentences 4–5)
/// are the same thing picked out twice, and counting them apart lists the passage twice. Spans that only touch
/// (one ends where the next begins) stay apart; they mark different words.
/// </summary>
public static class Passages
{
    public static IReadOnlyList<Passage<T>> Merge<T>(IEnumerable<T> codings, Func<T, Guid> transcriptId, Func<T, int> start, Func<T, int> end)
    {
        var passages = new List<Passage<T>>();
        foreach (var transcript in codings.GroupBy(transcriptId))
        {
            List<T>? current = null;
            int from = 0, to = 0;
            foreach (var coding in transcript.OrderBy(start).ThenByDescending(end))
            {
                if (current is not null && start(coding) < to)
                {
                    current.Add(coding);
                    to = Math.Max(to, end(coding));
                    continue;
                }
                if (current is not null) passages.Add(new Passage<T>(transcript.Key, from, to, current));
                current = [coding];
                (from, to) = (start(coding), end(coding));
            }
            if (current is not null) passages.Add(new Passage<T>(transcript.Key, from, to, current));
        }
        return passages;
    }
}
