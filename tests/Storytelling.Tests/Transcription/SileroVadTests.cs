extern alias worker;

using worker::Storytelling.Worker.Whisper;

namespace Storytelling.Tests.Transcription;

/// <summary>The real Silero VAD model the worker ships, through Whisper.net's VAD processor, against the figures verified for it with whisper.cpp (Data/NOTICE.md).</summary>
[Collection(WhisperCollection.Name)]
public sealed class SileroVadTests
{
    // Sets up Whisper.net's CPU runtime as the worker does.
    public SileroVadTests() => _ = WhisperTestEnvironment.Runtime;

    [Fact]
    public async Task Jfk_has_the_four_known_speech_regions()
    {
        using var vad = SileroVad.Load(WhisperTestEnvironment.SileroModelPath, new ListLogger());

        var regions = await vad.DetectSpeechAsync(WhisperTestEnvironment.Jfk, CancellationToken.None);

        (long Start, long End)[] expected = [(320, 2270), (3270, 4410), (5380, 7680), (8160, 10620)];
        Assert.Equal(expected.Length, regions.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.InRange(regions[i].StartMs, expected[i].Start - 150, expected[i].Start + 150);
            Assert.InRange(regions[i].EndMs, expected[i].End - 150, expected[i].End + 150);
        }
    }

    [Fact]
    public async Task Digital_silence_has_no_speech()
    {
        using var vad = SileroVad.Load(WhisperTestEnvironment.SileroModelPath, new ListLogger());

        Assert.Empty(await vad.DetectSpeechAsync(WhisperTestEnvironment.Silence(20), CancellationToken.None));
    }

    [Fact]
    public void Missing_or_wrong_vad_model_throws_a_readable_WhisperException()
    {
        var missing = Assert.Throws<WhisperException>(() => SileroVad.Load("/nonexistent/ggml-silero.bin", new ListLogger()));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        // Only files whisper.cpp rejects cleanly: a Whisper model given as VAD model trips a native assert (process abort).
        var text = WhisperTestEnvironment.NewFile("ggml-silero.bin");
        File.WriteAllText(text, "not a model\n");
        var wrong = Assert.Throws<WhisperException>(() => SileroVad.Load(text, new ListLogger()));
        Assert.Contains("not a voice-detection model", wrong.Message, StringComparison.Ordinal);
    }
}
