using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Storytelling.Core.Configuration;
using Storytelling.Core.Persistence;

namespace Storytelling.Data.Postgres;

/// <summary>Used only by dotnet-ef to create migrations; nothing connects at design time.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<StorytellingDbContext>
{
    public StorytellingDbContext CreateDbContext(string[] args)
    {
        var builder = new DbContextOptionsBuilder<StorytellingDbContext>();
        CoreServiceCollectionExtensions.ConfigureDatabase(builder, new DatabaseOptions
        {
            Provider = DatabaseOptions.Postgres,
            ConnectionString = "Host=127.0.0.1;Database=design_time",
        });
        return new StorytellingDbContext(builder.Options);
    }
}
