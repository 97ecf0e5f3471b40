using Storytelling.Core.Analysis;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Workspace;

public sealed class TextDiffTests
{
    private static (int Start, int End)? Move(string oldText, string newText, string coded, int occurrence = 0)
    {
        var start = -1;
        for (var i = 0; i <= occurrence; i++) start = oldText.IndexOf(coded, start + 1, StringComparison.Ordinal);
        Assert.True(start >= 0);
        var text = TranscriptText.From([new TranscriptSegment { Text = newText }]);
        return TranscriptService.Reanchor(TextDiff.Compute(oldText, newText), text, start, start + coded.Length);
    }

    private static string Quote(string newText, (int Start, int End)? range) => newText[range!.Value.Start..range.Value.End];

    [Fact]
    public void Identical_texts_have_no_changes()
    {
        Assert.Empty(TextDiff.Compute("Werk geeft me rust.", "Werk geeft me rust.").Hunks);
        Assert.Empty(TextDiff.Compute("", "").Hunks);
    }

    [Fact]
    public void A_coding_moves_with_text_inserted_before_it()
    {
        const string after = "Eerst dit. Ik vond werk bij de voedselbank.";
        Assert.Equal("werk bij de voedselbank", Quote(after, Move("Ik vond werk bij de voedselbank.", after, "werk bij de voedselbank")));
    }

    [Fact]
    public void A_coding_moves_with_text_deleted_before_it()
    {
        const string after = "Ik vond werk.";
        Assert.Equal("werk", Quote(after, Move("Ik vond na lang zoeken werk.", after, "werk")));
    }

    [Fact]
    public void A_coding_grows_with_text_inserted_inside_it_and_shrinks_with_text_deleted_inside_it()
    {
        const string grown = "Ik vond werk bij de grote voedselbank in Houten.";
        Assert.Equal("werk bij de grote voedselbank", Quote(grown, Move("Ik vond werk bij de voedselbank in Houten.", grown, "werk bij de voedselbank")));
        const string shrunk = "Ik vond werk in Houten.";
        Assert.Equal("werk in Houten", Quote(shrunk, Move("Ik vond werk bij de voedselbank in Houten.", shrunk, "werk bij de voedselbank in Houten")));
    }

    [Fact]
    public void Text_inserted_right_at_a_codings_edges_stays_outside_it()
    {
        const string after = "Ik vond heel snel werk echt.";
        Assert.Equal("werk", Quote(after, Move("Ik vond werk.", after, "werk")));
        Assert.Equal("snel", Quote("Ik vond snel nieuw werk.", Move("Ik vond snel werk.", "Ik vond snel nieuw werk.", "snel")));
    }

    [Fact]
    public void A_corrected_word_inside_a_coding_keeps_the_coding_on_the_correction()
    {
        const string after = "Het UWV belde mij terug.";
        Assert.Equal("UWV belde", Quote(after, Move("Het uwf belde mij terug.", after, "uwf belde")));
    }

    [Fact]
    public void A_coding_whose_words_were_all_deleted_is_not_reanchored()
    {
        Assert.Null(Move("Ik vond werk bij de voedselbank. Daarna niet.", "Ik vond werk. Daarna niet.", "bij de voedselbank"));
        Assert.Null(Move("Eén. Twee. Drie.", "Eén. Drie.", "Twee."));
    }

    [Fact]
    public void The_same_words_elsewhere_do_not_capture_a_coding()
    {
        // The second "Werk is" is coded and the first deleted: the coding must stay on the words it covered.
        const string after = "Geen baan. Werk is alles.";
        var range = Move("Werk is goed. Geen baan. Werk is alles.", after, "Werk is", occurrence: 1);
        Assert.Equal(after.IndexOf("Werk is", StringComparison.Ordinal), range!.Value.Start);
    }

    [Fact]
    public void Codings_across_segments_survive_segment_edits_and_emoji()
    {
        var oldText = string.Join("\n", "Ik kom uit Eritrea 🙂.", "Werk is voor mij belangrijk.", "Taal is moeilijk.");
        var newText = string.Join("\n", "Ik kom uit Eritrea 🙂 en Syrië.", "Werk is voor mij heel belangrijk.", "Taal is moeilijk.");
        Assert.Equal("Werk is voor mij heel belangrijk.\nTaal", Quote(newText, Move(oldText, newText, "Werk is voor mij belangrijk.\nTaal")));
    }

    [Fact]
    public void A_rewrite_beyond_the_size_guard_still_maps_codings_into_the_rewritten_stretch_quickly()
    {
        var oldText = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => $"woord{i}"));
        var newText = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => i % 3 == 0 ? $"ander{i}" : $"woord{i}"));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var mapping = TextDiff.Compute(oldText, newText);
        Assert.True(watch.ElapsedMilliseconds < 5000, $"diff took {watch.ElapsedMilliseconds} ms");
        Assert.NotEmpty(mapping.Hunks);
        Assert.InRange(mapping.MapStart(oldText.Length / 2), 0, newText.Length);
        Assert.Equal(newText.Length, mapping.MapEnd(oldText.Length));
    }

    [Fact]
    public void Many_small_edits_map_every_unchanged_word_exactly()
    {
        var words = Enumerable.Range(0, 3000).Select(i => $"w{i}").ToList();
        var oldText = string.Join(" ", words);
        var newText = string.Join(" ", words.Select((w, i) => i % 10 == 0 ? w + " extra" : w));
        var mapping = TextDiff.Compute(oldText, newText);
        foreach (var i in new[] { 1, 11, 1234, 2999 })
        {
            var at = oldText.IndexOf($" w{i} ", StringComparison.Ordinal) + 1;
            if (i == 2999) at = oldText.LastIndexOf("w2999", StringComparison.Ordinal);
            Assert.Equal($"w{i}", newText[mapping.MapStart(at)..mapping.MapEnd(at + $"w{i}".Length)]);
        }
    }

    [Fact]
    public void Pseudonymised_view_maps_offsets_back_to_the_original_and_edits_keep_the_original_name()
    {
        var pseudonyms = new List<Pseudonym> { new() { Original = "Jan de Vries", Replacement = "Peter" } };
        var view = TranscriptView.For([
            new TranscriptSegment { Position = 0, Text = "Ik werk met Jan de Vries op de markt." },
            new TranscriptSegment { Position = 1, Text = "Jan de Vries helpt mij." },
        ], pseudonyms);
        Assert.Equal("Ik werk met Peter op de markt.\nPeter helpt mij.", view.Text);
        var start = view.Text.IndexOf("Peter helpt", StringComparison.Ordinal);
        Assert.Equal("Jan de Vries helpt", view.Original.Text[view.ToOriginal.MapStart(start)..view.ToOriginal.MapEnd(start + "Peter helpt".Length)]);
        Assert.Equal("Ik werk met Jan de Vries op de grote markt.", view.Reoriginalise(0, "Ik werk met Peter op de grote markt."));
        Assert.Equal("Ik werk met Klaas op de markt.", view.Reoriginalise(0, "Ik werk met Klaas op de markt."));
        Assert.Equal("Jan de Vries helpt mij.", view.Reoriginalise(1, "Peter helpt mij."));
    }
}
