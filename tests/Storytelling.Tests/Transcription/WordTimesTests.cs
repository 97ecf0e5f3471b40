extern alias worker;

using worker::Storytelling.Worker.Whisper;

namespace Storytelling.Tests.Transcription;

/// <summary>Tokens with their times become words with times in the original recording (no native code involved).</summary>
public sealed class WordTimesTests
{
    private static long Same(long ms) => ms;

    [Fact]
    public void Sub_word_tokens_join_into_words_and_special_tokens_are_left_out()
    {
        TokenTime[] tokens =
        [
            new(50258, "[_SOT_]", 0, 0), new(50364, "[_TT_0]", 0, 0),
            new(1, " Mijn", 10, 40), new(2, " oma", 40, 80), new(3, " woon", 80, 110), new(4, "de", 110, 130), new(5, ",", 130, 135),
            new(6, " vroe", 150, 170), new(7, "ger", 170, 200), new(50257, "[_EOT_]", 200, 200),
        ];

        var words = WordTimes.FromTokens(tokens, " Mijn oma woonde, vroeger", Same, 0, 2_000);

        Assert.Equal([new(100, 400, "Mijn"), new(400, 800, "oma"), new(800, 1350, "woonde,"), new WhisperWord(1500, 2000, "vroeger")], words);
    }

    [Fact]
    public void Times_are_mapped_to_the_original_audio_and_kept_inside_the_segment()
    {
        // Whisper saw the speech from 12 s on shifted to 0 s; its last token runs past the segment's end.
        TokenTime[] tokens = [new(1, " Hallo", 5, 60), new(2, " daar", 60, 400)];

        var words = WordTimes.FromTokens(tokens, " Hallo daar", ms => ms + 12_000, 12_100, 13_000);

        Assert.Equal([new(12_100, 12_600, "Hallo"), new WhisperWord(12_600, 13_000, "daar")], words);
    }

    [Fact]
    public void The_segment_text_spells_words_whose_characters_are_split_over_tokens()
    {
        // One Arabic letter (two UTF-8 bytes) split over two tokens decodes to replacement characters per token.
        TokenTime[] tokens = [new(1, " \uFFFD", 0, 20), new(2, "\uFFFDرحبا", 20, 60), new(3, " بكم", 60, 90)];

        var words = WordTimes.FromTokens(tokens, " مرحبا بكم", Same, 0, 1_000);

        Assert.Equal(["مرحبا", "بكم"], words.Select(w => w.Text));
        Assert.Equal((0L, 600L), (words[0].StartMs, words[0].EndMs));
    }

    [Fact]
    public void Punctuation_alone_is_not_a_word_and_times_never_run_backwards()
    {
        TokenTime[] tokens = [new(1, " Ja", 50, 80), new(2, " -", 80, 90), new(3, " nee", 40, 120)];

        var words = WordTimes.FromTokens(tokens, " Ja - nee", Same, 0, 2_000);

        Assert.Equal(["Ja", "nee"], words.Select(w => w.Text));
        Assert.True(words[1].StartMs >= words[0].StartMs);
    }

    [Fact]
    public void Without_token_timestamps_there_are_no_word_times()
    {
        TokenTime[] tokens = [new(1, " Ja", -1, -1)];

        Assert.Empty(WordTimes.FromTokens(tokens, " Ja", Same, 0, 1_000));
    }

    [Theory]
    [InlineData(50257, "[_EOT_]", true)]
    [InlineData(50364, "[_TT_0]", true)]
    [InlineData(50256, "<|endoftext|>", true)]
    [InlineData(220, " ", false)]
    [InlineData(4, "de", false)]
    public void Special_tokens_are_recognised_by_id_or_by_whisper_cpps_names(int id, string text, bool special) =>
        Assert.Equal(special, WordTimes.IsSpecial(new TokenTime(id, text, 0, 0)));
}

/// <summary>Speech regions joined for Whisper as whisper.cpp joins them, and times mapped back.</summary>
public sealed class SpeechAudioTests
{
    [Fact]
    public void Regions_are_joined_with_overlap_and_short_silences_and_times_map_back()
    {
        var source = new float[10 * 16_000];
        for (var i = 0; i < source.Length; i++) source[i] = i / 16_000 + 1; // the second a sample is in, plus one
        SpeechRegion[] regions = [new(1_000, 2_000), new(5_000, 6_500)];

        var plan = SpeechAudio.Plan(regions, source.Length);
        var joined = new float[plan.Length];
        plan.Join(source, joined);

        // first region 1.0–2.1 s (with 0.1 s overlap), 0.1 s silence, second region 5.0–6.5 s
        Assert.Equal((1_100 + 100 + 1_500) * 16, plan.Length);
        Assert.Equal(2f, joined[0]);
        Assert.Equal(3f, joined[1_100 * 16 - 1]); // the overlap reaches into the third second
        Assert.Equal(0f, joined[1_150 * 16]);
        Assert.Equal(6f, joined[1_200 * 16]);
        Assert.Equal(1_000, plan.ToOriginalMs(0));
        Assert.Equal(1_500, plan.ToOriginalMs(500));
        Assert.Equal(2_000, plan.ToOriginalMs(1_050)); // in the overlap: the region's end
        Assert.Equal(2_000, plan.ToOriginalMs(1_150)); // in the silence between: still the region's end
        Assert.Equal(5_000, plan.ToOriginalMs(1_200));
        Assert.Equal(6_500, plan.ToOriginalMs(99_000));
    }

    [Fact]
    public void No_regions_means_nothing_to_transcribe_and_regions_past_the_end_are_cut()
    {
        Assert.Equal(0, SpeechAudio.Plan([], 16_000).Length);

        var plan = SpeechAudio.Plan([new(500, 5_000)], 16_000);

        Assert.Equal(8_000, plan.Length);
        Assert.Equal(1_000, plan.ToOriginalMs(800));
    }
}
