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
        // retries a busy statement only after long sleeps, which stalls concurrent uploads. secure_delete zeroes
        // the pages a delete frees, so a withdrawn story's words do not live on in the file's free space.
        private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA secure_delete=ON;";

        public static readonly Interceptor Instance = new();

        // Pragmas belong to the native connection, which the driver pools; set them once per native connection,
        // not on every logical open (a chunk opens two).
        private readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, object> _prepared = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
        {
            if (!NeedsPragmas(connection)) return;
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
        }

        public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            if (!NeedsPragmas(connection)) return;
            await using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private bool NeedsPragmas(DbConnection connection) =>
            connection is not Microsoft.Data.Sqlite.SqliteConnection { Handle: { } handle } || _prepared.TryAdd(handle, handle);
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
