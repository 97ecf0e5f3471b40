extern alias worker;

using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Whisper;

namespace Storytelling.Tests.Transcription;

/// <summary>
/// Transcription through whisper.cpp with the generated random-weight model: the words are noise by design,
/// so these tests check what the pipeline relies on (segments, timestamps, language, no speech, cancellation, memory).
/// </summary>
[Collection(WhisperCollection.Name)]
public sealed class WhisperTranscriptionTests
{
    // Loads libwhisper from the built folder first; a missing build fails every test here with one clear message.
    public WhisperTranscriptionTests() => _ = WhisperTestEnvironment.NativeLibraryDirectory;

    private static readonly WhisperOptions Dutch = new() { Language = "nl", Threads = 2, MaxTokensPerSegment = 32, TemperatureFallback = false };

    [Fact]
    public void Dutch_speech_becomes_ordered_segments_within_the_recording()
    {
        var audio = WhisperTestEnvironment.DutchSpeech;
        var durationMs = audio.Length * 1000L / 16_000;
        var logger = new ListLogger();
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, logger);
        var progress = new List<int>();

        var result = model.Transcribe(audio, Dutch, progress.Add, CancellationToken.None);

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
        Assert.Equal(progress.Order(), progress);
        // Transcript text never reaches the log at Information or above (whisper.cpp writes decoded text at its debug level only).
        var visible = logger.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Information).Select(e => e.Message).ToList();
        Assert.NotEmpty(visible);
        Assert.DoesNotContain(visible, line => result.Segments.Any(s => line.Contains(s.Text, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_generated_model_with_real_dimensions_loads_and_transcribes()
    {
        // Tiny only, to keep the run short; base and small use the same writer with bigger numbers (the benchmarks load them).
        var path = WhisperTestEnvironment.WriteModel(GeneratedWhisperModel.Dimensions.Tiny);
        try
        {
            using var model = WhisperModel.Load(path, new ListLogger());
            var result = model.Transcribe(WhisperTestEnvironment.ShortSpeech, Dutch with { MaxTokensPerSegment = 4 }, null, CancellationToken.None);
            Assert.NotEmpty(result.Segments);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Automatic_language_detection_names_a_language()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var result = model.Transcribe(WhisperTestEnvironment.ShortSpeech, Dutch with { Language = "auto" }, null, CancellationToken.None);

        Assert.False(string.IsNullOrWhiteSpace(result.DetectedLanguage));
        Assert.InRange(result.DetectedLanguage!.Length, 2, 5);
    }

    [Fact]
    public void Speech_with_voice_detection_keeps_timestamps_in_original_audio_time()
    {
        // 5 s of silence, then the sentence: every segment must start after the silence, in original time.
        var speech = WhisperTestEnvironment.DutchSpeech;
        var audio = new float[5 * 16_000 + speech.Length];
        speech.CopyTo(audio, 5 * 16_000);
        var durationMs = audio.Length * 1000L / 16_000;
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var result = model.Transcribe(audio, Dutch with { VadModelPath = WhisperTestEnvironment.SileroModelPath }, null, CancellationToken.None);

        Assert.True(result.SpeechFound);
        Assert.NotEmpty(result.Segments);
        Assert.All(result.Segments, s => Assert.InRange(s.StartMs, 4_500, durationMs));
        Assert.All(result.Segments, s => Assert.InRange(s.EndMs, s.StartMs, durationMs));
    }

    [Fact]
    public void Silence_with_voice_detection_is_no_speech_and_no_text()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        var options = Dutch with { VadModelPath = WhisperTestEnvironment.SileroModelPath };
        // A transcription with speech first, so stale results from the previous run would show.
        Assert.True(model.Transcribe(WhisperTestEnvironment.ShortSpeech, options, null, CancellationToken.None).SpeechFound);

        var result = model.Transcribe(WhisperTestEnvironment.Silence(20), options, null, CancellationToken.None);

        Assert.False(result.SpeechFound);
        Assert.Empty(result.Segments);
        var auto = model.Transcribe(WhisperTestEnvironment.Silence(20), options with { Language = "auto" }, null, CancellationToken.None);
        Assert.False(auto.SpeechFound);
        Assert.Null(auto.DetectedLanguage);
    }

    [Fact]
    public void Cancelling_mid_transcription_throws_and_the_model_keeps_working()
    {
        var audio = new float[90 * 16_000]; // three 30 s windows of speech-like noise
        for (var i = 0; i < audio.Length; i++) audio[i] = WhisperTestEnvironment.DutchSpeech[i % WhisperTestEnvironment.DutchSpeech.Length];
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        using var cancellation = new CancellationTokenSource();
        var reached = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => model.Transcribe(audio, Dutch, percent =>
        {
            reached = percent;
            if (percent > 0) cancellation.Cancel();
        }, cancellation.Token));

        Assert.InRange(reached, 1, 99);
        var after = model.Transcribe(WhisperTestEnvironment.ShortSpeech, Dutch, null, CancellationToken.None);
        Assert.NotEmpty(after.Segments);
    }

    [Fact]
    public void An_unknown_language_code_throws_a_readable_WhisperException()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        var error = Assert.Throws<WhisperException>(() =>
            model.Transcribe(WhisperTestEnvironment.ShortSpeech, Dutch with { Language = "xx" }, null, CancellationToken.None));

        Assert.Contains("'xx'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_already_cancelled_token_throws_before_any_work()
    {
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());

        Assert.ThrowsAny<OperationCanceledException>(() =>
            model.Transcribe(WhisperTestEnvironment.ShortSpeech, Dutch, null, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void Two_hundred_transcriptions_with_one_model_do_not_grow_memory()
    {
        var audio = WhisperTestEnvironment.ShortSpeech;
        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, new ListLogger());
        // One thread: the model is tiny, and on a busy machine a second thread mostly waits at ggml's barriers.
        var options = Dutch with { MaxTokensPerSegment = 8, Threads = 1 };
        for (var i = 0; i < 20; i++) model.Transcribe(audio, options, _ => { }, CancellationToken.None);
        var warm = ResidentKilobytes();

        for (var i = 20; i < 200; i++) model.Transcribe(audio, options, _ => { }, CancellationToken.None);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var end = ResidentKilobytes();

        Assert.True(end <= warm * 1.10, $"Resident memory grew from {warm} kB after warm-up to {end} kB after 200 transcriptions.");
    }

    private static long ResidentKilobytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
