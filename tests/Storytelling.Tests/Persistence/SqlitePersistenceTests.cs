using Storytelling.Core.Configuration;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Persistence;

public sealed class SqlitePersistenceTests : PersistenceContract
{
    private readonly string _folder = Repo.NewTempFolder("sqlite");

    protected override DatabaseOptions Database => new()
    {
        Provider = DatabaseOptions.Sqlite,
        ConnectionString = $"Data Source={Path.Combine(_folder, "st.db")}",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Repo.DeleteFolder(_folder);
    }
}
