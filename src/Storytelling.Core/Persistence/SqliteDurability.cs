using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Storytelling.Core.Persistence;

/// <summary>
/// SQLite in WAL mode fsyncs every commit when synchronous=FULL, and SQLite has one writer at a time, so 100 phones
/// sending chunks would queue behind each other's fsync. Every connection therefore runs with synchronous=NORMAL
/// (still crash-safe: an application crash loses nothing, the database never corrupts; only a power cut may undo
/// the last commits), and the few commits that must survive a power cut — a story received, a receipt code handed
/// out — ask for FULL explicitly through <see cref="DurablyAsync"/>. Losing a chunk's progress costs one re-sent chunk.
/// </summary>
public static class SqliteDurability
{
    internal sealed class Interceptor : DbConnectionInterceptor
    {
        // busy_timeout lets SQLite itself wait for the write lock in millisecond steps; without it the driver
        // retries a busy statement only after long sleeps, which stalls concurrent uploads.
        private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";

        public static readonly Interceptor Instance = new();

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => SetNormal(connection);

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private static void SetNormal(DbConnection connection)
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Saves changes so that they survive a power cut, on either provider.</summary>
    public static async Task DurablyAsync(this StorytellingDbContext db, Func<Task> save, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            await save(); // PostgreSQL commits are durable by default
            return;
        }
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous=FULL;", cancellationToken);
            await save();
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA synchronous=NORMAL;", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }
}
