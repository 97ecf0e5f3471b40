extern alias worker;

using worker::Storytelling.Worker.Whisper;
using Whisper.net.LibraryLoader;

namespace Storytelling.Tests.Transcription;

/// <summary>Whisper.net's native runtime as the worker sets it up: which runtime loads, models it refuses, its log.</summary>
[Collection(WhisperCollection.Name)]
public sealed class WhisperRuntimeTests
{
    // Sets up Whisper.net's CPU runtime as the worker does.
    public WhisperRuntimeTests() => _ = WhisperTestEnvironment.Runtime;

    [Fact]
    public void The_shipped_CPU_runtime_loads_with_the_vector_instructions_whisper_needs()
    {
        var (name, systemInfo) = WhisperRuntime.Load(new ListLogger());

        Assert.Equal("cpu", name);
        Assert.Equal("cpu", WhisperTestEnvironment.Runtime);
        Assert.False(WhisperRuntime.UsesGpu);
        Assert.Contains("AVX2 = 1", systemInfo, StringComparison.Ordinal);
        Assert.Contains("FMA = 1", systemInfo, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu", new[] { RuntimeLibrary.Cpu })]
    [InlineData("cpu-noavx", new[] { RuntimeLibrary.CpuNoAvx })]
    [InlineData("cuda", new[] { RuntimeLibrary.Cuda12, RuntimeLibrary.Cuda, RuntimeLibrary.Cpu })]
    [InlineData("vulkan", new[] { RuntimeLibrary.Vulkan, RuntimeLibrary.Cpu })]
    [InlineData("openvino", new[] { RuntimeLibrary.OpenVino, RuntimeLibrary.Cpu })]
    public void Each_runtime_setting_maps_to_a_Whisper_net_runtime_order_that_falls_back_to_the_CPU(string setting, RuntimeLibrary[] order)
    {
        Assert.Equal(order, WhisperRuntime.Order(setting));
        Assert.Equal(RuntimeLibrary.Cpu, WhisperRuntime.Order("auto")[^2]);
    }

    [Fact]
    public void Another_runtime_cannot_be_chosen_once_one_is_set_up_in_the_process()
    {
        WhisperRuntime.Configure("cpu", null); // the same choice again is fine

        var error = Assert.Throws<InvalidOperationException>(() => WhisperRuntime.Configure("cuda", null));

        Assert.Contains("cannot switch to 'cuda'", error.Message, StringComparison.Ordinal);
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
        // Whisper.net reports whisper.cpp's debug lines (where decoded text appears) as Info: they stay at Debug here.
        Assert.All(logger.Entries.Where(e => e.Message.StartsWith("whisper.cpp: whisper_model_load", StringComparison.Ordinal)),
            e => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, e.Level));
        Assert.Contains(lines, l => l.Contains("Whisper model", StringComparison.Ordinal) && l.Contains("loaded", StringComparison.Ordinal));
    }
}
