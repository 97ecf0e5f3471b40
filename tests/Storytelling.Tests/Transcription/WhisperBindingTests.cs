extern alias worker;

using System.Runtime.InteropServices;
using worker::Storytelling.Worker.Whisper;
using worker::Storytelling.Worker.Whisper.Native;

namespace Storytelling.Tests.Transcription;

[Collection(WhisperCollection.Name)]
public sealed class WhisperBindingTests
{
    // Loads libwhisper from the built folder first; a missing build fails every test here with one clear message.
    public WhisperBindingTests() => _ = WhisperTestEnvironment.NativeLibraryDirectory;

    [Fact]
    public unsafe void Parameter_structs_have_the_native_sizes()
    {
        Assert.Equal(48, Marshal.SizeOf<WhisperContextParams>());
        Assert.Equal(48, sizeof(WhisperContextParams));
        Assert.Equal(304, Marshal.SizeOf<WhisperFullParams>());
        Assert.Equal(304, sizeof(WhisperFullParams));
        Assert.Equal(24, sizeof(WhisperVadParams));
        Assert.Equal(12, sizeof(WhisperVadContextParams));
    }

    [Fact]
    public unsafe void The_native_abort_check_is_built_and_reads_the_flag()
    {
        // infra builds it next to libwhisper; without it every transcription pays a managed call per graph node.
        var check = (delegate* unmanaged[Cdecl]<IntPtr, byte>)WhisperNativeLibrary.AbortFlagCheck;
        Assert.True(check != null, "libstorytelling_abort.so is missing next to libwhisper.so; run infra/test.sh to build it.");
        byte flag = 0;
        Assert.Equal(0, check((IntPtr)(&flag)));
        flag = 1;
        Assert.Equal(1, check((IntPtr)(&flag)));
    }

    [Fact]
    public unsafe void Native_defaults_read_back_at_the_right_offsets()
    {
        Assert.StartsWith("1.9.", WhisperNativeLibrary.Version, StringComparison.Ordinal);

        var context = WhisperNative.whisper_context_default_params_by_ref();
        var c = *context;
        WhisperNative.whisper_free_context_params(context);
        Assert.Equal(1, c.UseGpu);
        Assert.Equal(1, c.FlashAttn);
        Assert.Equal(-1, c.DtwNTop);
        Assert.Equal((nuint)(128 * 1024 * 1024), c.DtwMemSize);

        var full = WhisperNative.whisper_full_default_params_by_ref(1 /* beam search */);
        var p = *full;
        WhisperNative.whisper_free_params(full);
        Assert.Equal(1, p.Strategy);
        Assert.Equal(Math.Min(4, Environment.ProcessorCount), p.Threads);
        Assert.Equal(16384, p.MaxTextContext);
        Assert.Equal(1, p.NoContext);
        Assert.Equal(1, p.PrintProgress);
        Assert.Equal(1, p.PrintTimestamps);
        Assert.Equal(0.01f, p.TholdPt);
        Assert.Equal("en", Marshal.PtrToStringUTF8(p.Language));
        Assert.Equal(1, p.SuppressBlank);
        Assert.Equal(-1.0f, p.LengthPenalty);
        Assert.Equal(0.6f, p.NoSpeechThold);
        Assert.Equal(5, p.BeamSize);
        Assert.Equal(-1.0f, p.BeamPatience);
        Assert.Equal(IntPtr.Zero, p.AbortCallback);
        Assert.Equal(100.0f, p.GrammarPenalty);
        Assert.Equal(0, p.Vad);
        Assert.Equal(0.5f, p.VadParams.Threshold);
        Assert.Equal(250, p.VadParams.MinSpeechDurationMs);
        Assert.Equal(100, p.VadParams.MinSilenceDurationMs);
        Assert.Equal(float.MaxValue, p.VadParams.MaxSpeechDurationS);
        Assert.Equal(30, p.VadParams.SpeechPadMs);
        Assert.Equal(0.1f, p.VadParams.SamplesOverlap);
    }

    [Fact]
    public void Missing_model_file_throws_a_readable_WhisperException()
    {
        var logger = new ListLogger();
        var missing = Path.Combine(Path.GetTempPath(), "no-such-folder", "ggml-base.bin");

        var error = Assert.Throws<WhisperException>(() => WhisperModel.Load(missing, logger));

        Assert.Contains("ggml-base.bin does not exist", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zero bytes")]
    [InlineData("text")]
    [InlineData("truncated model")]
    [InlineData("bad magic")]
    public void Garbage_model_file_throws_a_readable_WhisperException(string kind)
    {
        var path = WhisperTestEnvironment.NewFile("ggml-garbage.bin");
        switch (kind)
        {
            case "zero bytes": File.WriteAllBytes(path, []); break;
            case "text": File.WriteAllText(path, "This is not a model, just a text file renamed to .bin\n"); break;
            case "truncated model":
                var full = File.ReadAllBytes(WhisperTestEnvironment.TestModelPath);
                File.WriteAllBytes(path, full.AsSpan(0, full.Length / 2).ToArray());
                break;
            default:
                var bytes = File.ReadAllBytes(WhisperTestEnvironment.TestModelPath);
                bytes[0] ^= 0xFF;
                File.WriteAllBytes(path, bytes);
                break;
        }

        try
        {
            var error = Assert.Throws<WhisperException>(() => WhisperModel.Load(path, new ListLogger()));

            Assert.Contains("is not a Whisper model", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Native_log_lines_reach_the_logger()
    {
        var logger = new ListLogger();

        using var model = WhisperModel.Load(WhisperTestEnvironment.TestModelPath, logger);

        Assert.Equal(Path.GetFileName(WhisperTestEnvironment.TestModelPath), model.ModelName);
        var lines = logger.Entries.Select(e => e.Message).ToList();
        Assert.Contains(lines, l => l.StartsWith("whisper.cpp: whisper_model_load: n_vocab", StringComparison.Ordinal) && l.Contains("51865", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Whisper model", StringComparison.Ordinal) && l.Contains("loaded", StringComparison.Ordinal));
    }
}
