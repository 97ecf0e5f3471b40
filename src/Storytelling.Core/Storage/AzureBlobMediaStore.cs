using System.IO.Pipelines;
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

    // Requests of one upload on this node take turns (an overlapping retry waits for the chunk before it); a
    // stripe per name hash keeps this a fixed handful of semaphores.
    private readonly SemaphoreSlim[] _stagingTurns = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    // Nothing to prepare: a block blob's uncommitted blocks are its staging, and no blocks is an empty upload.
    public Task BeginStagingAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        return Task.CompletedTask;
    }

    public async Task<long?> GetStagedLengthAsync(string blobName, CancellationToken cancellationToken)
    {
        BlobNames.EnsureValid(blobName);
        var blocks = await StagedBlocksAsync(_container.GetBlockBlobClient(blobName), cancellationToken);
        return blocks is null ? null : ChainLength(blocks);
    }

    public async Task<long?> AppendStagedAsync(string blobName, long offset, long length, PipeReader data, CancellationToken cancellationToken)
    {
        // The SDK sends streams; leaveOpen, as the reader belongs to the caller (the request).
        await using var body = data.AsStream(leaveOpen: true);
        BlobNames.EnsureValid(blobName);
        await EnsureContainerAsync(cancellationToken);
        var blob = _container.GetBlockBlobClient(blobName);
        var turn = _stagingTurns[(int)((uint)StringComparer.Ordinal.GetHashCode(blobName) % (uint)_stagingTurns.Length)];
        await turn.WaitAsync(cancellationToken);
        try
        {
            // The chain of uncommitted blocks from offset 0 is the confirmed offset, read by every node alike. A block
            // is only staged where the chain ends, under an id naming its offset: two nodes racing on the same chunk
            // stage the same bytes under the same id, and the next request reads the chain again.
            var blocks = await StagedBlocksAsync(blob, cancellationToken);
            if (blocks is null) return null;
            var current = ChainLength(blocks);
            if (offset + length <= current)
            {
                await body.CopyToAsync(Stream.Null, cancellationToken);
                return current;
            }
            if (offset != current) return current;
            // The SDK needs a seekable stream to retry a block, so one chunk (bounded by the API) is held in a pooled
            // array rather than a fresh large-object-heap allocation per chunk.
            var block = System.Buffers.ArrayPool<byte>.Shared.Rent(checked((int)length));
            try
            {
                var filled = await body.ReadAtLeastAsync(block.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken);
                if (filled < length) throw new InvalidDataException($"The chunk ended after {filled} of {length} bytes.");
                using var content = new MemoryStream(block, 0, (int)length, writable: false);
                await blob.StageBlockAsync(BlockId(offset), content, cancellationToken: cancellationToken);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(block);
            }
            return offset + length;
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>The uncommitted blocks, none when nothing was staged yet, or null when the blob is committed.</summary>
    private static async Task<List<BlobBlock>?> StagedBlocksAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            var list = (await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: cancellationToken)).Value;
            if (list.CommittedBlocks?.Any() == true) return null;
            return list.UncommittedBlocks?.ToList() ?? [];
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }
    }

    /// <summary>How far the blocks reach from offset 0 without a gap, and which blocks that is.</summary>
    private static (long Length, List<string> Chain) Walk(IEnumerable<BlobBlock> staged, long limit)
    {
        // A block replaced by a retry or left past the end is simply not on the chain.
        var byOffset = staged.GroupBy(b => OffsetOf(b.Name)).ToDictionary(g => g.Key, g => g.Last());
        var chain = new List<string>();
        long position = 0;
        while (position < limit && byOffset.TryGetValue(position, out var next) && next.SizeLong > 0)
        {
            chain.Add(next.Name);
            position += next.SizeLong;
        }
        return (position, chain);
    }

    private static long ChainLength(List<BlobBlock> blocks) => Walk(blocks, long.MaxValue).Length;

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
            var (position, chain) = Walk(staged, length);
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
