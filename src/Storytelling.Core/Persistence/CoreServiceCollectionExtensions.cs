using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Storytelling.Core.Configuration;
using Storytelling.Core.Transcription;
using Storytelling.Core.Storage;
using Storytelling.Core.Telemetry;

namespace Storytelling.Core.Persistence;

public static class CoreServiceCollectionExtensions
{
    /// <summary>Database, media store, options and time: what both the web app and the worker need.</summary>
    public static IServiceCollection AddStorytellingCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // Our instruments; they record into nothing until telemetry is switched on (Telemetry/TelemetrySetup).
        services.AddMetrics();
        services.TryAddSingleton<StorytellingMetrics>();

        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TranscriptionOptions>, TranscriptionOptionsValidator>();
        services.AddOptions<TranscriptionOptions>().BindConfiguration(TranscriptionOptions.Section).ValidateOnStart();

        // The provider is read when the first context is built, after ValidateOnStart has vetted the options,
        // so a wrong provider name ends in the validator's sentence and never in a provider's stack trace.
        // Pooled: upload chunks arrive by the hundred per second, and each would otherwise build a context anew.
        services.AddDbContextPool<StorytellingDbContext>((sp, builder) =>
            ConfigureDatabase(builder, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));

        services.AddSingleton<IMediaStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>();
            return options.Value.IsAzureBlob
                ? ActivatorUtilities.CreateInstance<AzureBlobMediaStore>(sp)
                : ActivatorUtilities.CreateInstance<DiskMediaStore>(sp);
        });
        return services;
    }

    public static void ConfigureDatabase(DbContextOptionsBuilder builder, DatabaseOptions options)
    {
        if (options.IsPostgres)
        {
            builder.UseNpgsql(options.ConnectionString, o => o.MigrationsAssembly("Storytelling.Data.Postgres"));
        }
        else
        {
            builder.UseSqlite(options.ConnectionString, o => o.MigrationsAssembly("Storytelling.Data.Sqlite"))
                .AddInterceptors(SqliteDurability.Interceptor.Instance);
        }
    }

    /// <summary>Applies pending migrations. For SQLite it also creates the folder and turns on WAL, so the web
    /// app and the worker can read and write the same file at once.</summary>
    public static async Task MigrateDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var options = scope.ServiceProvider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        if (options.IsSqlite)
        {
            var path = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        }
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        await db.Database.MigrateAsync(cancellationToken);
        if (options.IsSqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }
}
