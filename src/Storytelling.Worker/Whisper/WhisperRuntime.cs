using System.Text;
using Microsoft.Extensions.Logging;
using Whisper.net;
using Whisper.net.LibraryLoader;
using Whisper.net.Logger;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// Which of Whisper.net's native runtimes loads (CPU by default; CUDA, Vulkan or OpenVINO when their NuGet package is
/// installed and chosen), and where whisper.cpp's own log lines go. Whisper.net loads its runtime once per process,
/// on first use, so <see cref="Configure"/> must run before anything else touches Whisper.net.
/// </summary>
public static partial class WhisperRuntime
{
    private static readonly Lock Gate = new();
    private static (string Choice, string? LibraryPath)? _configured;
    private static volatile ILogger? _logger;
    private static IDisposable? _logSubscription;
    [ThreadStatic] private static StringBuilder? _pendingLine;

    /// <summary>
    /// Sets Whisper.net's runtime order for <paramref name="choice"/> and, when given, a folder holding
    /// <c>runtimes/&lt;rid&gt;/libwhisper.so</c> in Whisper.net's layout that is searched first. Idempotent; once set, another
    /// choice in the same process is an error, since Whisper.net cannot switch runtimes after loading one.
    /// </summary>
    public static void Configure(string choice, string? libraryFolder)
    {
        var key = (choice.ToLowerInvariant(), string.IsNullOrWhiteSpace(libraryFolder) ? null : Path.GetFullPath(libraryFolder));
        lock (Gate)
        {
            if (_configured is { } done)
            {
                if (done != key)
                    throw new InvalidOperationException($"Whisper.net is already set up for runtime '{done.Choice}'; it cannot switch to '{key.Item1}' in the same process.");
                return;
            }
            RuntimeOptions.RuntimeLibraryOrder = Order(key.Item1);
            // Whisper.net searches the folder of LibraryPath for runtimes/<rid>/, so any name inside the folder will do.
            if (key.Item2 is not null) RuntimeOptions.LibraryPath = Path.Combine(key.Item2, "runtimes");
            _configured = key;
        }
    }

    /// <summary>The runtime order for a setting; a GPU runtime falls back to the CPU one when its driver or device is missing.</summary>
    public static List<RuntimeLibrary> Order(string choice) => choice switch
    {
        "auto" => [RuntimeLibrary.Cuda, RuntimeLibrary.Cuda12, RuntimeLibrary.Vulkan, RuntimeLibrary.CoreML, RuntimeLibrary.OpenVino, RuntimeLibrary.Cpu, RuntimeLibrary.CpuNoAvx],
        "cpu" => [RuntimeLibrary.Cpu],
        "cpu-noavx" => [RuntimeLibrary.CpuNoAvx],
        "cuda" => [RuntimeLibrary.Cuda12, RuntimeLibrary.Cuda, RuntimeLibrary.Cpu],
        "vulkan" => [RuntimeLibrary.Vulkan, RuntimeLibrary.Cpu],
        "openvino" => [RuntimeLibrary.OpenVino, RuntimeLibrary.Cpu],
        _ => throw new ArgumentOutOfRangeException(nameof(choice), choice, "Unknown Whisper.net runtime."),
    };

    /// <summary>
    /// Loads the native runtime (if not loaded yet) and says which one it is, e.g. "cpu", with whisper.cpp's system info
    /// (the instruction sets it was built for). Throws <see cref="WhisperException"/> when no runtime loads.
    /// </summary>
    public static (string Name, string SystemInfo) Load(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        RouteLogTo(logger);
        string? info;
        try
        {
            info = WhisperFactory.GetRuntimeInfo();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new WhisperException(
                $"No Whisper.net runtime could be loaded ({e.GetType().Name}); the worker ships Whisper.net.Runtime (CPU), so reinstall the worker, or check Storytelling:Transcription:Runtime and LibraryPath.", e);
        }
        return (Loaded ?? "unknown", (info ?? "").Trim());
    }

    /// <summary>The runtime Whisper.net loaded ("cpu", "cuda", …), or null before the first load.</summary>
    public static string? Loaded => RuntimeOptions.LoadedLibrary switch
    {
        null => null,
        RuntimeLibrary.Cpu => "cpu",
        RuntimeLibrary.CpuNoAvx => "cpu-noavx",
        RuntimeLibrary.Cuda or RuntimeLibrary.Cuda12 => "cuda",
        RuntimeLibrary.Vulkan => "vulkan",
        RuntimeLibrary.OpenVino => "openvino",
        RuntimeLibrary.CoreML => "coreml",
        RuntimeLibrary other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether the loaded runtime computes on a GPU (the factory is then asked to use it).</summary>
    public static bool UsesGpu => RuntimeOptions.LoadedLibrary is RuntimeLibrary.Cuda or RuntimeLibrary.Cuda12 or RuntimeLibrary.Vulkan or RuntimeLibrary.CoreML;

    /// <summary>Sends whisper.cpp's log lines (from every thread) to <paramref name="logger"/>; the latest caller wins.</summary>
    public static void RouteLogTo(ILogger logger)
    {
        _logger = logger;
        lock (Gate)
        {
            _logSubscription ??= LogProvider.AddLogger(OnNativeLog);
        }
    }

    private static void OnNativeLog(WhisperLogLevel level, string? message)
    {
        try
        {
            Log(level, message);
        }
        catch (Exception)
        {
            // Called from native code: an exception must never unwind into it; a lost log line is the lesser harm.
        }
    }

    private static void Log(WhisperLogLevel level, string? message)
    {
        if (message is null || _logger is not { } logger) return;
        // Whisper.net hands whisper.cpp's debug lines (which include decoded text) over as Info, so only errors and
        // warnings are logged above Debug: never transcript text at Information or above.
        var logLevel = level switch
        {
            WhisperLogLevel.Error => LogLevel.Error,
            WhisperLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Debug,
        };
        var line = _pendingLine ??= new StringBuilder();
        line.Append(message);
        // whisper.cpp ends complete lines with a newline; pieces without one are continued by the next call.
        if (!message.EndsWith('\n')) return;
        var text = line.ToString().TrimEnd();
        line.Clear();
        if (text.Length > 0 && logger.IsEnabled(logLevel)) LogNative(logger, logLevel, text);
    }

    [LoggerMessage(Message = "whisper.cpp: {NativeMessage}")]
    private static partial void LogNative(ILogger logger, LogLevel level, string nativeMessage);
}
