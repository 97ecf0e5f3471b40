using Microsoft.Extensions.Options;
using Storytelling.Core.Configuration;
using Storytelling.Core.Storage;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Storage;

public sealed class DiskMediaStoreTests : MediaStoreContract, IDisposable
{
    private readonly string _root = Repo.NewTempFolder("media");
    private readonly DiskMediaStore _store;

    public DiskMediaStoreTests() =>
        _store = new DiskMediaStore(Options.Create(new StorageOptions { DiskStore = new DiskStorageOptions { RootPath = _root } }));

    protected override IMediaStore Store => _store;

    protected override Task AssertNothingHalfWrittenAsync()
    {
        var files = Directory.GetFiles(_root, "*", SearchOption.AllDirectories);
        Assert.Empty(files);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_blob_being_listened_to_can_still_be_deleted()
    {
        var stored = await _store.SaveAsync(new MemoryStream(new byte[1000]), "audio/wav", CancellationToken.None);
        await using var listening = await _store.OpenReadAsync(stored.BlobName, 0, null, CancellationToken.None);
        Assert.True(await _store.DeleteAsync(stored.BlobName, CancellationToken.None));
        Assert.Null(await _store.GetPropertiesAsync(stored.BlobName, CancellationToken.None));
    }

    public void Dispose() => Repo.DeleteFolder(_root);
}
