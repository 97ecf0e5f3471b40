using Storytelling.Core.Configuration;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Persistence;

public sealed class PostgresPersistenceTests : PersistenceContract
{
    private readonly PostgresFixture _postgres = new();

    protected override DatabaseOptions Database => new() { Provider = DatabaseOptions.Postgres, ConnectionString = _postgres.ConnectionString };

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
}
