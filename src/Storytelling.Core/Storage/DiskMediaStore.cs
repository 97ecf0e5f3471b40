using System.IO.Pipelines;
using System.Buffers;
using Microsoft.Extensions.Options;
using Storytelling.Core.Configuration;

namespace Storytelling.Core.Storage;

/// <summary>
/// Media on local disk. A blob is written to a temporary file and moved into place only when complete,
/// so a crash mid-write never leaves a half file under a real name. The content type sits beside it in "NAME.type".
/// </summary>
public sealed class DiskMediaStore : IMediaStore
{
    // Below the 85 KB large-object threshold: with a hundred uploads at once the shared pool runs dry, and a
    // fallback allocation should land on the cheap small-object heap, not the large-object heap.
    private const int BufferSize = 64 * 1024;
    // FileStream's own buffer would be a fresh 128 KB (large-object-heap) array per open file, i.e. per chunk and per
    // range request; we already move data in pooled 64 KB blocks, so the streams run unbuffered.
    private const int NoFileBuffer = 0;
    private readonly string _root;
    private readonly string _incoming;

    public DiskMediaStore(IOptions<StorageOptions> options)
    {
        _root = Path.GetFullPath(options.Value.DiskStore.RootPath);
        _incoming = Path.Combine(_root, ".incoming");
        Directory.CreateDirectory(_incoming);
    }

    public async Task<StoredMedia> SaveAsync(Stream content, string contentType, CancellationToken cancellationToken)
    {
        var name = BlobNames.New();
        var temp = Path.Combine(_incoming, Guid.NewGuid().ToString("N") + ".part");
        try
        {
            using var hashing = new HashingReadStream(content);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, NoFileBuffer, FileOptions.Asynchronous))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int n;
                    while ((n = await hashing.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
                    {
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                await file.FlushAsync(cancellationToken);
            }
            var final = PathOf(name);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            await File.WriteAllTextAsync(final + ".type", contentType, cancellationToken);
            File.Move(temp, final);
            return new StoredMedia(name, hashing.BytesRead, hashing.FinishHash());
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    public Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        var path = PathOf(blobName);
        FileStream file;
        try
        {
            // FileShare.Delete lets a withdrawal remove the file while someone is still listening to it.
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, NoFileBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new MediaNotFoundException(blobName);
        }
        if (offset < 0 || (offset > 0 && offset >= file.Length) || length < 0)
        {
            var size = file.Length;
            file.Dispose();
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range starting at {offset} is outside the blob of {size} bytes.");
        }
        file.Seek(offset, SeekOrigin.Begin);
        Stream result = length is { } l ? new BoundedReadStream(file, Math.Min(l, file.Length - offset)) : file;
        return Task.FromResult(result);
    }

    public async Task<MediaProperties?> GetPropertiesAsync(string blobName, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(blobName));
        if (!info.Exists) return null;
        var typeFile = info.FullName + ".type";
        var type = File.Exists(typeFile) ? await File.ReadAllTextAsync(typeFile, cancellationToken) : "application/octet-stream";
        return new MediaProperties(info.Length, type);
    }

