extern alias worker;
using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Transcription;

namespace Storytelling.Tests.Worker;

/// <summary>The queue's promises, on SQLite (embedded) and PostgreSQL (several workers on several machines).</summary>
public abstract class JobQueueContract : IAsyncLifetime
{
    private WorkerHarness _h = null!;
    private static readonly TranscriptionOutcome Words = new(
        [new OutcomeSegment(0, 1200, "Vroeger stond hier een bakker.", 0.8f), new OutcomeSegment(1300, 2500, "Op de hoek.", 0.7f)], "nl", "ggml-test.bin");
    private static readonly TranscriptionOutcome Silence = new([], null, "ggml-test.bin");

    protected abstract Task<string?> DatabaseAsync();
    protected virtual Task DropDatabaseAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _h = await WorkerHarness.StartAsync(await DatabaseAsync(), new Dictionary<string, string>
    {
        ["Storytelling__Transcription__RetryBaseDelay"] = "00:00:10",
        ["Storytelling__Transcription__LeaseDuration"] = "00:01:00",
        ["Storytelling__Transcription__MaxAttempts"] = "3",
    });

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        await DropDatabaseAsync();
    }

    private Task<ClaimedJob?> ClaimAsync(string worker) => _h.WithQueueAsync(q => q.ClaimAsync(worker, CancellationToken.None));
    private Task<bool> CompleteAsync(ClaimedJob job, string worker, TranscriptionOutcome outcome) =>
        _h.WithQueueAsync(q => q.CompleteAsync(job, worker, outcome, CancellationToken.None));
    private Task<bool> FailAsync(ClaimedJob job, string worker, bool permanent = false) =>
        _h.WithQueueAsync(async q => { await q.FailAttemptAsync(job, worker, "De opname kon niet worden omgezet (ffmpeg: Invalid data).", permanent, CancellationToken.None); return true; });
    private Task<int> TranscriptCountAsync(Guid storyId) => _h.WithDbAsync(db => db.Transcripts.CountAsync(t => t.StoryId == storyId));

    [Fact]
    public async Task A_job_is_claimed_by_one_worker_oldest_first_with_the_project_language()
    {
        var first = await _h.SeedRowsAsync("a", "webm", 8000);
        var second = await _h.SeedRowsAsync("b", "webm", 8000, language: "ar");

        var a = await ClaimAsync("w1");
        var b = await ClaimAsync("w2");
        Assert.Null(await ClaimAsync("w3"));

        Assert.Equal(first.JobId, a!.JobId);
        Assert.Equal("nl", a.Language); // the project's default
        Assert.Equal(second.JobId, b!.JobId);
        Assert.Equal("ar", b.Language); // the teller's own choice wins
        var job = await _h.JobAsync(first.JobId);
        Assert.Equal((TranscriptionJobStatus.Running, "w1", 1), (job.Status, job.LeaseOwner, job.Attempts));
        Assert.Equal(StoryStatus.Transcribing, await _h.StoryStatusAsync(first.StoryId));
    }

    [Fact]
    public async Task A_job_whose_lease_ran_out_is_taken_over_and_the_old_holder_can_no_longer_write()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        var stale = (await ClaimAsync("w1"))!;
        _h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await ClaimAsync("w2")); // the lease still runs
        _h.Time.Advance(TimeSpan.FromSeconds(31));
        var fresh = (await ClaimAsync("w2"))!;
        Assert.Equal((jobId, 2), (fresh.JobId, fresh.Attempt));

        Assert.False(await _h.WithQueueAsync(q => q.RenewAsync(jobId, "w1", 50, CancellationToken.None)));
        Assert.False(await CompleteAsync(stale, "w1", Words));
        Assert.Equal(0, await TranscriptCountAsync(storyId));

        Assert.True(await CompleteAsync(fresh, "w2", Words));
        Assert.False(await CompleteAsync(fresh, "w2", Words)); // a repeated completion writes nothing
        Assert.Equal(1, await TranscriptCountAsync(storyId));
        var transcript = await _h.WithDbAsync(db => db.Transcripts.Include(t => t.Segments).SingleAsync(t => t.StoryId == storyId));
        Assert.Equal((1, "nl", "ggml-test.bin", 2), (transcript.Version, transcript.Language, transcript.ModelName, transcript.Segments.Count));
        Assert.Equal([0, 1], transcript.Segments.OrderBy(s => s.Position).Select(s => s.Position));
        var job = await _h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.Succeeded, 100, null), (job.Status, job.ProgressPercent, job.LeaseOwner));
        Assert.Equal(StoryStatus.Transcribed, await _h.StoryStatusAsync(storyId));
    }

    [Fact]
    public async Task The_machine_version_keeps_when_each_word_was_spoken()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("w", "webm", 8000);
        var job = await ClaimAsync("w1");
        Assert.Equal(jobId, job!.JobId);
        var timed = new TranscriptionOutcome(
        [
            new OutcomeSegment(0, 1200, "Ik ben Fatima.", 0.8f, [new(0, 300, "Ik"), new(300, 600, "ben"), new(600, 900, "Fa"), new(900, 1200, "tima.")]),
            new OutcomeSegment(1300, 2500, "Op de hoek.", 0.7f),
        ], "nl", "ggml-test.bin");
        Assert.True(await CompleteAsync(job, "w1", timed));
        var segments = await _h.WithDbAsync(db => db.TranscriptSegments.Where(s => db.Transcripts.Any(t => t.Id == s.TranscriptId && t.StoryId == storyId)).OrderBy(s => s.Position).ToListAsync());
        Assert.Equal(new Storytelling.Core.Transcripts.TimedWord[] { new(0, 300, "Ik"), new(300, 600, "ben"), new(600, 900, "Fa"), new(900, 1200, "tima.") },
            Storytelling.Core.Transcripts.WordTimes.Decode(segments[0].WordTimes));
        Assert.Null(segments[1].WordTimes); // the engine gave no words for it
    }

    [Fact]
    public async Task Renewing_extends_the_lease_and_publishes_progress()
    {
        var (_, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        await ClaimAsync("w1");
        for (var i = 1; i <= 3; i++)
        {
            _h.Time.Advance(TimeSpan.FromSeconds(40));
            Assert.True(await _h.WithQueueAsync(q => q.RenewAsync(jobId, "w1", i * 30, CancellationToken.None)));
        }
        Assert.Null(await ClaimAsync("w2")); // 120 s after the claim, but renewed
        Assert.Equal(90, (await _h.JobAsync(jobId)).ProgressPercent);
    }

    [Fact]
    public async Task Failed_attempts_back_off_exponentially_then_fail_with_the_reason()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("poison", "m4a", 8000);
        var job = (await ClaimAsync("w1"))!;
        await FailAsync(job, "w1");
        Assert.Equal(TranscriptionJobStatus.Queued, (await _h.JobAsync(jobId)).Status);
        Assert.Equal(StoryStatus.Received, await _h.StoryStatusAsync(storyId));
        Assert.Null(await ClaimAsync("w1")); // not before 10 s
        _h.Time.Advance(TimeSpan.FromSeconds(10));
        job = (await ClaimAsync("w1"))!;
        await FailAsync(job, "w1");
        _h.Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Null(await ClaimAsync("w1")); // the second wait is 20 s
        _h.Time.Advance(TimeSpan.FromSeconds(1));
        job = (await ClaimAsync("w1"))!;
        Assert.Equal(3, job.Attempt);
        await FailAsync(job, "w1");

        var failed = await _h.JobAsync(jobId);
        Assert.Equal(TranscriptionJobStatus.Failed, failed.Status);
        Assert.Contains("ffmpeg", failed.LastError);
        Assert.Equal(StoryStatus.Failed, await _h.StoryStatusAsync(storyId));
        _h.Time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await ClaimAsync("w1"));
    }

    [Fact]
    public async Task A_permanent_failure_is_not_retried()
    {
        var (_, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        await FailAsync((await ClaimAsync("w1"))!, "w1", permanent: true);
        Assert.Equal((TranscriptionJobStatus.Failed, 1), ((await _h.JobAsync(jobId)).Status, (await _h.JobAsync(jobId)).Attempts));
    }

    [Fact]
    public async Task A_job_whose_worker_died_during_every_attempt_ends_as_failed_with_a_readable_reason()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(attempt, (await ClaimAsync("w" + attempt))!.Attempt);
            _h.Time.Advance(TimeSpan.FromMinutes(2)); // the process is gone: nobody renews
        }
        Assert.Null(await ClaimAsync("w4"));
        var job = await _h.JobAsync(jobId);
        Assert.Equal(TranscriptionJobStatus.Failed, job.Status);
        Assert.Contains("3 keer", job.LastError);
        Assert.Equal(StoryStatus.Failed, await _h.StoryStatusAsync(storyId));
    }

    [Fact]
    public async Task Releasing_on_shutdown_gives_the_job_back_without_counting_the_attempt()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        var job = (await ClaimAsync("w1"))!;
        await _h.WithQueueAsync(async q => { await q.ReleaseAsync(job, "w1", TranscriptionJobStatus.Queued, null, CancellationToken.None); return 0; });
        var released = await _h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.Queued, 0, null), (released.Status, released.Attempts, released.LeaseOwner));
        Assert.Equal(StoryStatus.Received, await _h.StoryStatusAsync(storyId));
        Assert.Equal(jobId, (await ClaimAsync("w2"))!.JobId);
    }

    [Fact]
    public async Task No_speech_closes_the_job_without_a_transcript()
    {
        var (storyId, jobId) = await _h.SeedRowsAsync("a", "webm", 20000);
        Assert.True(await CompleteAsync((await ClaimAsync("w1"))!, "w1", Silence));
        Assert.Equal(TranscriptionJobStatus.NoSpeech, (await _h.JobAsync(jobId)).Status);
        Assert.Equal(StoryStatus.NoSpeech, await _h.StoryStatusAsync(storyId));
        Assert.Equal(0, await TranscriptCountAsync(storyId));
    }

    [Fact]
    public async Task Without_a_model_queued_jobs_wait_with_the_fix_and_are_taken_once_it_is_there()
    {
        var (_, jobId) = await _h.SeedRowsAsync("a", "webm", 8000);
        const string fix = "Transcription is waiting for a model: run 'Storytelling.Worker models download base'.";
        Assert.Equal(1, await _h.WithQueueAsync(q => q.MarkWaitingForModelAsync(fix, CancellationToken.None)));
        Assert.Equal(0, await _h.WithQueueAsync(q => q.MarkWaitingForModelAsync(fix, CancellationToken.None))); // idempotent
        var waiting = await _h.JobAsync(jobId);
        Assert.Equal((TranscriptionJobStatus.WaitingForModel, fix), (waiting.Status, waiting.LastError));
        Assert.Equal(jobId, (await ClaimAsync("w1"))!.JobId);
    }

    [Fact]
    public async Task Three_workers_claiming_at_once_take_every_one_of_20_jobs_exactly_once()
    {
        var seeded = new List<Guid>();
        for (var i = 0; i < 20; i++) seeded.Add((await _h.SeedRowsAsync("r" + i, "webm", 8000)).JobId);
        var taken = new ConcurrentBag<(Guid Job, string Worker)>();
        await Task.WhenAll(Enumerable.Range(1, 3).Select(w => Task.Run(async () =>
        {
            var id = "w" + w;
            while (await ClaimAsync(id) is { } job)
            {
                taken.Add((job.JobId, id));
                Assert.True(await CompleteAsync(job, id, Words));
            }
        })));
        Assert.Equal(seeded.Order(), taken.Select(t => t.Job).Order());
        Assert.Equal(20, await _h.WithDbAsync(db => db.Transcripts.CountAsync()));
        Assert.Equal(20, await _h.WithDbAsync(db => db.TranscriptionJobs.CountAsync(j => j.Status == TranscriptionJobStatus.Succeeded && j.Attempts == 1)));
    }
}

public sealed class SqliteJobQueueTests : JobQueueContract
{
    protected override Task<string?> DatabaseAsync() => Task.FromResult<string?>(null);
}

public sealed class PostgresJobQueueTests : JobQueueContract
{
    private readonly PostgresFixture _postgres = new();

    protected override async Task<string?> DatabaseAsync()
    {
        await _postgres.InitializeAsync();
        return _postgres.ConnectionString;
    }

    protected override Task DropDatabaseAsync() => _postgres.DisposeAsync();
}
