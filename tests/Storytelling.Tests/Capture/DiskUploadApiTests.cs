using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Capture;

public sealed class DiskUploadApiTests : UploadApiContract, IDisposable
{
    private readonly string _media = Repo.NewTempFolder("upload-media");

    protected override IDictionary<string, string?> StorageSettings() => new Dictionary<string, string?>
    {
        ["Storytelling:Storage:Provider"] = "Disk",
        ["Storytelling:Storage:DiskStore:RootPath"] = _media,
    };

    protected override Task AssertNoBlobsAsync()
    {
        Assert.Empty(Directory.GetFiles(_media, "*", SearchOption.AllDirectories));
        return Task.CompletedTask;
    }

    public void Dispose() => Repo.DeleteFolder(_media);
}
