using System.IO.Pipelines;

namespace Storytelling.Core.Storage;

/// <summary>
/// Where recordings live. Implementations stream in both directions and never hold a whole recording in memory;
/// they choose the blob name themselves, so nothing a user sends can steer where bytes land.
/// </summary>
public interface IMediaStore
{
    /// <summary>Streams <paramref name="content"/> into a new blob and returns its generated name, size and SHA-256.</summary>
    Task<StoredMedia> SaveAsync(Stream content, string contentType, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a blob for reading from <paramref name="offset"/>, at most <paramref name="length"/> bytes (null: to the end),
    /// for audio seeking with HTTP range requests. Throws <see cref="MediaNotFoundException"/> when it does not exist.
    /// </summary>
    Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken);

    /// <summary>Size and content type, or null when the blob does not exist.</summary>
    Task<MediaProperties?> GetPropertiesAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>Deletes the blob; returns false when there was nothing to delete.</summary>
    Task<bool> DeleteAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>
    /// Opens staging for a resumable upload under a name from <see cref="BlobNames.New"/>, empty; keeps what is
    /// already staged. Chunks are only ever appended to staging that was begun, so a chunk arriving after the
    /// upload was completed, refused or swept cannot leave bytes nobody owns.
    /// </summary>
    Task BeginStagingAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>
    /// How many bytes are staged, contiguous from the start: the upload's confirmed offset, the same for every web
    /// node and after a crash, since it is read from the staged bytes themselves. Null when nothing is staged
    /// (never begun, committed or discarded).
    /// </summary>
    Task<long?> GetStagedLengthAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="length"/> bytes at <paramref name="offset"/> only when that is exactly where the staged
    /// bytes end, one writer at a time across processes and nodes. A chunk lying wholly within the staged bytes (a
    /// retry) is read and dropped; any other is not read. Returns the staged length afterwards, so the chunk counted
    /// when it is at least <paramref name="offset"/> + <paramref name="length"/>; null when nothing is staged.
    /// Throws <see cref="InvalidDataException"/> when the data ends early; nothing of that chunk then counts.
    /// Staged bytes are invisible to readers until <see cref="CommitStagedAsync"/>. A pipe rather than a stream, so a
    /// store can write the request's own buffers without copying them first (the chunk path's hottest cost).
    /// </summary>
    Task<long?> AppendStagedAsync(string blobName, long offset, long length, PipeReader data, CancellationToken cancellationToken);

    /// <summary>
    /// Turns the first <paramref name="length"/> staged bytes into a readable blob and returns its size and SHA-256.
    /// Idempotent: when the blob is already committed it is measured again instead of failing.
    /// </summary>
    Task<StoredMedia> CommitStagedAsync(string blobName, long length, string contentType, CancellationToken cancellationToken);

    /// <summary>Discards staged bytes of an abandoned or refused upload (no-op when there are none).</summary>
    Task DeleteStagedAsync(string blobName, CancellationToken cancellationToken);

    /// <summary>A local file path for tools like ffprobe that need to seek, or null when the store is remote.</summary>
    string? LocalPathOf(string blobName);

    /// <summary>Throws when the store cannot be reached or written; used by /health/ready.</summary>
    Task CheckHealthAsync(CancellationToken cancellationToken);
}

public sealed record StoredMedia(string BlobName, long SizeBytes, string Sha256);

public sealed record MediaProperties(long SizeBytes, string ContentType);

public sealed class MediaNotFoundException(string blobName)
    : Exception($"Media '{blobName}' does not exist.")
{
    public string BlobName { get; } = blobName;
}
