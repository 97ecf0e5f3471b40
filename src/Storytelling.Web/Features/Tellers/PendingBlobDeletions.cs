using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;

namespace Storytelling.Web.Features.Tellers;

/// <summary>
/// Blobs that must be deleted, kept as rows until the store confirms: a withdrawal enqueues its blobs in its own
/// transaction, tries at once after the commit, and <see cref="PendingBlobSweeper"/> retries what failed with a
/// growing pause (1 min, 2, 4 … at most 1 h), so a store that is down for a while never leaves audio behind silently.
/// </summary>
public sealed partial class PendingBlobDeletions(StorytellingDbContext db, IMediaStore store, TimeProvider time,
    ILogger<PendingBlobDeletions> logger)
{
    /// <summary>Adds rows to the unit of work; the caller saves them with its own change.</summary>
    public void Enqueue(IEnumerable<string> blobNames)
    {
        var now = time.GetUtcNow();
        foreach (var name in blobNames)
            db.PendingBlobDeletions.Add(new PendingBlobDeletion { BlobName = name, CreatedAt = now, NextAttemptAt = now });
    }

    /// <summary>Tries the due deletions (only those named, when <paramref name="only"/> is given); returns how many remain pending.</summary>
    public async Task<int> DeleteDueAsync(IReadOnlyCollection<string>? only, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var query = db.PendingBlobDeletions.Where(p => p.NextAttemptAt <= now);
        if (only is not null) query = query.Where(p => only.Contains(p.BlobName));
        var due = await query.OrderBy(p => p.NextAttemptAt).Take(100).ToListAsync(ct);
        var failed = 0;
        foreach (var pending in due)
        {
            try
            {
                await store.DeleteAsync(pending.BlobName, ct);
                await store.DeleteStagedAsync(pending.BlobName, ct);
                db.PendingBlobDeletions.Remove(pending);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failed++;
                pending.Attempts++;
                pending.NextAttemptAt = now + TimeSpan.FromMinutes(Math.Min(60, Math.Pow(2, Math.Min(pending.Attempts - 1, 6))));
                LogRetry(logger, pending.Id, pending.Attempts, e.GetType().Name);
            }
        }
        await db.SaveChangesAsync(ct);
        return failed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending blob deletion {PendingId} failed (attempt {Attempts}, {Error}); retried later")]
    private static partial void LogRetry(ILogger logger, Guid pendingId, int attempts, string error);
}

/// <summary>Retries pending blob deletions every <see cref="TellerOptions.BlobSweepMinutes"/> (default: every minute).</summary>
public sealed partial class PendingBlobSweeper(IServiceScopeFactory scopes, TimeProvider time, IOptions<TellerOptions> options,
    ILogger<PendingBlobSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(options.Value.BlobSweepMinutes), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<PendingBlobDeletions>().DeleteDueAsync(null, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pending blob sweep failed ({Error}); next tick retries")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
