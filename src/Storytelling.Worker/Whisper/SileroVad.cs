using Microsoft.Extensions.Logging;
using Storytelling.Worker.Whisper.Native;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// The Silero voice-activity model through whisper.cpp's VAD API, with whisper.cpp's default thresholds.
/// Not thread-safe: one <see cref="DetectSpeech"/> at a time.
/// </summary>
public sealed class SileroVad : IDisposable
{
    private readonly WhisperVadHandle _context;
    private readonly ILogger _logger;

    private SileroVad(WhisperVadHandle context, ILogger logger)
    {
        _context = context;
        _logger = logger;
    }

    /// <exception cref="WhisperException">The file is missing or is not a Silero VAD ggml model.</exception>
    public static SileroVad Load(string path, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(logger);
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
            throw new WhisperException($"The voice-detection model file {name} does not exist in {Path.GetDirectoryName(Path.GetFullPath(path))}.");
        WhisperNativeLibrary.EnsureLoaded();
        using var scope = WhisperNativeLibrary.RouteLogTo(logger);
        var parameters = WhisperNative.whisper_vad_default_context_params();
        parameters.Threads = Math.Clamp(Environment.ProcessorCount, 1, 4);
        parameters.UseGpu = 0;
        var context = WhisperNative.whisper_vad_init_from_file_with_params(path, parameters);
        if (context.IsInvalid)
        {
            context.Dispose();
            throw new WhisperException($"The file {name} is not a voice-detection model that whisper.cpp can load.");
        }
        return new SileroVad(context, logger);
    }

    /// <summary>Speech regions of 16 kHz mono audio, in milliseconds, in time order; empty for silence.</summary>
    public unsafe IReadOnlyList<SpeechRegion> DetectSpeech(ReadOnlySpan<float> samples16kMono)
    {
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        if (samples16kMono.IsEmpty) return [];
        using var scope = WhisperNativeLibrary.RouteLogTo(_logger);
        var parameters = WhisperNative.whisper_vad_default_params();
        IntPtr segments;
        fixed (float* samples = samples16kMono)
        {
            segments = WhisperNative.whisper_vad_segments_from_samples(_context, parameters, samples, samples16kMono.Length);
        }
        if (segments == IntPtr.Zero) throw new WhisperException("whisper.cpp could not run voice detection on the audio.");
        try
        {
            var count = WhisperNative.whisper_vad_segments_n_segments(segments);
            var regions = new SpeechRegion[count];
            for (var i = 0; i < count; i++)
            {
                // whisper.cpp reports VAD segment bounds in 10 ms units.
                regions[i] = new SpeechRegion(
                    (long)Math.Round(WhisperNative.whisper_vad_segments_get_segment_t0(segments, i) * 10),
                    (long)Math.Round(WhisperNative.whisper_vad_segments_get_segment_t1(segments, i) * 10));
            }
            return regions;
        }
        finally
        {
            WhisperNative.whisper_vad_free_segments(segments);
        }
    }

    public void Dispose() => _context.Dispose();
}
