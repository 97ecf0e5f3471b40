using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Storytelling.Worker.Whisper.Native;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// A loaded ggml Whisper model, kept in memory and reused across jobs.
/// Not thread-safe: one <see cref="Transcribe"/> at a time per model (a second concurrent call throws instead of
/// corrupting native state); load a second model for parallel work.
/// </summary>
public sealed partial class WhisperModel : IDisposable
{
    private readonly WhisperContextHandle _context;
    private readonly ILogger _logger;
    private int _busy;

    private WhisperModel(WhisperContextHandle context, string modelName, ILogger logger)
    {
        _context = context;
        ModelName = modelName;
        _logger = logger;
    }

    /// <summary>The model's file name, e.g. "ggml-base.bin".</summary>
    public string ModelName { get; }

    /// <exception cref="WhisperException">The file is missing or whisper.cpp cannot load it.</exception>
    public static unsafe WhisperModel Load(string modelPath, ILogger logger, bool useGpu = false)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(logger);
        var name = Path.GetFileName(modelPath);
        // Checked here because whisper.cpp only says "failed to open" on its log.
        if (!File.Exists(modelPath))
            throw new WhisperException($"The Whisper model file {name} does not exist in {Path.GetDirectoryName(Path.GetFullPath(modelPath))}.");

        WhisperNativeLibrary.EnsureLoaded();
        WhisperNativeLibrary.SetDefaultLogger(logger);
        using var scope = WhisperNativeLibrary.RouteLogTo(logger);

        var defaults = WhisperNative.whisper_context_default_params_by_ref();
        var parameters = *defaults;
        WhisperNative.whisper_free_context_params(defaults);
        parameters.UseGpu = useGpu ? (byte)1 : (byte)0;

