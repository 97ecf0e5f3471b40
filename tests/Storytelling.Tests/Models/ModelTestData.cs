extern alias worker;

using System.Security.Cryptography;
using Storytelling.Core.Transcription;
using worker::Storytelling.Worker.Models;

namespace Storytelling.Tests.Models;

internal static class ModelTestData
{
    /// <summary>3 MB of random bytes standing in for a model file, the same for every test in a run.</summary>
    public static byte[] Bytes { get; } = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 12_345);

    public static ModelEntry Entry(Uri baseAddress, byte[]? bytes = null, ChecksumAlgorithm algorithm = ChecksumAlgorithm.Sha256, string name = "test-model")
    {
        bytes ??= Bytes;
#pragma warning disable CA5350 // SHA-1 only mirrors entries whose publisher lists nothing stronger
        var hash = algorithm == ChecksumAlgorithm.Sha256 ? SHA256.HashData(bytes) : SHA1.HashData(bytes);
#pragma warning restore CA5350
        var file = $"ggml-{name}.bin";
        return new ModelEntry(name, file, new Uri(baseAddress, file), bytes.Length, Convert.ToHexStringLower(hash), algorithm);
    }

    /// <summary>The genuine Silero VAD model, as the worker ships it (copied next to the test binaries by the worker's build).</summary>
    public static byte[] RealVadModel()
    {
        var path = TranscriptionOptions.ShippedVadModelPath;
        Assert.True(File.Exists(path), $"The real Silero VAD model is absent: expected it at {path}, copied there from src/Storytelling.Worker/VoiceDetection.");
        return File.ReadAllBytes(path);
    }

    public static ModelDownloaderOptions FastRetries { get; } = new() { RetryDelay = TimeSpan.Zero, MaxAttempts = 3, StallTimeout = TimeSpan.FromSeconds(10) };
}

/// <summary>Records every report on the reporting thread (Progress&lt;T&gt; would post them out of order).</summary>
internal sealed class RecordingProgress : IProgress<DownloadProgress>
{
    private readonly Action<DownloadProgress>? _onReport;

    public RecordingProgress(Action<DownloadProgress>? onReport = null) => _onReport = onReport;

    public List<DownloadProgress> Reports { get; } = [];

    public void Report(DownloadProgress value)
    {
        Reports.Add(value);
        _onReport?.Invoke(value);
    }
}
