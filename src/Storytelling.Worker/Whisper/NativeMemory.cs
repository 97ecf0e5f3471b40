using System.Runtime.InteropServices;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// The one native call Whisper.net lacks: glibc's <c>malloc_trim</c>. Whisper.net runs every call on a new thread, and
/// glibc keeps whisper.cpp's freed per-call buffers in that thread's malloc arena instead of returning them, so without a
/// trim after each window the worker's memory grows with the number of calls rather than staying at one window's worth.
/// </summary>
internal static partial class NativeMemory
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns free heap memory of every malloc arena to the system; does nothing where glibc is absent (musl, Windows, macOS).</summary>
    public static void Trim()
    {
        if (_unavailable) return;
        try
        {
            _ = malloc_trim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
