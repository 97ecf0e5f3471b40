using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Storytelling.Core.Persistence;
using Storytelling.Core.Transcription;

namespace Storytelling.Web.Hosting;

/// <summary>
/// Transcription runs in the worker, perhaps on another machine, so the web app reads what the workers last wrote.
/// Degraded (still HTTP 200: the web app itself serves) when recordings cannot be transcribed, with the one sentence
/// that says how to fix it — usually "download a model".
/// </summary>
internal sealed class TranscriptionHealthCheck(StorytellingDbContext db, TimeProvider time) : IHealthCheck
{
    internal static readonly TimeSpan Alive = TimeSpan.FromMinutes(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var since = time.GetUtcNow() - Alive;
            var workers = await db.WorkerHeartbeats.AsNoTracking()
                .Where(w => w.LastSeenAt >= since && w.State != WorkerState.Stopped)
                .Select(w => new { w.State, w.Message, w.Runtime }).ToListAsync(cancellationToken);
            var waiting = await db.TranscriptionJobs.CountAsync(
                j => j.Status == TranscriptionJobStatus.Queued || j.Status == TranscriptionJobStatus.WaitingForModel, cancellationToken);
            var ready = workers.Count(w => w.State != WorkerState.WaitingForModel);
            if (ready == 0 && workers.FirstOrDefault(w => w.State == WorkerState.WaitingForModel) is { } stuck)
                return HealthCheckResult.Degraded(stuck.Message ?? "Transcription is waiting for a model; run 'Storytelling.Worker models download base'.");
            if (ready == 0 && waiting > 0)
                return HealthCheckResult.Degraded($"{waiting} recording(s) wait for transcription, but no worker has reported in the last {Alive.TotalMinutes:0} minutes; start Storytelling.Worker (infra/run.sh starts it).");
            // Which Whisper.net runtime each ready worker loaded, e.g. "runtime cpu" or "runtimes cpu, cuda".
            var runtimes = workers.Where(w => w.State != WorkerState.WaitingForModel && w.Runtime is not null)
                .Select(w => w.Runtime!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var on = runtimes.Count == 0 ? "" : $" (Whisper.net runtime{(runtimes.Count > 1 ? "s" : "")} {string.Join(", ", runtimes)})";
            return HealthCheckResult.Healthy($"{ready} transcription worker(s) ready{on}; {waiting} recording(s) waiting.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Degraded("The transcription state could not be read from the database.");
        }
    }
}
