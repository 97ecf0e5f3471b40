using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Data.Sqlite;
using Npgsql;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Tellers;

/// <summary>SQLite and a disk store: rows (the search index's shadow tables included), the database file and its
/// WAL byte by byte, and every file under the media folder.</summary>
public sealed class SqliteDiskNoTraceTests : NoTraceContract
{
    private readonly string _folder = Repo.NewTempFolder("teller-notrace");
    private string DatabasePath => Path.Combine(_folder, "storytelling.db");
    private string MediaPath => Path.Combine(_folder, "media");

    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Storytelling:Database:ConnectionString"] = $"Data Source={DatabasePath}",
        ["Storytelling:Storage:DiskStore:RootPath"] = MediaPath,
    };

    protected override async Task<List<(string Table, string Value)>> AllTextAsync()
    {
        var values = new List<(string, string)>();
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        foreach (var table in tables)
        {
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    switch (reader.GetValue(i))
                    {
                        case string s: values.Add((table, s)); break;
                        // Blobs (the search index's pages) are scanned as text too: a term is its UTF-8 bytes.
                        case byte[] b: values.Add((table, Encoding.UTF8.GetString(b))); break;
                    }
                }
            }
        }
        return values;
    }

    protected override IEnumerable<string> DatabaseFiles() => [DatabasePath, DatabasePath + "-wal", DatabasePath + "-journal"];

    protected override Task<List<(string Name, byte[] Bytes)>> AllBlobsAsync() => FilesUnderAsync(MediaPath);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Repo.DeleteFolder(_folder);
    }
}

/// <summary>PostgreSQL and Azure Blob Storage (Azurite): every row of every table as text, and every blob in the
/// container, staged (uncommitted) blobs and snapshots included. PostgreSQL keeps deleted tuples in its pages
/// until VACUUM reuses them, so its files are not scanned (see ARCHITECTURE.md).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class PostgresAzureNoTraceTests(AzuriteFixture azurite) : NoTraceContract
{
    private readonly PostgresFixture _postgres = new();
    private readonly string _container = "teller-" + Guid.NewGuid().ToString("N")[..16];

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

    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["Storytelling:Database:Provider"] = "Postgres",
        ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
        ["Storytelling:Storage:Provider"] = "AzureBlob",
        ["Storytelling:Storage:AzureBlobStore:ConnectionString"] = azurite.ConnectionString,
        ["Storytelling:Storage:AzureBlobStore:ContainerName"] = _container,
    };

    protected override async Task<List<(string Table, string Value)>> AllTextAsync()
    {
        var values = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(_postgres.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        foreach (var table in tables)
        {
            // A whole row cast to text holds every column, bytea as hex.
            await using var select = new NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync()) values.Add((table, reader.GetString(0)));
        }
        return values;
    }

    protected override IEnumerable<string> DatabaseFiles() => [];

    protected override async Task<List<(string Name, byte[] Bytes)>> AllBlobsAsync()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, _container);
        var result = new List<(string, byte[])>();
        if (!(await container.ExistsAsync()).Value) return result;
        await foreach (var blob in container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Uncommitted | BlobStates.Snapshots }))
        {
            var client = container.GetBlobClient(blob.Name);
            if (blob.Snapshot is not null) client = client.WithSnapshot(blob.Snapshot);
            var bytes = blob.Properties.ContentLength is > 0 && (await client.ExistsAsync()).Value
                ? (await client.DownloadContentAsync()).Value.Content.ToArray() : [];
            result.Add((blob.Name, bytes));
        }
        return result;
    }
}
