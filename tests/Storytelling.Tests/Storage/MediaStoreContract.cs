using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;
using Storytelling.Core.Storage;

namespace Storytelling.Tests.Storage;

/// <summary>What every media store must do. Each implementation runs this same suite against the real thing.</summary>
public abstract class MediaStoreContract
{
    protected abstract IMediaStore Store { get; }

    private static MemoryStream Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Saves_and_reads_back_the_same_bytes_with_size_hash_and_content_type()
    {
        var payload = RandomNumberGenerator.GetBytes(300_000);
        var stored = await Store.SaveAsync(new MemoryStream(payload), "audio/webm", CancellationToken.None);

        Assert.True(BlobNames.IsValid(stored.BlobName));
        Assert.Equal(payload.Length, stored.SizeBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), stored.Sha256);
        var properties = await Store.GetPropertiesAsync(stored.BlobName, CancellationToken.None);
        Assert.Equal(new MediaProperties(payload.Length, "audio/webm"), properties);

        await using var read = await Store.OpenReadAsync(stored.BlobName, 0, null, CancellationToken.None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(payload, copy.ToArray());
    }

    [Fact]
    public async Task Blob_names_are_generated_never_taken_from_the_caller_and_never_repeat()
    {
        var a = await Store.SaveAsync(Bytes("een"), "audio/mp4", CancellationToken.None);
        var b = await Store.SaveAsync(Bytes("een"), "audio/mp4", CancellationToken.None);
        Assert.NotEqual(a.BlobName, b.BlobName);
        Assert.Equal(a.Sha256, b.Sha256);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(1000, 500)]
    [InlineData(299_990, null)]
    [InlineData(299_990, 1000)]
    public async Task Range_reads_return_exactly_the_requested_slice(long offset, int? length)
    {
        var payload = RandomNumberGenerator.GetBytes(300_000);
        var stored = await Store.SaveAsync(new MemoryStream(payload), "audio/ogg", CancellationToken.None);

        await using var read = await Store.OpenReadAsync(stored.BlobName, offset, length, CancellationToken.None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        var end = length is { } l ? Math.Min(payload.Length, offset + l) : payload.Length;
        Assert.Equal(payload[(int)offset..(int)end], copy.ToArray());
    }

    [Fact]
    public async Task A_range_past_the_end_is_refused()
    {
        var stored = await Store.SaveAsync(Bytes("kort verhaal"), "audio/wav", CancellationToken.None);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.OpenReadAsync(stored.BlobName, 1000, 10, CancellationToken.None));
    }

    [Fact]
    public async Task Delete_removes_the_blob_and_a_second_delete_reports_nothing_to_delete()
    {
        var stored = await Store.SaveAsync(Bytes("weg ermee"), "audio/mpeg", CancellationToken.None);
        Assert.True(await Store.DeleteAsync(stored.BlobName, CancellationToken.None));
        Assert.False(await Store.DeleteAsync(stored.BlobName, CancellationToken.None));
        Assert.Null(await Store.GetPropertiesAsync(stored.BlobName, CancellationToken.None));
        await Assert.ThrowsAsync<MediaNotFoundException>(() => Store.OpenReadAsync(stored.BlobName, 0, null, CancellationToken.None));
    }

    [Fact]
    public async Task Deleting_a_name_that_was_never_stored_reports_nothing_to_delete()
    {
        var name = BlobNames.New();
        Assert.False(await Store.DeleteAsync(name, CancellationToken.None));
        await Store.DeleteStagedAsync(name, CancellationToken.None);
        Assert.Null(await Store.GetPropertiesAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task Staging_takes_a_chunk_only_where_the_staged_bytes_end_and_drops_a_retry_inside_them()
    {
        var payload = RandomNumberGenerator.GetBytes(3000);
        var name = BlobNames.New();
        await Store.BeginStagingAsync(name, CancellationToken.None);
        Assert.Equal(0, await Store.GetStagedLengthAsync(name, CancellationToken.None));

        Assert.Equal(1000, await Store.AppendStagedAsync(name, 0, 1000, PipeReader.Create(new MemoryStream(payload[..1000])), CancellationToken.None));
        // A retry of the same chunk, and one with different bytes: both already count, neither changes a byte.
        Assert.Equal(1000, await Store.AppendStagedAsync(name, 0, 1000, PipeReader.Create(new MemoryStream(payload[..1000])), CancellationToken.None));
        Assert.Equal(1000, await Store.AppendStagedAsync(name, 0, 1000, PipeReader.Create(new MemoryStream(new byte[1000])), CancellationToken.None));
        // A gap and a chunk reaching past the end from inside are not taken.
        Assert.Equal(1000, await Store.AppendStagedAsync(name, 2000, 1000, PipeReader.Create(new MemoryStream(payload[2000..])), CancellationToken.None));
        Assert.Equal(1000, await Store.AppendStagedAsync(name, 500, 1000, PipeReader.Create(new MemoryStream(payload[500..1500])), CancellationToken.None));
        Assert.Equal(3000, await Store.AppendStagedAsync(name, 1000, 2000, PipeReader.Create(new MemoryStream(payload[1000..])), CancellationToken.None));
        Assert.Equal(3000, await Store.GetStagedLengthAsync(name, CancellationToken.None));

        var stored = await Store.CommitStagedAsync(name, 3000, "audio/wav", CancellationToken.None);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), stored.Sha256);
        // Committed: the staging is gone, and a late chunk finds none to add to.
        Assert.Null(await Store.GetStagedLengthAsync(name, CancellationToken.None));
        Assert.Null(await Store.AppendStagedAsync(name, 3000, 10, PipeReader.Create(new MemoryStream(new byte[10])), CancellationToken.None));
        await Store.DeleteAsync(name, CancellationToken.None);
    }

