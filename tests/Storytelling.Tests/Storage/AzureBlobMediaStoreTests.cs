using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Storytelling.Core.Configuration;
using Storytelling.Core.Storage;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Storage;

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobMediaStoreTests : MediaStoreContract
{
    private readonly AzuriteFixture _azurite;
    private readonly string _container = "test-" + Guid.NewGuid().ToString("N")[..20];
    private readonly AzureBlobMediaStore _store;

    public AzureBlobMediaStoreTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _store = new AzureBlobMediaStore(Options.Create(new StorageOptions
        {
            Provider = StorageOptions.AzureBlob,
            AzureBlobStore = new AzureBlobStorageOptions { ConnectionString = azurite.ConnectionString, ContainerName = _container },
        }));
    }

    protected override IMediaStore Store => _store;

    protected override async Task AssertNothingHalfWrittenAsync()
    {
        // Staged but uncommitted blocks are invisible to readers and expire on their own; no committed blob may exist.
        var container = new BlobContainerClient(_azurite.ConnectionString, _container);
        var committed = new List<string>();
        await foreach (var blob in container.GetBlobsAsync()) committed.Add(blob.Name);
        Assert.Empty(committed);
    }

    [Fact]
    public async Task The_store_creates_its_private_container_on_first_use()
    {
        await _store.CheckHealthAsync(CancellationToken.None);
        var container = new BlobContainerClient(_azurite.ConnectionString, _container);
        var properties = await container.GetPropertiesAsync();
        Assert.Equal(Azure.Storage.Blobs.Models.PublicAccessType.None, properties.Value.PublicAccess ?? Azure.Storage.Blobs.Models.PublicAccessType.None);
    }

    [Fact]
    public async Task An_unreachable_account_fails_the_health_check()
    {
        var dead = new AzureBlobMediaStore(Options.Create(new StorageOptions
        {
            Provider = StorageOptions.AzureBlob,
            AzureBlobStore = new AzureBlobStorageOptions
            {
                ConnectionString = _azurite.ConnectionString.Replace($":{_azurite.Port}/", $":{Repo.FreeLoopbackPort()}/"),
                ContainerName = "nobody-home",
            },
        }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<Exception>(() => dead.CheckHealthAsync(timeout.Token));
    }
}
