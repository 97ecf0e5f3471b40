using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Options;
using Storytelling.Core.Configuration;

namespace Storytelling.Core.Storage;

/// <summary>
/// Media in Azure Blob Storage (block blobs). Uploads go in 4 MB blocks, two at a time, so memory stays a few
/// blocks whatever the recording's length; reads use HTTP ranges so audio can seek without downloading it all.
/// </summary>
public sealed class AzureBlobMediaStore : IMediaStore
{
    private static readonly StorageTransferOptions Transfer = new()
    {
        InitialTransferSize = 4 * 1024 * 1024,
        MaximumTransferSize = 4 * 1024 * 1024,
        MaximumConcurrency = 2,
    };

    private readonly BlobContainerClient _container;
    private volatile bool _containerExists;

    public AzureBlobMediaStore(IOptions<StorageOptions> options)
    {
        var o = options.Value.AzureBlobStore;
        _container = new BlobContainerClient(o.ConnectionString, o.ContainerName);
    }

    public async Task<StoredMedia> SaveAsync(Stream content, string contentType, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        var name = BlobNames.New();
        using var hashing = new HashingReadStream(content);
        await _container.GetBlockBlobClient(name).UploadAsync(hashing, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            TransferOptions = Transfer,
        }, cancellationToken);
        return new StoredMedia(name, hashing.BytesRead, hashing.FinishHash());
    }

    public async Task<Stream> OpenReadAsync(string blobName, long offset, long? length, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        if (offset < 0 || length < 0) throw new ArgumentOutOfRangeException(nameof(offset));
        try
        {
            var response = await _container.GetBlobClient(blobName).DownloadStreamingAsync(
                new BlobDownloadOptions { Range = new HttpRange(offset, length) }, cancellationToken);
            return response.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new MediaNotFoundException(blobName);
        }
        catch (RequestFailedException e) when (e.Status == 416)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"Range starting at {offset} is outside the blob.");
        }
    }

    public async Task<MediaProperties?> GetPropertiesAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        try
        {
            var p = await _container.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken);
            return new MediaProperties(p.Value.ContentLength, p.Value.ContentType);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    // Not cached as a Lazy<Task>: a first attempt that fails (storage not up yet) must not fail every later call.
    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists) return;
        await _container.CreateIfNotExistsAsync(PublicAccessType.None, cancellationToken: cancellationToken);
        _containerExists = true;
    }

    public async Task<bool> DeleteAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        var response = await _container.GetBlobClient(blobName)
            .DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        return response.Value;
    }

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        await _container.GetPropertiesAsync(cancellationToken: cancellationToken);
    }
}