    [Fact]
    public async Task A_chunk_that_ends_early_counts_for_nothing()
    {
        var name = BlobNames.New();
        await Store.BeginStagingAsync(name, CancellationToken.None);
        Assert.Equal(100, await Store.AppendStagedAsync(name, 0, 100, PipeReader.Create(new MemoryStream(new byte[100])), CancellationToken.None));
        await Assert.ThrowsAsync<InvalidDataException>(() =>
            Store.AppendStagedAsync(name, 100, 200_000, PipeReader.Create(new MemoryStream(new byte[150_000])), CancellationToken.None));
        Assert.Equal(100, await Store.GetStagedLengthAsync(name, CancellationToken.None));
        await Store.DeleteStagedAsync(name, CancellationToken.None);
    }

    [Fact]
    public async Task Many_simultaneous_copies_of_one_chunk_are_staged_once()
    {
        var payload = RandomNumberGenerator.GetBytes(400_000);
        var name = BlobNames.New();
        await Store.BeginStagingAsync(name, CancellationToken.None);
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Store.AppendStagedAsync(name, 0, payload.Length, PipeReader.Create(new MemoryStream(payload)), CancellationToken.None))));
        Assert.All(answers, a => Assert.Equal(payload.Length, a));
        Assert.Equal(payload.Length, await Store.GetStagedLengthAsync(name, CancellationToken.None));
        var stored = await Store.CommitStagedAsync(name, payload.Length, "audio/wav", CancellationToken.None);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(payload)), stored.Sha256);
        await Store.DeleteAsync(name, CancellationToken.None);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("ab/../../secret")]
    [InlineData("")]
    [InlineData("AB/AB000000000000000000000000000000")]
    public async Task Names_the_store_did_not_generate_are_refused_before_touching_storage(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(name, 0, null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(name, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetPropertiesAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task An_upload_cancelled_halfway_leaves_no_readable_blob()
    {
        using var cancel = new CancellationTokenSource();
        var source = new GeneratedStream(50L * 1024 * 1024, seed: 7, _ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Store.SaveAsync(source, "audio/webm", cancel.Token));
        await AssertNothingHalfWrittenAsync();
    }

    /// <summary>Implementation-specific proof that a cancelled upload left nothing behind.</summary>
    protected abstract Task AssertNothingHalfWrittenAsync();

    [Fact]
    public async Task The_health_check_passes_against_a_working_store()
    {
        await Store.CheckHealthAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_200_MB_recording_streams_through_in_both_directions_with_bounded_memory()
    {
        const long size = 200L * 1024 * 1024;
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = baseline;
        void Sample(long _) => peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));

        var source = new GeneratedStream(size, seed: 42, Sample);
        var stored = await Store.SaveAsync(source, "audio/wav", CancellationToken.None);
        Assert.Equal(size, stored.SizeBytes);
        Assert.Equal(source.Sha256(), stored.Sha256);

        await using (var read = await Store.OpenReadAsync(stored.BlobName, 0, null, CancellationToken.None))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var buffer = new byte[81920];
            long total = 0, nextSample = 0;
            int n;
            while ((n = await read.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
                total += n;
                if (total >= nextSample)
                {
                    Sample(total);
                    nextSample += 20L * 1024 * 1024;
                }
            }
            Assert.Equal(size, total);
            Assert.Equal(stored.Sha256, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        await Store.DeleteAsync(stored.BlobName, CancellationToken.None);

        var growthMb = (peak - baseline) / (1024.0 * 1024);
        Assert.True(growthMb < 50, $"Managed memory grew by {growthMb:F1} MB while streaming 200 MB; it must stay under 50 MB.");
    }
}
