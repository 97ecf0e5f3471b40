using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Capture;

[Collection(AzuriteCollection.Name)]
public sealed class AzureUploadApiTests(AzuriteFixture azurite) : UploadApiContract
{
    private readonly string _container = "uploads-" + Guid.NewGuid().ToString("N")[..16];

    protected override IDictionary<string, string?> StorageSettings() => new Dictionary<string, string?>
    {
        ["Storytelling:Storage:Provider"] = "AzureBlob",
        ["Storytelling:Storage:AzureBlobStore:ConnectionString"] = azurite.ConnectionString,
        ["Storytelling:Storage:AzureBlobStore:ContainerName"] = _container,
    };

    protected override async Task AssertNoBlobsAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, _container);
        if (!(await container.ExistsAsync()).Value) return;
        var names = new List<string>();
        // Uncommitted blobs included: staged blocks of an abandoned upload must be gone too.
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted })) names.Add(blob.Name);
        Assert.Empty(names);
    }
}
