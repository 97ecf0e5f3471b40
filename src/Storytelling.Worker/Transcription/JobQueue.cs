using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;

namespace Storytelling.Worker.Transcription;

/// <summary>What a worker needs to know about the job it holds.</summary>
internal sealed record ClaimedJob(Guid JobId, Guid RecordingId, Guid StoryId, string BlobName, string Format,
    long DurationMs, string Language, int Attempt);

/// <summary>
/// The database is the queue. A worker claims a job by one guarded UPDATE (only a queued job, or a running job
/// whose lease ran out, can be taken), so two workers can never hold the same job: on PostgreSQL the candidate row is
/// also locked with FOR UPDATE SKIP LOCKED so workers on several machines pass each other instead of waiting.
/// Every later write is guarded by "I still hold the lease", so a worker that lost its lease cannot overwrite the
/// work of the one that took over; and the transcript's unique (story, version) index makes version 1 exist once.
/// </summary>
internal sealed partial class JobQueue(StorytellingDbContext db, IOptions<TranscriptionOptions> options, TimeProvider time, IJobChanges changes,
    ILogger<JobQueue> logger)
{
    private TranscriptionOptions Options => options.Value;

    /// <summary>Claims the oldest due job, or returns null when there is none.</summary>
    public async Task<ClaimedJob?> ClaimAsync(string workerId, CancellationToken ct)
    {
        await FailExhaustedAsync(ct);
        var now = time.GetUtcNow();
        for (var tries = 0; tries < 5; tries++)
        {
            var claimed = db.Database.IsNpgsql()
                ? await ClaimOnPostgresAsync(workerId, now, ct)
                : await ClaimGuardedAsync(workerId, now, ct);
            if (claimed is null) return null;
            if (claimed.Value.Won)
            {
                await AnnounceAsync(claimed.Value.Id, ct);
                return await LoadAsync(claimed.Value.Id, ct);
            }
        }
        return null; // lost every race this round; the next poll tries again
    }

    private async Task<(Guid Id, bool Won)?> ClaimOnPostgresAsync(string workerId, DateTimeOffset now, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var utc = now.ToUniversalTime();
        var ids = await db.Database.SqlQuery<Guid>($"""
            SELECT "Id" AS "Value" FROM "TranscriptionJobs"
            WHERE ("Status" IN ('Queued', 'WaitingForModel') AND "NotBefore" <= {utc})
               OR ("Status" = 'Running' AND "LeaseExpiresAt" < {utc})
            ORDER BY "CreatedAt"
            LIMIT 1
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(ct);
        if (ids.Count == 0) return null;
        var won = await TakeAsync(ids[0], workerId, now, ct);
        await tx.CommitAsync(ct);
        return (ids[0], won);
    }

    private async Task<(Guid Id, bool Won)?> ClaimGuardedAsync(string workerId, DateTimeOffset now, CancellationToken ct)
    {
        var id = await Due(now).OrderBy(j => j.CreatedAt).Select(j => (Guid?)j.Id).FirstOrDefaultAsync(ct);
        if (id is null) return null;
        return (id.Value, await TakeAsync(id.Value, workerId, now, ct));
    }

    private IQueryable<TranscriptionJob> Due(DateTimeOffset now) => db.TranscriptionJobs.Where(j =>
        ((j.Status == TranscriptionJobStatus.Queued || j.Status == TranscriptionJobStatus.WaitingForModel) && j.NotBefore <= now)
        || (j.Status == TranscriptionJobStatus.Running && j.LeaseExpiresAt < now));

    /// <summary>The guarded UPDATE: it changes the row only if the job is still up for grabs.</summary>
    private async Task<bool> TakeAsync(Guid id, string workerId, DateTimeOffset now, CancellationToken ct)
    {
        var lease = now + Options.LeaseDuration;
        var rows = await Due(now).Where(j => j.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, TranscriptionJobStatus.Running)
            .SetProperty(j => j.LeaseOwner, workerId)
            .SetProperty(j => j.LeaseExpiresAt, lease)
            .SetProperty(j => j.Attempts, j => j.Attempts + 1)
            .SetProperty(j => j.ProgressPercent, 0), ct);
        if (rows == 1) await SetStoryStatusAsync(id, StoryStatus.Transcribing, ct);
        return rows == 1;
    }

    private async Task<ClaimedJob?> LoadAsync(Guid jobId, CancellationToken ct)
    {
        var job = await db.TranscriptionJobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new
            {
                j.Id, j.RecordingId, j.Recording!.StoryId, j.Recording.BlobName, j.Recording.Format, j.Recording.DurationMs,
                StoryLanguage = j.Recording.Story!.Language, ProjectLanguage = j.Recording.Story.Project!.DefaultLanguage,
                j.Attempts, j.Recording.AudioDeletedAt,
            })
            .SingleOrDefaultAsync(ct);
        if (job is null) return null; // the story was withdrawn between claim and load
        return new ClaimedJob(job.Id, job.RecordingId, job.StoryId, job.BlobName, job.Format, job.DurationMs,
            string.IsNullOrWhiteSpace(job.StoryLanguage) ? job.ProjectLanguage : job.StoryLanguage, job.Attempts);
    }

    /// <summary>
    /// A job whose lease ran out after its last allowed attempt belonged to a worker that died each time (a native
    /// crash or the machine running out of memory): taking it again would only crash again, so it fails here.
    /// </summary>
    private async Task FailExhaustedAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var max = Options.MaxAttempts;
        var exhausted = await db.TranscriptionJobs
            .Where(j => j.Status == TranscriptionJobStatus.Running && j.LeaseExpiresAt < now && j.Attempts >= max)
            .Select(j => j.Id).ToListAsync(ct);
        foreach (var id in exhausted)
        {
            var reason = $"Uitschrijven is {max} keer halverwege afgebroken (het werkproces stopte); de opname is mogelijk beschadigd of te zwaar voor deze computer.";
            var rows = await db.TranscriptionJobs
                .Where(j => j.Id == id && j.Status == TranscriptionJobStatus.Running && j.LeaseExpiresAt < now)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.Status, TranscriptionJobStatus.Failed)
                    .SetProperty(j => j.LastError, reason)
                    .SetProperty(j => j.LeaseOwner, (string?)null)
                    .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                    .SetProperty(j => j.CompletedAt, now), ct);
            if (rows == 1)
            {
                await SetStoryStatusAsync(id, StoryStatus.Failed, ct);
                LogExhausted(logger, id, max);
                await AnnounceAsync(id, ct);
            }
        }
    }

    /// <summary>Extends the lease and publishes progress; false means the lease is lost and the work must stop.</summary>
    public async Task<bool> RenewAsync(Guid jobId, string workerId, int progressPercent, CancellationToken ct)
    {
        var lease = time.GetUtcNow() + Options.LeaseDuration;
        var percent = Math.Clamp(progressPercent, 0, 99);
        var held = await Held(jobId, workerId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.LeaseExpiresAt, lease)
            .SetProperty(j => j.ProgressPercent, percent), ct) == 1;
        if (held) await AnnounceAsync(jobId, ct);
        return held;
    }

    private IQueryable<TranscriptionJob> Held(Guid jobId, string workerId) => db.TranscriptionJobs
        .Where(j => j.Id == jobId && j.LeaseOwner == workerId && j.Status == TranscriptionJobStatus.Running);

    /// <summary>
    /// Writes the machine transcript (version 1) and closes the job in one transaction, only while this worker
    /// holds the lease. Returns false when another worker took the job over, in which case nothing is written.
    /// </summary>
    public async Task<bool> CompleteAsync(ClaimedJob job, string workerId, TranscriptionOutcome outcome, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var speech = outcome.Segments.Count > 0;
        var strategy = db.Database.CreateExecutionStrategy();
        var completed = await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var rows = await Held(job.JobId, workerId).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, speech ? TranscriptionJobStatus.Succeeded : TranscriptionJobStatus.NoSpeech)
                .SetProperty(j => j.ProgressPercent, 100)
                .SetProperty(j => j.LeaseOwner, (string?)null)
                .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(j => j.LastError, (string?)null)
                .SetProperty(j => j.CompletedAt, now), ct);
            if (rows == 0)
            {
                await tx.RollbackAsync(ct);
                return false;
            }
            if (speech && !await db.Transcripts.AnyAsync(t => t.StoryId == job.StoryId && t.Version == 1, ct))
            {
                db.Transcripts.Add(new Transcript
                {
                    StoryId = job.StoryId,
                    Version = 1,
                    Origin = TranscriptOrigin.Machine,
                    Language = outcome.Language,
                    ModelName = outcome.ModelName,
                    CreatedAt = now,
                    Segments = outcome.Segments.Select((s, i) => new TranscriptSegment
                    {
                        Position = i, StartMs = s.StartMs, EndMs = s.EndMs, Text = s.Text, Language = outcome.Language,
                        Confidence = s.Probability,
                        WordTimes = WordTimes.Encode((s.Words ?? []).Select(w => new TimedWord(w.StartMs, w.EndMs, w.Text))),
                    }).ToList(),
                });
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
            }
            await SetStoryStatusAsync(job.JobId, speech ? StoryStatus.Transcribed : StoryStatus.NoSpeech, ct);
            await tx.CommitAsync(ct);
            return true;
        });
        if (completed) await AnnounceAsync(job.JobId, ct);
        return completed;
    }

    /// <summary>
    /// Records a failed attempt: the job goes back to the queue after an exponential back-off, or, after the last
    /// attempt (or for a reason retrying cannot fix), ends as failed with <paramref name="reason"/> for a facilitator.
    /// </summary>
    public async Task FailAttemptAsync(ClaimedJob job, string workerId, string reason, bool permanent, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var final = permanent || job.Attempt >= Options.MaxAttempts;
        var delay = TimeSpan.FromTicks(Math.Min(Options.RetryBaseDelay.Ticks * (1L << Math.Min(job.Attempt - 1, 20)), TimeSpan.FromHours(1).Ticks));
        var text = Truncate(reason, 1000);
        var rows = await Held(job.JobId, workerId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, final ? TranscriptionJobStatus.Failed : TranscriptionJobStatus.Queued)
            .SetProperty(j => j.LastError, text)
            .SetProperty(j => j.LeaseOwner, (string?)null)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.ProgressPercent, 0)
            .SetProperty(j => j.NotBefore, now + delay)
            .SetProperty(j => j.CompletedAt, final ? now : (DateTimeOffset?)null), ct);
        if (rows == 1)
        {
            await SetStoryStatusAsync(job.JobId, final ? StoryStatus.Failed : StoryStatus.Received, ct);
            await AnnounceAsync(job.JobId, ct);
        }
    }

    /// <summary>Gives the job back untouched (shutdown, or the model went missing): the attempt does not count.</summary>
    public async Task ReleaseAsync(ClaimedJob job, string workerId, TranscriptionJobStatus status, string? message, CancellationToken ct)
    {
        var rows = await Held(job.JobId, workerId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, status)
            .SetProperty(j => j.Attempts, j => j.Attempts - 1)
            .SetProperty(j => j.LeaseOwner, (string?)null)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.ProgressPercent, 0)
            .SetProperty(j => j.LastError, message), ct);
        if (rows == 1)
        {
            await SetStoryStatusAsync(job.JobId, StoryStatus.Received, ct);
            await AnnounceAsync(job.JobId, ct);
        }
    }

    /// <summary>Puts every due queued job in "waiting for model", so the stories say why nothing happens.</summary>
    public async Task<int> MarkWaitingForModelAsync(string message, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var text = Truncate(message, 1000);
        var affected = db.TranscriptionJobs
            .Where(j => (j.Status == TranscriptionJobStatus.Queued && j.NotBefore <= now)
                        || (j.Status == TranscriptionJobStatus.WaitingForModel && j.LastError != text));
        // Only a channel needs to know which jobs these were; the update itself stays one statement.
        var ids = changes.Publishes ? await affected.Select(j => j.Id).ToListAsync(ct) : [];
        var rows = await affected.ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, TranscriptionJobStatus.WaitingForModel)
            .SetProperty(j => j.LastError, text), ct);
        await changes.PublishJobsAsync(db, ids, ct);
        return rows;
    }

    /// <summary>Tells open project pages (through Redis, when set) where the job stands now.</summary>
    private Task AnnounceAsync(Guid jobId, CancellationToken ct) => changes.PublishJobsAsync(db, [jobId], ct);

    private Task<int> SetStoryStatusAsync(Guid jobId, StoryStatus status, CancellationToken ct) =>
        db.Stories.Where(s => db.TranscriptionJobs.Any(j => j.Id == jobId && j.Recording!.StoryId == s.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, status), ct);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcription job {JobId} failed: its worker stopped during each of {Attempts} attempts")]
    private static partial void LogExhausted(ILogger logger, Guid jobId, int attempts);
}

/// <summary>The pipeline's result for one recording; empty segments mean no speech was found.</summary>
internal sealed record TranscriptionOutcome(IReadOnlyList<OutcomeSegment> Segments, string? Language, string ModelName);

/// <param name="Words">When each word was spoken (from Whisper's token timestamps); empty when the engine gave none.</param>
internal readonly record struct OutcomeSegment(long StartMs, long EndMs, string Text, float Probability, IReadOnlyList<OutcomeWord> Words)
{
    public OutcomeSegment(long startMs, long endMs, string text, float probability) : this(startMs, endMs, text, probability, []) { }
}

/// <summary>One spoken word, times in milliseconds of the original recording; <see cref="Text"/> has no surrounding spaces.</summary>
internal readonly record struct OutcomeWord(long StartMs, long EndMs, string Text);
