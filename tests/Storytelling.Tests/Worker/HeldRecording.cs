namespace Storytelling.Tests.Worker;

/// <summary>
/// A stored recording whose bytes arrive only as far as the test lets them: the store's file is replaced by a named
/// pipe, and the test writes the first part of the real recording into it and holds the rest. The worker's ffmpeg
/// reads the pipe like any slow file, decodes the first windows, Whisper transcribes them, and then the job waits —
/// mid-job for as long as the test wants, however fast the machine transcribes (with the generated model a whole
/// 4-minute recording takes 2 s, faster than a lease renewal reports progress).
/// </summary>
internal sealed class HeldRecording : IAsyncDisposable
{
    private readonly string _path;
    private readonly byte[] _bytes;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _feeding;
    private bool _opened;

    private HeldRecording(string path, byte[] bytes, int firstBytes)
    {
        _path = path;
        _bytes = bytes;
        _feeding = Task.Run(() => FeedAsync(firstBytes));
    }

    /// <summary>Replaces the stored file at <paramref name="storedPath"/> by a pipe that gives out <paramref name="fraction"/> of it.</summary>
    public static async Task<HeldRecording> HoldAsync(string storedPath, double fraction)
    {
        var bytes = await File.ReadAllBytesAsync(storedPath);
        File.Delete(storedPath);
        if (MakeFifo(PathBytes(storedPath), 0x180 /* 0600 */) != 0) throw new IOException("mkfifo failed");
        return new HeldRecording(storedPath, bytes, (int)(bytes.Length * fraction));
    }

    private async Task FeedAsync(int firstBytes)
    {
        // Opening a pipe for writing waits until a reader (the worker's ffmpeg) opens it.
        await using var pipe = new FileStream(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
        Volatile.Write(ref _opened, true);
        await pipe.WriteAsync(_bytes.AsMemory(0, firstBytes));
        await pipe.FlushAsync();
        await _release.Task;
        // The reader may be gone (a killed worker's ffmpeg exits on its next write): then there is nobody to feed.
        try
        {
            await pipe.WriteAsync(_bytes.AsMemory(firstBytes));
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Ends the pipe (the rest is written if its reader is still there) and puts the whole recording back in the
    /// store's place, as a later attempt would find it.
    /// </summary>
    public async Task RestoreAsync()
    {
        _release.TrySetResult();
        await UnblockAsync();
        File.Delete(_path);
        await File.WriteAllBytesAsync(_path, _bytes);
    }

    private async Task UnblockAsync()
    {
        // If nobody ever opened the pipe, the writer still waits in open(): a reader of our own (non-blocking, so it
        // cannot wait in turn) lets that open return; the writer then finds its reader gone and ends.
        var fd = Volatile.Read(ref _opened) ? -1 : Open(PathBytes(_path), ReadOnlyNonBlocking);
        try
        {
            await Task.WhenAny(_feeding, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            if (fd >= 0) _ = Close(fd);
        }
    }

    private const int ReadOnlyNonBlocking = 0x800; // O_RDONLY | O_NONBLOCK on Linux

    private static byte[] PathBytes(string path) => System.Text.Encoding.UTF8.GetBytes(path + "\0");

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mkfifo")]
    private static extern int MakeFifo(byte[] path, uint mode);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open")]
    private static extern int Open(byte[] path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await UnblockAsync();
    }
}
