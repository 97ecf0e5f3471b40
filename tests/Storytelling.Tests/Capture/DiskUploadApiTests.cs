using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Capture;

public sealed class DiskUploadApiTests(MediaCorpus corpus) : UploadApiContract(corpus), IDisposable
{
    private readonly string _media = Repo.NewTempFolder("upload-media");

    protected override IDictionary<string, string?> StorageSettings() => new Dictionary<string, string?>
    {
        ["Storytelling:Storage:Provider"] = "Disk",
        ["Storytelling:Storage:DiskStore:RootPath"] = _media,
    };

    protected override Task AssertNoBlobsAsync() => AssertFolderEmptyAsync(_media);

    public void Dispose() => Repo.DeleteFolder(_media);
}
