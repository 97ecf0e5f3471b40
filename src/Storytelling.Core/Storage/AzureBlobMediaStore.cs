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

    // Block ids must all have the same length within a blob; the chunk's offset, zero-padded, gives that and
    // lets the commit put blocks back in order without trusting the client.
    private static string BlockId(long offset) => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(offset.ToString("D19", System.Globalization.CultureInfo.InvariantCulture)));

    private static long OffsetOf(string blockId) =>
        long.Parse(System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(blockId)), System.Globalization.CultureInfo.InvariantCulture);

    public async Task StageChunkAsync(string blobName, long offset, long length, Stream data, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        await EnsureContainerAsync(cancellationToken);
        // The SDK needs a seekable stream to retry a block, so one chunk (bounded by the API) is held in memory.
        using var block = new MemoryStream(checked((int)length));
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            var remaining = length;
            while (remaining > 0)
            {
                var n = await data.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken);
                if (n == 0) throw new InvalidDataException($"The chunk ended after {length - remaining} of {length} bytes.");
                block.Write(buffer, 0, n);
                remaining -= n;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        block.Position = 0;
        await _container.GetBlockBlobClient(blobName).StageBlockAsync(BlockId(offset), block, cancellationToken: cancellationToken);
    }

    public async Task<StoredMedia> CommitStagedAsync(string blobName, long length, string contentType, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        var blob = _container.GetBlockBlobClient(blobName);
        BlockList list;
        try
        {
            list = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted, cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new MediaNotFoundException(blobName);
        }
        var staged = list.UncommittedBlocks?.ToList() ?? [];
        if (staged.Count > 0 || length == 0)
        {
            // Walk the chain from offset 0: a block replaced by a retry or left past the end is simply not on it.
            var byOffset = staged.GroupBy(b => OffsetOf(b.Name)).ToDictionary(g => g.Key, g => g.Last());
            var chain = new List<string>();
            long position = 0;
            while (position < length && byOffset.TryGetValue(position, out var next))
            {
                chain.Add(next.Name);
                position += next.SizeLong;
            }
            if (position != length) throw new InvalidDataException($"Staged blocks cover {position} of {length} bytes.");
            await blob.CommitBlockListAsync(chain, new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } }, cancellationToken);
        }
        await using var read = await OpenReadAsync(blobName, 0, null, cancellationToken);
        using var hashing = new HashingReadStream(read);
        await hashing.CopyToAsync(Stream.Null, 81920, cancellationToken);
        return new StoredMedia(blobName, hashing.BytesRead, hashing.FinishHash());
    }

    public async Task DeleteStagedAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        var blob = _container.GetBlockBlobClient(blobName);
        // A committed blob is a recording, not staging: leave it alone.
        if ((await blob.ExistsAsync(cancellationToken)).Value) return;
        try
        {
            // Blocks that were never committed cannot be deleted one by one; committing an empty list drops them.
            await blob.CommitBlockListAsync([], cancellationToken: cancellationToken);
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Nothing was staged.
        }
    }

    public string? LocalPathOf(string blobName) => null;

    public async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        await _container.GetPropertiesAsync(cancellationToken: cancellationToken);
    }
}
