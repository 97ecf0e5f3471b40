using Storytelling.Core.Analysis;
using Storytelling.Core.Transcripts;

namespace Storytelling.Tests.Pseudonyms;

/// <summary>Where a silenced name is said, found in Whisper's words however Whisper cut, cased or punctuated them.</summary>
public sealed class SilencedSpansTests
{
    private static TimedWord[] Words(params string[] texts) => texts.Select((t, i) => new TimedWord(i * 100, i * 100 + 90, t)).ToArray();

    [Theory]
    [InlineData("Fatima", new[] { "Ik", "ben", "Fatima." }, 200, 290)]
    [InlineData("fatima", new[] { "Ik", "ben", "FATIMA," }, 200, 290)]
    [InlineData("Zoë", new[] { "dag", "Zoe!" }, 100, 190)]
    [InlineData("Zoe", new[] { "dag", "Zoë" }, 100, 190)]
    [InlineData("Fatima", new[] { "Ik", "ben", "Fat", "ima", "uit" }, 200, 390)]
    [InlineData("Jan de Vries", new[] { "met", "Jan", "de", "Vries,", "toen" }, 100, 390)]
    [InlineData("Jan de Vries", new[] { "met", "jan", "de", "V", "ries." }, 100, 490)]
    [InlineData("El-Amrani", new[] { "mevrouw", "El", "-", "Amrani" }, 100, 390)]
    public void A_name_is_found_across_case_diacritics_punctuation_and_sub_words(string name, string[] words, long start, long end) =>
        Assert.Equal(new[] { new AudioSpan(start, end) }, SilencedSpans.Find(Words(words), [name]));

    [Fact]
    public void Another_word_that_starts_like_the_name_is_not_the_name()
    {
        Assert.Empty(SilencedSpans.Find(Words("Jansen", "en", "Janna"), ["Jan"]));
        Assert.Empty(SilencedSpans.Find(Words("Jan", "de", "Boer"), ["Jan de Vries"]));
    }

    [Fact]
    public void Every_occurrence_of_every_name_is_found()
    {
        var spans = SilencedSpans.Find(Words("Fatima", "en", "Houten", "en", "fatima"), ["Houten", "Fatima"]);
        Assert.Equal(new[] { new AudioSpan(0, 90), new AudioSpan(200, 290), new AudioSpan(400, 490) }, spans.OrderBy(s => s.StartMs));
    }

    [Fact]
    public void The_margin_widens_spans_within_the_recording_and_merges_those_that_touch()
    {
        var widened = SilencedSpans.Widen([new(1000, 1200), new(100, 300), new(1400, 1500), new(5900, 6000)], 150, 6000);
        Assert.Equal(new[] { new AudioSpan(0, 450), new AudioSpan(850, 1650), new AudioSpan(5750, 6000) }, widened);
    }

    [Fact]
    public void Word_times_survive_their_compact_form()
    {
        TimedWord[] words = [new(0, 300, "Ik"), new(300, 900, "Fa\"tima, \\ 😀")];
        Assert.Equal(words, WordTimes.Decode(WordTimes.Encode(words)));
        Assert.Null(WordTimes.Encode([]));
        Assert.Empty(WordTimes.Decode(null));
    }
}
