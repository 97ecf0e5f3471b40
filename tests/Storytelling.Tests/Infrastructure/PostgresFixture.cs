using Npgsql;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// A throw-away database on the PostgreSQL server that infra/test.sh starts on 127.0.0.1. The server's admin
/// connection string comes from STORYTELLING_TEST_POSTGRES; each fixture creates its own database and drops it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private string _adminConnectionString = "";
    private string _database = "";

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _adminConnectionString = Environment.GetEnvironmentVariable("STORYTELLING_TEST_POSTGRES")
            ?? throw new InvalidOperationException(
                "PostgreSQL tests need STORYTELLING_TEST_POSTGRES (an admin connection string to a local server); infra/test.sh starts the server and sets it.");
        _database = "storytelling_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var conn = new NpgsqlConnection(_adminConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{_database}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = _database }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var conn = new NpgsqlConnection(_adminConnectionString);
        await conn.OpenAsync();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", conn);
                await cmd.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException) when (attempt < 5)
            {
                // A background worker (autovacuum) may be visiting the fresh database for a moment.
                await Task.Delay(500);
            }
        }
    }
}
