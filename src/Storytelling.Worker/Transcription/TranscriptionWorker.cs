using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Persistence;
using Storytelling.Core.Telemetry;
using Storytelling.Core.Transcription;

namespace Storytelling.Worker.Transcription;

/// <summary>
/// The worker's main loop: wait for the schema, check the model, claim a job, transcribe it while renewing the
/// lease, write the transcript once. One job at a time per process, because whisper already uses every core given
/// to it; more throughput means more worker processes, which the queue keeps apart.
/// </summary>
internal sealed partial class TranscriptionWorker(
    IServiceScopeFactory scopes,
    ISpeechEngine engine,
    TranscriptionRunner runner,
    IOptions<TranscriptionOptions> options,
    TimeProvider time,
    StorytellingMetrics metrics,
    ILogger<TranscriptionWorker> logger) : BackgroundService
{
    private const string Worked = "";
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    /// <summary>Lease owner and heartbeat id: unique per process start, even when a PID is reused.</summary>
    public string WorkerId { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    private TimeSpan RenewInterval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, options.Value.LeaseDuration.Ticks / 3));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, Environment.MachineName, Environment.ProcessId);
        var lastState = "";
        while (!stoppingToken.IsCancellationRequested)
        {
            string state;
            try
            {
                state = await StepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                state = "database unreachable (" + e.GetType().Name + ")";
            }
            if (state == Worked) continue; // look for the next job at once
            if (state != lastState)
            {
                LogState(logger, state);
                lastState = state;
            }
            try
            {
                await Task.Delay(options.Value.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await BeatAsync(WorkerState.Stopped, null, CancellationToken.None);
        LogStopped(logger);
    }

    private async Task<string> StepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) return "waiting for database migrations";
        var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();

        if (engine.CheckReady() is { } problem)
        {
            await queue.MarkWaitingForModelAsync(problem, ct);
            await BeatAsync(WorkerState.WaitingForModel, problem, ct);
            return "waiting for model: " + problem;
        }
        await BeatAsync(WorkerState.Idle, null, ct);
        var job = await queue.ClaimAsync(WorkerId, ct);
        if (job is null)
        {
            var queued = await db.TranscriptionJobs.CountAsync(j => j.Status == TranscriptionJobStatus.Queued, ct);
            return $"connected, idle; {queued} job(s) queued";
        }
        await ProcessAsync(queue, job, ct);
        return Worked;
    }

    private async Task ProcessAsync(JobQueue queue, ClaimedJob job, CancellationToken stoppingToken)
    {
        LogClaimed(logger, job.JobId, job.Attempt, job.DurationMs);
        // One span per attempt (with the queue's queries under it); tags say how much audio, never whose.
        using var activity = StorytellingMetrics.Activities.StartActivity("transcribe");
        activity?.SetTag("storytelling.audio.seconds", job.DurationMs / 1000.0);
        activity?.SetTag("storytelling.attempt", job.Attempt);
        await BeatAsync(WorkerState.Transcribing, null, stoppingToken);
        using var jobCts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var renewCts = new CancellationTokenSource();
        var progress = 0;
        var leaseLost = false;
        var renewing = RenewLoopAsync(job, () => Volatile.Read(ref progress), () =>
        {
            leaseLost = true;
            jobCts.Cancel();
        }, renewCts.Token);
        var started = time.GetTimestamp();
        try
        {
            var outcome = await runner.RunAsync(job, p => Volatile.Write(ref progress, p), jobCts.Token);
            await StopAsync(renewCts, renewing);
            var seconds = time.GetElapsedTime(started).TotalSeconds;
            // The transcript is written even while shutting down: the work is done, losing it would waste it.
            if (await queue.CompleteAsync(job, WorkerId, outcome, CancellationToken.None))
            {
                metrics.Transcribed(seconds, job.DurationMs / 1000.0, engine.ModelName, engine.Runtime ?? "unknown");
                Finished(activity, outcome.Segments.Count > 0 ? "transcribed" : "no_speech");
                LogCompleted(logger, job.JobId, outcome.Segments.Count, seconds);
            }
            else
            {
                Finished(activity, "lease_lost");
                LogLeaseLost(logger, job.JobId);
            }
        }
        catch (OperationCanceledException) when (leaseLost)
        {
            Finished(activity, "lease_lost");
            LogLeaseLost(logger, job.JobId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await StopAsync(renewCts, renewing);
            await queue.ReleaseAsync(job, WorkerId, TranscriptionJobStatus.Queued, null, CancellationToken.None);
            Finished(activity, "released");
            LogReleased(logger, job.JobId);
        }
        catch (Exception e) when (e is AudioDecodeException or EngineFailedException)
        {
            await StopAsync(renewCts, renewing);
            await queue.FailAttemptAsync(job, WorkerId, e.Message, e is EngineFailedException { Permanent: true }, CancellationToken.None);
            Finished(activity, "attempt_failed", e.GetType().Name);
            LogAttemptFailed(logger, job.JobId, job.Attempt, e.GetType().Name);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await StopAsync(renewCts, renewing);
            await queue.FailAttemptAsync(job, WorkerId,
                $"Uitschrijven mislukte door een onverwachte fout ({e.GetType().Name}); het wordt later opnieuw geprobeerd.", false, CancellationToken.None);
            Finished(activity, "attempt_failed", e.GetType().Name);
            LogAttemptCrashed(logger, e, job.JobId, job.Attempt);
        }
        finally
        {
            await StopAsync(renewCts, renewing);
        }
    }

    private void Finished(Activity? activity, string outcome, string? error = null)
    {
        metrics.JobFinished(outcome);
        activity?.SetTag("storytelling.outcome", outcome);
        // The exception's type only: its message may carry a path.
        if (error is not null) activity?.SetStatus(ActivityStatusCode.Error, error);
    }

    private async Task RenewLoopAsync(ClaimedJob job, Func<int> progress, Action onLost, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewInterval, time, ct);
                await using var scope = scopes.CreateAsyncScope();
                var queue = scope.ServiceProvider.GetRequiredService<JobQueue>();
                if (!await queue.RenewAsync(job.JobId, WorkerId, progress(), ct))
                {
                    onLost();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // A database blip: keep working, the lease has room for several missed renewals.
                LogRenewFailed(logger, job.JobId, e.GetType().Name);
            }
        }
    }

    private static async Task StopAsync(CancellationTokenSource cts, Task loop)
    {
        if (!cts.IsCancellationRequested) await cts.CancelAsync();
        await loop;
    }

    private async Task BeatAsync(WorkerState state, string? message, CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
            var now = time.GetUtcNow();
            var row = await db.WorkerHeartbeats.FindAsync([WorkerId], ct);
            if (row is null)
            {
                row = new WorkerHeartbeat { Id = WorkerId, Machine = Environment.MachineName, StartedAt = _startedAt };
                db.WorkerHeartbeats.Add(row);
            }
            row.State = state;
            row.Message = message;
            row.ModelName = state == WorkerState.WaitingForModel ? null : engine.ModelName;
            row.Runtime = engine.Runtime;
            row.LastSeenAt = now;
            await db.SaveChangesAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || ct == CancellationToken.None)
        {
            LogBeatFailed(logger, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker started on {Machine} as process {ProcessId}")]
    private static partial void LogStarted(ILogger logger, string machine, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker state: {State}")]
    private static partial void LogState(ILogger logger, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transcription job {JobId} claimed (attempt {Attempt}, {DurationMs} ms of audio)")]
    private static partial void LogClaimed(ILogger logger, Guid jobId, int attempt, long durationMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transcription job {JobId} done: {Segments} segment(s) in {Seconds:F1} s")]
    private static partial void LogCompleted(ILogger logger, Guid jobId, int segments, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcription job {JobId}: lease lost to another worker; result discarded")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transcription job {JobId} released for another worker (shutting down)")]
    private static partial void LogReleased(ILogger logger, Guid jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcription job {JobId} attempt {Attempt} failed ({Kind})")]
    private static partial void LogAttemptFailed(ILogger logger, Guid jobId, int attempt, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Transcription job {JobId} attempt {Attempt} failed unexpectedly")]
    private static partial void LogAttemptCrashed(ILogger logger, Exception exception, Guid jobId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transcription job {JobId}: lease renewal failed ({Kind}); will retry")]
    private static partial void LogRenewFailed(ILogger logger, Guid jobId, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker heartbeat could not be written ({Kind})")]
    private static partial void LogBeatFailed(ILogger logger, string kind);
}
