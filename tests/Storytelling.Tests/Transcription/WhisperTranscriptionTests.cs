extern alias worker;

using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Whisper;

namespace Storytelling.Tests.Transcription;

/// <summary>
/// Transcription through Whisper.net with the generated random-weight model: the words are noise by design,
/// so these tests check what the pipeline relies on (segments, word times, timestamps, language, no speech, cancellation, memory).
/// </summary>
[Collection(WhisperCollection.Name)]
public sealed class WhisperTranscriptionTests
{
    // Sets up Whisper.net's CPU runtime as the worker does.
    public WhisperTranscriptionTests() => _ = WhisperTestEnvironment.Runtime;

    private static readonly WhisperOptions Dutch = new() { Language = "nl", Threads = 2, MaxTokensPerSegment = 32, TemperatureFallback = false };

    [Fact]
    public async Task Dutch_speech_becomes_ordered_segments_with_word_times_within_the_recording()
    {
        var audio = WhisperTestEnvironment.DutchSpeech;
        var durationMs = audio.Length * 1000L / 16_000;
        var logger = new ListLogger();
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, logger);
        var progress = new List<int>();

        var result = await model.TranscribeAsync(audio, Dutch, null, progress.Add, CancellationToken.None);

        Assert.True(result.SpeechFound);
        Assert.Equal("nl", result.DetectedLanguage);
        Assert.NotEmpty(result.Segments);
        long previousEnd = 0;
        foreach (var segment in result.Segments)
        {
            Assert.False(string.IsNullOrWhiteSpace(segment.Text));
            Assert.InRange(segment.StartMs, previousEnd, durationMs);
            Assert.InRange(segment.EndMs, segment.StartMs, durationMs);
            Assert.InRange(segment.Probability, 0f, 1f);
            previousEnd = segment.StartMs;
        }
        AssertWordsInsideTheirSegments(result);
        Assert.NotEmpty(progress);
        Assert.Equal(progress.Order(), progress);
        // Transcript text never reaches the log at Information or above (whisper.cpp writes decoded text at its debug level only).
        var visible = logger.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(e => e.Message).ToList();
        Assert.NotEmpty(visible);
        Assert.DoesNotContain(visible, line => result.Segments.Any(s => line.Contains(s.Text, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_generated_model_with_real_dimensions_loads_and_transcribes()
    {
        // Tiny only, to keep the run short; base and small use the same writer with bigger numbers (the benchmarks load them).
        var path = WhisperTestEnvironment.WriteModel(GeneratedWhisperModel.Dimensions.Tiny);
        try
        {
            using var model = WhisperModel.Load(path, new ListLogger());
            var result = await model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch with { MaxTokensPerSegment = 4 }, null, null, CancellationToken.None);
            Assert.NotEmpty(result.Segments);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Automatic_language_detection_names_a_language()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var result = await model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch with { Language = "auto" }, null, null, CancellationToken.None);

        Assert.False(string.IsNullOrWhiteSpace(result.DetectedLanguage));
        Assert.InRange(result.DetectedLanguage!.Length, 2, 5);
    }

    [Fact]
    public async Task Speech_after_silence_keeps_segment_and_word_times_in_original_audio_time()
    {
        // 5 s of silence, the sentence, 3 s of silence, the sentence again: voice detection hands Whisper only the speech,
        // and every segment and word must come back in the original recording's time.
        var speech = WhisperTestEnvironment.DutchSpeech;
        var audio = new float[5 * 16_000 + speech.Length + 3 * 16_000 + speech.Length];
        speech.CopyTo(audio, 5 * 16_000);
        var secondStart = 5 * 16_000 + speech.Length + 3 * 16_000;
        speech.CopyTo(audio, secondStart);
        var durationMs = audio.Length * 1000L / 16_000;
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        using var vad = SileroVad.Load(WhisperTestEnvironment.SileroModelPath, new ListLogger());

        var result = await model.TranscribeAsync(audio, Dutch, vad, null, CancellationToken.None);

        Assert.True(result.SpeechFound);
        Assert.NotEmpty(result.Segments);
        Assert.All(result.Segments, s => Assert.InRange(s.StartMs, 4_500, durationMs));
        Assert.All(result.Segments, s => Assert.InRange(s.EndMs, s.StartMs, durationMs));
        AssertWordsInsideTheirSegments(result);
        Assert.All(result.Segments.SelectMany(s => s.Words), w => Assert.InRange(w.StartMs, 4_500, durationMs));
        // The second sentence is heard where it is in the recording, not 3 s earlier as in the joined speech.
        Assert.Contains(result.Segments, s => s.EndMs >= secondStart / 16 - 500);
    }

    [Fact]
    public async Task Silence_with_voice_detection_is_no_speech_and_no_text()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        using var vad = SileroVad.Load(WhisperTestEnvironment.SileroModelPath, new ListLogger());
        // A transcription with speech first, so stale results from the previous run would show.
        Assert.True((await model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch, vad, null, CancellationToken.None)).SpeechFound);

        var result = await model.TranscribeAsync(WhisperTestEnvironment.Silence(20), Dutch, vad, null, CancellationToken.None);

        Assert.False(result.SpeechFound);
        Assert.Empty(result.Segments);
        var auto = await model.TranscribeAsync(WhisperTestEnvironment.Silence(20), Dutch with { Language = "auto" }, vad, null, CancellationToken.None);
        Assert.False(auto.SpeechFound);
        Assert.Null(auto.DetectedLanguage);
    }

