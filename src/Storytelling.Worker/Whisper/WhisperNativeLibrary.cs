using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Storytelling.Worker.Whisper.Native;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// Where libwhisper.so (and its libggml*.so neighbours) is loaded from, and where whisper.cpp's own log lines go.
/// </summary>
public static partial class WhisperNativeLibrary
{
    private static readonly Lock Gate = new();
    private static string? _directory;
    private static bool _resolverSet;
    private static volatile bool _loaded;
    private static volatile ILogger? _defaultLogger;
    [ThreadStatic] private static ILogger? _threadLogger;
    [ThreadStatic] private static StringBuilder? _pendingLine;
    [ThreadStatic] private static GgmlLogLevel _pendingLevel;

    /// <summary>
    /// Loads libwhisper from <paramref name="directory"/> (empty: next to the application's files, then the
    /// system's usual places). Idempotent and thread-safe; once the library is loaded, asking for another folder is an error.
    /// </summary>
    public static void Configure(string? directory)
    {
        var wanted = string.IsNullOrWhiteSpace(directory) ? AppContext.BaseDirectory : Path.GetFullPath(directory);
        lock (Gate)
        {
            if (_loaded)
            {
                if (!SameFolder(_directory, wanted))
                    throw new InvalidOperationException($"libwhisper is already loaded from {_directory}; it cannot be switched to {wanted} in the same process.");
                return;
            }
            _directory = wanted;
            if (!_resolverSet)
            {
                NativeLibrary.SetDllImportResolver(typeof(WhisperNativeLibrary).Assembly, Resolve);
                _resolverSet = true;
            }
        }
    }

    /// <summary>The whisper.cpp version the loaded library reports, e.g. "1.9.1".</summary>
    public static string Version
    {
        get
        {
            EnsureLoaded();
            return WhisperNative.ReadUtf8(WhisperNative.whisper_version()) ?? "unknown";
        }
    }

    /// <summary>Makes sure the library is loaded and its log goes through us; a missing library becomes a WhisperException.</summary>
    internal static unsafe void EnsureLoaded()
    {
        if (_loaded) return;
        lock (Gate)
        {
            if (_loaded) return;
            if (!_resolverSet) Configure(null);
            try
            {
                WhisperNative.whisper_log_set(&OnNativeLog, IntPtr.Zero);
            }
            catch (DllNotFoundException ex)
            {
                throw new WhisperException(
                    $"The whisper.cpp library (libwhisper.so) could not be loaded from {_directory} or the system library path; build it with infra/test.sh or set Storytelling:Transcription:NativeLibraryDirectory.", ex);
            }
            _loaded = true;
        }
    }

    private static IntPtr _abortFlagCheck;
    private static bool _abortFlagLooked;

    /// <summary>
    /// <c>storytelling_abort_requested</c> from libstorytelling_abort (built by infra next to libwhisper): an abort
    /// callback that reads a native flag byte, so ggml's per-node check never enters managed code. Zero when the
    /// library is not there; callers then use a managed callback, which works but costs about 15% of the run.
    /// </summary>
    internal static IntPtr AbortFlagCheck
    {
        get
        {
            lock (Gate)
            {
                if (_abortFlagLooked) return _abortFlagCheck;
                _abortFlagLooked = true;
                var directory = _directory ?? AppContext.BaseDirectory;
                foreach (var file in FileNames(AbortLibrary))
                {
                    if (NativeLibrary.TryLoad(Path.Combine(directory, file), out var handle)
                        && NativeLibrary.TryGetExport(handle, "storytelling_abort_requested", out var export))
                    {
                        _abortFlagCheck = export;
                        break;
                    }
                }
                return _abortFlagCheck;
            }
        }
    }

    private const string AbortLibrary = "storytelling_abort";

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != WhisperNative.Library) return IntPtr.Zero;
        var directory = _directory ?? AppContext.BaseDirectory;
        foreach (var file in FileNames(libraryName))
        {
            var candidate = Path.Combine(directory, file);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        }
        // IntPtr.Zero lets the runtime fall back to its default probing (LD_LIBRARY_PATH, system folders).
        return IntPtr.Zero;
    }

    private static IEnumerable<string> FileNames(string name)
    {
        if (OperatingSystem.IsWindows()) return [name + ".dll"];
        if (OperatingSystem.IsMacOS()) return ["lib" + name + ".dylib"];
        return ["lib" + name + ".so", "lib" + name + ".so.1"];
    }

    private static bool SameFolder(string? a, string b) =>
        a is not null && string.Equals(Path.TrimEndingDirectorySeparator(a), Path.TrimEndingDirectorySeparator(b), StringComparison.Ordinal);

    /// <summary>Sends native log lines written on this thread to <paramref name="logger"/> until the scope ends.</summary>
    internal static LogScope RouteLogTo(ILogger logger)
    {
        _defaultLogger ??= logger;
        var previous = _threadLogger;
        _threadLogger = logger;
        return new LogScope(previous);
    }

    /// <summary>Lines logged from threads outside a scope (ggml's worker threads) go to the latest model's logger.</summary>
    internal static void SetDefaultLogger(ILogger logger) => _defaultLogger = logger;

    internal readonly struct LogScope(ILogger? previous) : IDisposable
    {
        public void Dispose() => _threadLogger = previous;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnNativeLog(int level, IntPtr text, IntPtr userData)
    {
        try
        {
            var message = WhisperNative.ReadUtf8(text);
            if (message is null) return;
            var line = _pendingLine ??= new StringBuilder();
            if ((GgmlLogLevel)level != GgmlLogLevel.Continue)
            {
                if (line.Length > 0) Flush(line);
                _pendingLevel = (GgmlLogLevel)level;
            }
            line.Append(message);
            // whisper.cpp ends complete lines with a newline; pieces without one are continued by the next call.
            if (message.EndsWith('\n')) Flush(line);
        }
        catch
        {
            // An exception must never unwind into native code; a lost log line is the lesser harm.
        }
    }

    private static void Flush(StringBuilder line)
    {
        var logger = _threadLogger ?? _defaultLogger;
        // whisper.cpp writes decoded text only at its debug level, which stays at Debug here: never transcript text at Information or above.
        var logLevel = _pendingLevel switch
        {
            GgmlLogLevel.Error => LogLevel.Error,
            GgmlLogLevel.Warn => LogLevel.Warning,
            GgmlLogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (logger is null || !logger.IsEnabled(logLevel))
        {
            line.Clear();
            return;
        }
        var text = line.ToString().TrimEnd();
        line.Clear();
        if (text.Length == 0) return;
        LogNative(logger, logLevel, text);
    }

    [LoggerMessage(Message = "whisper.cpp: {NativeMessage}")]
    private static partial void LogNative(ILogger logger, LogLevel level, string nativeMessage);
}
