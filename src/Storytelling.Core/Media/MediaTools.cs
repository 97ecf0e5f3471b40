using System.ComponentModel;
using System.Diagnostics;
using FFMpegCore;
using FFMpegCore.Exceptions;

namespace Storytelling.Core.Media;

/// <summary>
/// What we add around FFMpegCore, which starts ffprobe and ffmpeg for the probe and the worker's decoder: its options
/// from our settings, and a cancellation that ends the tool's whole process tree, not only the process it started.
/// </summary>
public static class MediaTools
{
    /// <summary>Options that make FFMpegCore run the ffprobe named by <see cref="MediaOptions.FfprobePath"/>.</summary>
    public static FFOptions FfprobeOptions(MediaOptions options) =>
        For(options.FfprobePath, "ffprobe", nameof(MediaOptions.FfprobePath));

    /// <summary>Options that make FFMpegCore run the ffmpeg named by <see cref="MediaOptions.FfmpegPath"/>.</summary>
    public static FFOptions FfmpegOptions(MediaOptions options) =>
        For(options.FfmpegPath, "ffmpeg", nameof(MediaOptions.FfmpegPath));

    /// <summary>The sentence for a setting that names a tool which cannot be started.</summary>
    public static string CannotStart(string setting, string configured) =>
        $"Setting {MediaOptions.Section}:{setting} is '{configured}', which cannot be started; install ffmpeg or point the setting at it.";

    /// <summary>
    /// True for what FFMpegCore throws when the tool itself cannot be started (its "-version" check fails), as opposed
    /// to a tool that ran and failed on a file (<see cref="FFProbeProcessException"/>, <see cref="FormatNullException"/>).
    /// </summary>
    public static bool IsToolMissing(Exception e) =>
        e is Win32Exception || e.GetType() == typeof(FFProbeException) || e.GetType() == typeof(FFMpegException);

    // FFMpegCore looks for a file named "ffprobe"/"ffmpeg" in BinaryFolder and silently falls back to PATH when the
    // folder lacks it, so a setting that names another file, or a missing one, is refused here rather than ignored.
    private static FFOptions For(string configured, string tool, string setting)
    {
        var folder = Path.GetDirectoryName(configured) ?? "";
        if (Path.GetFileName(configured) != tool || (folder.Length > 0 && !File.Exists(configured)))
        {
            throw new InvalidOperationException(CannotStart(setting, configured) + $" The file must be called {tool}.");
        }
        return new FFOptions { BinaryFolder = folder };
    }

    /// <summary>
    /// Kills, with all their descendants, the processes this process started whose command line contains
    /// <paramref name="marker"/> (the input path, or the pipe FFMpegCore created for this call). FFMpegCore kills only
    /// the process it started, so a wrapper's child would outlive it and keep the call waiting on its pipes.
    /// </summary>
    public static void KillToolTree(string marker)
    {
        if (!OperatingSystem.IsLinux()) return;
        var self = Environment.ProcessId;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                // "pid (comm) state ppid ...": the command name may hold spaces and parentheses, so count from the last ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields.Length < 2 || fields[1] != self.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                if (!File.ReadAllText(Path.Combine(folder, "cmdline")).Contains(marker, StringComparison.Ordinal)) continue;
                using var process = Process.GetProcessById(pid);
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or Win32Exception)
            {
                // It exited while we looked.
            }
        }
    }
}

/// <summary>
/// The token to hand FFMpegCore for one tool call: when <paramref name="caller"/> is cancelled it first kills the
/// tool's process tree (found by <paramref name="marker"/>), then cancels FFMpegCore's own token.
/// </summary>
public sealed class ToolCancellation : IDisposable
{
    private readonly CancellationTokenSource _package = new();
    private readonly CancellationTokenRegistration _registration;

    public ToolCancellation(string marker, CancellationToken caller)
    {
        _registration = caller.Register(() =>
        {
            MediaTools.KillToolTree(marker);
            try
            {
                _package.Cancel();
            }
            catch (AggregateException e) when (e.Flatten().InnerExceptions.All(i => i is IOException or ObjectDisposedException or InvalidOperationException))
            {
                // FFMpegCore writes "q" to ffmpeg's stdin on cancellation and lets the broken pipe escape when ffmpeg has
                // just died (here: killed above). ffmpeg is gone either way; thrown from a timeout's timer thread, the
                // exception would end this process.
            }
        });
    }

    public CancellationToken Token => _package.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _package.Dispose();
    }
}