    [Fact]
    public async Task Cancelling_mid_transcription_throws_and_the_model_keeps_working()
    {
        var audio = new float[90 * 16_000]; // three 30 s windows of speech-like noise
        for (var i = 0; i < audio.Length; i++) audio[i] = WhisperTestEnvironment.DutchSpeech[i % WhisperTestEnvironment.DutchSpeech.Length];
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        using var cancellation = new CancellationTokenSource();
        var reached = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.TranscribeAsync(audio, Dutch, null, percent =>
        {
            reached = percent;
            if (percent > 0) cancellation.Cancel();
        }, cancellation.Token));

        Assert.InRange(reached, 1, 99);
        var after = await model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch, null, null, CancellationToken.None);
        Assert.NotEmpty(after.Segments);
    }

    [Fact]
    public async Task A_failing_progress_handler_stops_the_run_with_a_readable_error_and_the_model_keeps_working()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var error = await Assert.ThrowsAsync<WhisperException>(() => model.TranscribeAsync(WhisperTestEnvironment.DutchSpeech, Dutch, null,
            _ => throw new InvalidOperationException("progress store is down"), CancellationToken.None));

        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.NotEmpty((await model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch, null, null, CancellationToken.None)).Segments);
    }

    [Fact]
    public async Task An_unknown_language_code_throws_a_readable_WhisperException()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var error = await Assert.ThrowsAsync<WhisperException>(() =>
            model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch with { Language = "xx" }, null, null, CancellationToken.None));

        Assert.Contains("'xx'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_already_cancelled_token_throws_before_any_work()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            model.TranscribeAsync(WhisperTestEnvironment.ShortSpeech, Dutch, null, null, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task Two_hundred_transcriptions_with_one_model_do_not_grow_memory()
    {
        // Each run goes through voice detection and Whisper on threads Whisper.net starts and ends per call: native
        // per-thread memory must be given back, not kept once per thread.
        var audio = WhisperTestEnvironment.ShortSpeech;
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        using var vad = SileroVad.Load(WhisperTestEnvironment.SileroModelPath, new ListLogger());
        // One thread: the model is tiny, and on a busy machine a second thread mostly waits at ggml's barriers.
        var options = Dutch with { MaxTokensPerSegment = 8, Threads = 1 };
        for (var i = 0; i < 20; i++) await model.TranscribeAsync(audio, options, vad, _ => { }, CancellationToken.None);
        var warm = ResidentKilobytes();

        for (var i = 20; i < 200; i++) await model.TranscribeAsync(audio, options, vad, _ => { }, CancellationToken.None);
        var end = ResidentKilobytes();

        Assert.True(end <= warm * 1.10, $"Resident memory grew from {warm} kB after warm-up to {end} kB after 200 transcriptions.");
    }

    private static void AssertWordsInsideTheirSegments(WhisperResult result)
    {
        Assert.Contains(result.Segments, s => s.Words.Count > 0);
        foreach (var segment in result.Segments)
        {
            long previous = segment.StartMs;
            foreach (var word in segment.Words)
            {
                Assert.False(string.IsNullOrWhiteSpace(word.Text));
                Assert.Equal(word.Text.Trim(), word.Text);
                Assert.InRange(word.StartMs, previous, segment.EndMs);
                Assert.InRange(word.EndMs, word.StartMs, segment.EndMs);
                previous = word.StartMs;
            }
        }
    }

    private static long ResidentKilobytes()
    {
        // Measure what stays, not what is merely unreturned: the managed heap is compacted and decommitted, and glibc
        // gives back free arena memory (the worker trims after each window too), so only a real leak can grow.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        worker::Storytelling.Worker.Whisper.NativeMemory.Trim();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
