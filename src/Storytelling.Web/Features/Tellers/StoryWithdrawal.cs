using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Tellers;

/// <summary>
/// Takes a story back for good: every row that holds its words or points at its audio, and the audio itself.
/// The teller's page and a facilitator (on the teller's behalf) both come here. What stays is one audit entry,
/// "story.withdrawn", with ids and the time only.
/// </summary>
public sealed partial class StoryWithdrawal(StorytellingDbContext db, PendingBlobDeletions blobs, TimeProvider time,
    IEnumerable<IStoryWithdrawalListener> listeners, ILogger<StoryWithdrawal> logger)
{
    /// <summary>False when there is no such story (already withdrawn, or never there).</summary>
    public async Task<bool> WithdrawAsync(Guid storyId, Guid? actorPersonId, CancellationToken ct)
    {
        var story = await db.Stories.AsNoTracking().Where(s => s.Id == storyId)
            .Select(s => new { s.Id, s.ProjectId }).SingleOrDefaultAsync(ct);
        if (story is null) return false;

        var blobNames = new List<string>();
        var strategy = db.Database.CreateExecutionStrategy();
        var withdrawn = await strategy.ExecuteAsync(async () =>
        {
            blobNames.Clear();
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // The job goes first. On PostgreSQL deleting its row waits for a worker that is committing a transcript
            // right now, so that transcript is visible (and deleted) below; from then on every lease-guarded write
            // of the worker matches no row and changes nothing.
            await db.TranscriptionJobs.Where(j => j.Recording!.StoryId == storyId).ExecuteDeleteAsync(ct);
            foreach (var listener in listeners) await listener.OnStoryWithdrawingAsync(story.ProjectId, storyId, ct);

            var transcriptIds = db.Transcripts.Where(t => t.StoryId == storyId).Select(t => t.Id);
            var codingIds = db.Codings.Where(c => transcriptIds.Contains(c.TranscriptId)).Select(c => c.Id);
            await db.WorkshopSessions.Where(w => w.SpotlightCodingId != null && codingIds.Contains(w.SpotlightCodingId.Value))
                .ExecuteUpdateAsync(s => s.SetProperty(w => w.SpotlightCodingId, (Guid?)null), ct);
            await db.Codings.Where(c => transcriptIds.Contains(c.TranscriptId)).ExecuteDeleteAsync(ct);
            // Segments explicitly (not by cascade) so SQLite's search triggers fire for every one of them.
            await db.TranscriptSegments.Where(s => transcriptIds.Contains(s.TranscriptId)).ExecuteDeleteAsync(ct);
            await db.Transcripts.Where(t => t.StoryId == storyId).ExecuteDeleteAsync(ct);
            await db.Pseudonyms.Where(p => p.StoryId == storyId).ExecuteDeleteAsync(ct);
            blobNames.AddRange(await db.UploadSessions.Where(u => u.StoryId == storyId).Select(u => u.BlobName).ToListAsync(ct));
            await db.UploadSessions.Where(u => u.StoryId == storyId).ExecuteDeleteAsync(ct);
            // The silenced copies of its recordings go with them.
            blobNames.AddRange(await db.AudioRenditions.Where(r => r.Recording!.StoryId == storyId).Select(r => r.BlobName).ToListAsync(ct));
            await db.AudioRenditions.Where(r => r.Recording!.StoryId == storyId).ExecuteDeleteAsync(ct);
            blobNames.AddRange(await db.Recordings.Where(r => r.StoryId == storyId).Select(r => r.BlobName).ToListAsync(ct));
            await db.Recordings.Where(r => r.StoryId == storyId).ExecuteDeleteAsync(ct);
            var rows = await db.Stories.Where(s => s.Id == storyId).ExecuteDeleteAsync(ct);
            if (rows == 0)
            {
                await tx.RollbackAsync(ct);
                return false; // withdrawn by someone else a moment ago
            }
            // The blobs are promised for deletion in the same commit (an outbox): if this process dies before the
            // store answers, the sweep still deletes them.
            blobs.Enqueue(blobNames.Distinct(StringComparer.Ordinal));
            db.Record(time, "story.withdrawn", actorPersonId, story.ProjectId, "story", storyId);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return true;
        });
        if (!withdrawn) return false;
        LogWithdrawn(logger, storyId, story.ProjectId, blobNames.Count);
        foreach (var listener in listeners) await listener.OnStoryWithdrawnAsync(story.ProjectId, storyId, ct);

        // Deleted pages of SQLite are zeroed (secure_delete, see SqliteDurability); fold the WAL back into the file
        // and drop the search index's deleted entries, so the words are not left in the file's free space either.
        if (db.Database.IsSqlite()) await ScrubSqliteAsync(ct);
        await blobs.DeleteDueAsync(blobNames, ct);
        return true;
    }

    private async Task ScrubSqliteAsync(CancellationToken ct)
    {
        try
        {
            if (await HasSearchIndexAsync(ct))
                await db.Database.ExecuteSqlRawAsync("""INSERT INTO "TranscriptSegmentSearch"("TranscriptSegmentSearch") VALUES('optimize');""", ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);", ct);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // Busy readers can delay the checkpoint; the next checkpoint overwrites the frames. The rows are gone either way.
            LogScrubDelayed(logger, e.SqliteErrorCode);
        }
    }

    private async Task<bool> HasSearchIndexAsync(CancellationToken ct) =>
        await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM sqlite_master WHERE name = 'TranscriptSegmentSearch'""")
            .SingleAsync(ct) > 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Story {StoryId} of project {ProjectId} withdrawn; {Blobs} blobs to delete")]
    private static partial void LogWithdrawn(ILogger logger, Guid storyId, Guid projectId, int blobs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite scrub after a withdrawal was delayed (error {Code}); the next checkpoint completes it")]
    private static partial void LogScrubDelayed(ILogger logger, int code);
}