        var context = WhisperNative.whisper_init_from_file_with_params(modelPath, parameters);
        if (context.IsInvalid)
        {
            context.Dispose();
            throw new WhisperException($"The file {name} is not a Whisper model that whisper.cpp can load (damaged, incomplete or another format).");
        }
        LogLoaded(logger, name, WhisperNativeLibrary.Version);
        return new WhisperModel(context, name, logger);
    }

    /// <summary>
    /// Transcribes 16 kHz mono float samples. Blocks the calling thread (run it on a worker thread).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the model stays usable.</exception>
    /// <exception cref="WhisperException">whisper.cpp reported a failure.</exception>
    public unsafe WhisperResult Transcribe(ReadOnlySpan<float> samples16kMono, WhisperOptions options, Action<int>? progressPercent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Language);
        ObjectDisposedException.ThrowIf(_context.IsClosed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var autoLanguage = string.Equals(options.Language, "auto", StringComparison.OrdinalIgnoreCase);
        if (!autoLanguage && WhisperNative.whisper_lang_id(options.Language) < 0)
            throw new WhisperException($"Whisper does not know the language code '{options.Language}'; use a code such as 'nl' or 'en', or 'auto'.");
        if (samples16kMono.IsEmpty) return new WhisperResult([], autoLanguage ? null : options.Language, SpeechFound: false);
        if (Interlocked.Exchange(ref _busy, 1) == 1)
            throw new InvalidOperationException($"Whisper model {ModelName} is already transcribing; it handles one recording at a time.");

        // One byte the native abort check reads; cancellation and a failing progress callback set it.
        var abortFlag = (byte*)NativeMemory.AllocZeroed(1);
        var call = new CallState(progressPercent, (IntPtr)abortFlag, cancellationToken);
        var callHandle = GCHandle.Alloc(call);
        var cancelRegistration = cancellationToken.Register(static flag => Volatile.Write(ref *(byte*)(IntPtr)flag!, 1), (IntPtr)abortFlag);
        var language = Marshal.StringToCoTaskMemUTF8(autoLanguage ? "auto" : options.Language);
        var vadPath = options.VadModelPath is null ? IntPtr.Zero : Marshal.StringToCoTaskMemUTF8(Path.GetFullPath(options.VadModelPath));
        try
        {
            using var scope = WhisperNativeLibrary.RouteLogTo(_logger);
            var defaults = WhisperNative.whisper_full_default_params_by_ref(WhisperNative.SamplingGreedy);
            var p = *defaults;
            WhisperNative.whisper_free_params(defaults);

            p.Threads = Math.Max(1, options.Threads);
            p.Language = language;
            p.DetectLanguage = 0;
            p.Translate = 0;
            p.PrintProgress = 0;
            p.PrintRealtime = 0;
            p.PrintSpecial = 0;
            p.PrintTimestamps = 0;
            p.MaxTokens = Math.Max(0, options.MaxTokensPerSegment);
            if (!options.TemperatureFallback) p.TemperatureInc = 0;
            p.ProgressCallback = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, IntPtr, void>)&OnProgress;
            p.ProgressCallbackUserData = GCHandle.ToIntPtr(callHandle);
            var nativeCheck = WhisperNativeLibrary.AbortFlagCheck;
            if (nativeCheck != IntPtr.Zero)
            {
                p.AbortCallback = nativeCheck;
                p.AbortCallbackUserData = (IntPtr)abortFlag;
            }
            else
            {
                p.AbortCallback = (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, byte>)&OnAbort;
                p.AbortCallbackUserData = GCHandle.ToIntPtr(callHandle);
            }
            if (vadPath != IntPtr.Zero)
            {
                if (!File.Exists(options.VadModelPath))
                    throw new WhisperException($"The voice-detection model {Path.GetFileName(options.VadModelPath)} does not exist.");
                p.Vad = 1;
                p.VadModelPath = vadPath;
            }

            int status;
            fixed (float* samples = samples16kMono)
            {
                status = WhisperNative.whisper_full(_context, p, samples, samples16kMono.Length);
            }
            if (call.CallbackError is not null) throw new WhisperException("The progress callback failed during transcription.", call.CallbackError);
            cancellationToken.ThrowIfCancellationRequested();
            if (status != 0) throw new WhisperException($"whisper.cpp could not transcribe the audio (code {status}).");

            var durationMs = samples16kMono.Length * 1000L / 16_000;
            var segments = ReadSegments(durationMs);
            // With "auto" and no speech, whisper.cpp skipped detection and its language id is from an earlier run.
            var detected = !autoLanguage ? options.Language
                : segments.Count > 0 ? WhisperNative.ReadUtf8(WhisperNative.whisper_lang_str(WhisperNative.whisper_full_lang_id(_context)))
                : null;
            return new WhisperResult(segments, detected, SpeechFound: segments.Count > 0);
        }
        finally
        {
            // Disposing the registration waits for a running cancel callback, so the flag is not written after it is freed.
            cancelRegistration.Dispose();
            NativeMemory.Free(abortFlag);
            Marshal.FreeCoTaskMem(language);
            if (vadPath != IntPtr.Zero) Marshal.FreeCoTaskMem(vadPath);
            callHandle.Free();
            Volatile.Write(ref _busy, 0);
        }
    }

    private List<WhisperSegment> ReadSegments(long durationMs)
    {
        var count = WhisperNative.whisper_full_n_segments(_context);
        var eot = WhisperNative.whisper_token_eot(_context);
        var segments = new List<WhisperSegment>(count);
        for (var i = 0; i < count; i++)
        {
            var text = WhisperNative.ReadUtf8(WhisperNative.whisper_full_get_segment_text(_context, i))?.Trim();
            if (string.IsNullOrEmpty(text)) continue;
            // t0/t1 are in 10 ms units; with VAD whisper.cpp has already mapped them back to the original audio.
            // Whisper pads to 30 s windows, so an end past the audio is clamped to its real length.
            var end = Math.Min(WhisperNative.whisper_full_get_segment_t1(_context, i) * 10, durationMs);
            var start = Math.Min(WhisperNative.whisper_full_get_segment_t0(_context, i) * 10, end);
            segments.Add(new WhisperSegment(start, end, text, MeanTextTokenProbability(i, eot)));
        }
        return segments;
    }

    private float MeanTextTokenProbability(int segment, int eot)
    {
        var tokens = WhisperNative.whisper_full_n_tokens(_context, segment);
        double sum = 0;
        var n = 0;
        for (var t = 0; t < tokens; t++)
        {
            // Special tokens (timestamps, start/end markers) are not words.
            if (WhisperNative.whisper_full_get_token_id(_context, segment, t) >= eot) continue;
            sum += WhisperNative.whisper_full_get_token_p(_context, segment, t);
            n++;
        }
        return n == 0 ? 0f : (float)Math.Clamp(sum / n, 0, 1);
    }

    public void Dispose() => _context.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Whisper model {ModelName} loaded (whisper.cpp {WhisperVersion})")]
    private static partial void LogLoaded(ILogger logger, string modelName, string whisperVersion);

    private sealed class CallState(Action<int>? progress, IntPtr abortFlag, CancellationToken cancellationToken)
    {
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public IntPtr AbortFlag { get; } = abortFlag;
        public Action<int>? Progress { get; } = progress;
        public Exception? CallbackError { get; set; }
        public int LastPercent { get; set; } = -1;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnProgress(IntPtr context, IntPtr state, int percent, IntPtr userData)
    {
        if (GCHandle.FromIntPtr(userData).Target is not CallState call || call.Progress is null || call.CallbackError is not null) return;
        var clamped = Math.Clamp(percent, 0, 100);
        if (clamped == call.LastPercent) return;
        call.LastPercent = clamped;
        try
        {
            call.Progress(clamped);
        }
        catch (Exception ex)
        {
            // Never let an exception unwind into native code: remember it, abort, and rethrow on our side.
            call.CallbackError = ex;
            unsafe { Volatile.Write(ref *(byte*)call.AbortFlag, 1); }
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static byte OnAbort(IntPtr userData) =>
        GCHandle.FromIntPtr(userData).Target is CallState call && (call.CancellationToken.IsCancellationRequested || call.CallbackError is not null)
            ? (byte)1 : (byte)0;
}
