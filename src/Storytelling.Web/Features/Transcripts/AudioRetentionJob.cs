using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// Once a day, for every project with <c>AudioRetentionDays</c> set, deletes the audio of recordings older than that
/// many days and marks them <c>AudioDeletedAt</c>; the story, its consent and every transcript version stay.
/// Audio whose story has no transcript yet (still queued, waiting for a model, or failed) is kept: deleting it would
/// lose the story itself. Runs in the web app, not the worker, because the web app is the one process every
/// installation runs and the job needs only the database and the media store; several web nodes running it at
/// once do no harm (deleting a deleted blob is a no-op and only one node's update marks a recording).
/// </summary>
public sealed partial class AudioRetentionJob(IServiceScopeFactory scopes, TimeProvider time, ILogger<AudioRetentionJob> logger) : BackgroundService
{
    internal static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(2);
    internal static readonly TimeSpan Interval = TimeSpan.FromDays(1);
    private const int Batch = 200;

    public sealed record RetentionRun(int RecordingsDeleted, int Projects);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = FirstRunDelay;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            delay = Interval;
            try
            {
                await RunAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e.GetType().Name);
            }
        }
    }

    public async Task<RetentionRun> RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IMediaStore>();
        var now = time.GetUtcNow();
        var projects = await db.Projects.AsNoTracking().Where(p => p.AudioRetentionDays != null)
            .Select(p => new { p.Id, Days = p.AudioRetentionDays!.Value }).ToListAsync(ct);
        var deleted = 0;
        var touched = 0;
        foreach (var project in projects)
        {
            var cutoff = now.AddDays(-project.Days);
            var inProject = 0;
            while (true)
            {
                var due = await db.Recordings.AsNoTracking()
                    .Where(r => r.AudioDeletedAt == null && r.CreatedAt < cutoff && r.Story!.ProjectId == project.Id
                        && db.Transcripts.Any(t => t.StoryId == r.StoryId))
                    .OrderBy(r => r.CreatedAt).Select(r => new { r.Id, r.BlobName }).Take(Batch).ToListAsync(ct);
                if (due.Count == 0) break;
                foreach (var recording in due)
                {
                    // Bytes first, mark second: a crash in between leaves a marked-nothing to redo, never an orphaned blob.
                    // The silenced copies first of all, since the recording's mark ends the search for them.
                    foreach (var copy in await db.AudioRenditions.AsNoTracking().Where(r => r.RecordingId == recording.Id)
                                 .Select(r => new { r.Id, r.BlobName }).ToListAsync(ct))
                    {
                        await store.DeleteAsync(copy.BlobName, ct);
                        await db.AudioRenditions.Where(r => r.Id == copy.Id).ExecuteDeleteAsync(ct);
                    }
                    await store.DeleteAsync(recording.BlobName, ct);
                    var marked = await db.Recordings.Where(r => r.Id == recording.Id && r.AudioDeletedAt == null)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.AudioDeletedAt, now), ct);
                    if (marked == 0) continue;
                    db.Record(time, "recording.audio-deleted", null, project.Id, "recording", recording.Id);
                    inProject++;
                }
                await db.SaveChangesAsync(ct);
                if (due.Count < Batch) break;
            }
            if (inProject > 0)
            {
                touched++;
                deleted += inProject;
                LogProject(logger, project.Id, inProject, project.Days);
            }
        }
        LogRun(logger, deleted, touched, projects.Count);
        return new RetentionRun(deleted, touched);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audio retention: deleted the audio of {Count} recording(s) in project {ProjectId} (older than {Days} days)")]
    private static partial void LogProject(ILogger logger, Guid projectId, int count, int days);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audio retention run: {Deleted} recording(s) in {Projects} of {ProjectsWithRetention} project(s) with a retention period")]
    private static partial void LogRun(ILogger logger, int deleted, int projects, int projectsWithRetention);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audio retention run failed ({Error}); will try again tomorrow")]
    private static partial void LogFailed(ILogger logger, string error);
}
