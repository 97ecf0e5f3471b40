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