    public Task<bool> DeleteAsync(string blobName, CancellationToken cancellationToken)
    {
        var path = PathOf(blobName);
        var existed = File.Exists(path);
        // File.Delete tolerates a missing file but not a missing folder, which a never-committed name has.
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
            File.Delete(path + ".type");
        }
        return Task.FromResult(existed);
    }

    public Task BeginStagingAsync(string blobName, CancellationToken cancellationToken)
    {
        // OpenOrCreate: beginning again keeps what a retried create already found staged.
        using var file = new FileStream(StagedPathOf(blobName), FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, NoFileBuffer);
        return Task.CompletedTask;
    }

    public Task<long?> GetStagedLengthAsync(string blobName, CancellationToken cancellationToken)
    {
        var info = new FileInfo(StagedPathOf(blobName));
        return Task.FromResult<long?>(info.Exists ? info.Length : null);
    }

    public async Task<long?> AppendStagedAsync(string blobName, long offset, long length, PipeReader data, CancellationToken cancellationToken)
    {
        var staged = StagedPathOf(blobName);
        long current;
        // The staged file's length is the confirmed offset. FileShare.None takes an exclusive lock on the file (flock
        // on Unix, honoured by every .NET process on this machine and, through the file system, by other nodes
        // sharing it), so the length read here cannot move until this chunk is written or refused.
        await using (var file = await OpenExclusiveAsync(staged, cancellationToken))
        {
            if (file is null) return null;
            current = file.Length;
            if (offset == current && length > 0)
            {
                await WriteAtAsync(file, offset, length, data, cancellationToken);
                return offset + length;
            }
        }
        // A repeated chunk (its answer got lost): already staged, so read and drop it, without holding the lock.
        if (offset + length <= current) await data.CopyToAsync(Stream.Null, cancellationToken);
        return current;
    }

    private static async Task WriteAtAsync(FileStream file, long offset, long length, PipeReader data, CancellationToken cancellationToken)
    {
        var handle = file.SafeFileHandle;
        var position = offset;
        var end = offset + length;
        var segments = new List<ReadOnlyMemory<byte>>(SegmentsPerWrite);
        try
        {
            while (position < end)
            {
                var read = await data.ReadAsync(cancellationToken);
                if (read.IsCanceled) throw new OperationCanceledException(cancellationToken);
                var take = read.Buffer.Slice(0, Math.Min(read.Buffer.Length, end - position));
                if (take.IsEmpty && read.IsCompleted)
                {
                    data.AdvanceTo(take.End);
                    throw new InvalidDataException($"The chunk ended after {position - offset} of {length} bytes.");
                }
                // The request's own buffers, in one positional gathering write (pwritev) into the page cache: no copy
                // into a buffer of ours first, and one system call for whatever has arrived.
                segments.Clear();
                foreach (var segment in take) segments.Add(segment);
                RandomAccess.Write(handle, segments, position);
                position += take.Length;
                data.AdvanceTo(take.End);
            }
        }
        catch
        {
            // A chunk counts whole or not at all: cut what arrived of it, so the length stays a confirmed offset.
            if (position > offset) file.SetLength(offset);
            throw;
        }
    }

    // The list's starting size: Kestrel's buffers are 4 KB, so a 256 KB chunk that has fully arrived is 64 segments
    // (RandomAccess splits a longer list into as many calls as the kernel needs).
    private const int SegmentsPerWrite = 64;

    /// <summary>The staged file opened for writing by this caller alone, or null when it does not exist.</summary>
    private static async Task<FileStream?> OpenExclusiveAsync(string path, CancellationToken cancellationToken)
    {
        // Another request of the same upload holds it while it receives its chunk (an overlapping retry): wait a
        // little for it to finish, then let the caller answer with the length as it stands.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, NoFileBuffer);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException) when (attempt < LockAttempts)
            {
                await Task.Delay(LockRetryDelay, cancellationToken);
            }
        }
    }

    private const int LockAttempts = 250;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(20);

    public async Task<StoredMedia> CommitStagedAsync(string blobName, long length, string contentType, CancellationToken cancellationToken)
    {
        var staged = StagedPathOf(blobName);
        var final = PathOf(blobName);
        if (File.Exists(staged))
        {
            // Staging from before the staged length was the confirmed offset may hold a retried chunk's tail.
            await using (var file = await OpenExclusiveAsync(staged, cancellationToken))
            {
                if (file is null) throw new MediaNotFoundException(blobName);
                if (file.Length < length) throw new InvalidDataException($"Staged {file.Length} of {length} bytes.");
                file.SetLength(length);
            }
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            await File.WriteAllTextAsync(final + ".type", contentType, cancellationToken);
            File.Move(staged, final, overwrite: true);
        }
        else if (!File.Exists(final))
        {
            throw new MediaNotFoundException(blobName);
        }
        await using var read = new FileStream(final, FileMode.Open, FileAccess.Read, FileShare.Read, NoFileBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hashing = new HashingReadStream(read);
        await hashing.CopyToAsync(Stream.Null, BufferSize, cancellationToken);
        return new StoredMedia(blobName, hashing.BytesRead, hashing.FinishHash());
    }

    public Task DeleteStagedAsync(string blobName, CancellationToken cancellationToken)
    {
        File.Delete(StagedPathOf(blobName));
        return Task.CompletedTask;
    }

    public string? LocalPathOf(string blobName)
    {
        var path = PathOf(blobName);
        return File.Exists(path) ? path : null;
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        var probe = Path.Combine(_incoming, "health-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        File.Delete(probe);
    }

    private string StagedPathOf(string blobName)
    {
        BlobNames.EnsureValid(blobName);
        return Path.Combine(_incoming, blobName.Replace('/', '_') + ".staged");
    }

    private string PathOf(string blobName)
    {
        BlobNames.EnsureValid(blobName);
        return Path.Combine(_root, blobName);
    }
}
