using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Workshops;

public sealed class PassageTests
{
    private static readonly Guid Transcript = Guid.NewGuid(), Other = Guid.NewGuid();

    private static IReadOnlyList<Passage<(Guid T, int S, int E)>> Merge(params (Guid T, int S, int E)[] spans) =>
        Passages.Merge(spans, c => c.T, c => c.S, c => c.E);

    [Fact]
    public void Overlapping_codings_of_one_transcript_are_one_passage_spanning_both()
    {
        var passage = Assert.Single(Merge((Transcript, 47, 105), (Transcript, 47, 145), (Transcript, 100, 120)));
        Assert.Equal((47, 145, 3), (passage.StartChar, passage.EndChar, passage.Codings.Count));
    }

    [Fact]
    public void Touching_spans_and_spans_in_other_transcripts_stay_apart()
    {
        var passages = Merge((Transcript, 0, 46), (Transcript, 46, 90), (Other, 10, 60));
        Assert.Equal(3, passages.Count);
        Assert.All(passages, p => Assert.Single(p.Codings));
    }
}
