using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Capture;

/// <summary>The same upload rules with the production database (PostgreSQL) and local disk.</summary>
public sealed class PostgresUploadApiTests(MediaCorpus corpus) : UploadApiContract(corpus), IDisposable
{
    private readonly string _media = Repo.NewTempFolder("upload-media-pg");
    private readonly PostgresFixture _postgres = new();

    public override async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    protected override IDictionary<string, string?> StorageSettings() => new Dictionary<string, string?>
    {
        ["Storytelling:Database:Provider"] = "Postgres",
        ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
        ["Storytelling:Storage:Provider"] = "Disk",
        ["Storytelling:Storage:DiskStore:RootPath"] = _media,
    };

    protected override Task AssertNoBlobsAsync() => AssertFolderEmptyAsync(_media);

    public void Dispose() => Repo.DeleteFolder(_media);
}
