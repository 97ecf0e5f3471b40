using Microsoft.Extensions.Logging;
using Whisper.net;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// The Silero voice-activity model through Whisper.net's VAD processor, with whisper.cpp's default thresholds.
/// One <see cref="DetectSpeechAsync"/> at a time.
/// </summary>
public sealed class SileroVad : IDisposable
{
    private readonly WhisperVadFactory _factory;
    private readonly WhisperVadProcessor _processor;

    private SileroVad(WhisperVadFactory factory, WhisperVadProcessor processor)
    {
        _factory = factory;
        _processor = processor;
    }

    /// <exception cref="WhisperException">The file is missing or is not a Silero VAD ggml model.</exception>
    public static SileroVad Load(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(logger);
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new WhisperException($"The voice-detection model file {name} does not exist in {Path.GetDirectoryName(Path.GetFullPath(path))}.");
        WhisperRuntime.Load(logger);
        var factory = WhisperVadFactory.FromPath(path);
        try
        {
            // One thread: Silero is a small LSTM stepped every 32 ms of audio, so ggml's thread barriers cost more than a second
            // thread gains; with two threads on a busy 2-core machine an 8 s clip took minutes, with one a fraction of a second.
            return new SileroVad(factory, factory.CreateBuilder().WithThreads(1).WithUseGpu(false).Build());
        }
        catch (WhisperModelLoadException e)
        {
            factory.Dispose();
            throw new WhisperException($"The file {name} is not a voice-detection model that whisper.cpp can load.", e);
        }
    }

    /// <summary>
    /// Speech regions of 16 kHz mono audio, in milliseconds, in time order; empty for silence. Runs on a thread of its
    /// own that ends afterwards (Whisper.net's async path), so ggml's per-thread memory is given back after each call.
    /// </summary>
    public async Task<IReadOnlyList<SpeechRegion>> DetectSpeechAsync(ReadOnlyMemory<float> samples16kMono, CancellationToken ct)
    {
        if (samples16kMono.IsEmpty) return [];
        IReadOnlyList<VadSegmentData> segments;
        try
        {
            segments = await _processor.DetectSpeechAsync(samples16kMono, ct);
        }
        catch (WhisperProcessingException e)
        {
            throw new WhisperException("whisper.cpp could not run voice detection on the audio.", e);
        }
        return [.. segments.Select(s => new SpeechRegion((long)Math.Round(s.Start.TotalMilliseconds), (long)Math.Round(s.End.TotalMilliseconds)))];
    }

    public void Dispose()
    {
        _processor.Dispose();
        _factory.Dispose();
    }
}
