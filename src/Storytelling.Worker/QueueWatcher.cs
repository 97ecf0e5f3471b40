using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Transcription;

namespace Storytelling.Worker;

/// <summary>
/// The worker's main loop. Transcription itself arrives with the transcription issue; for now the worker proves it
/// reaches the same database as the web app, waits for its schema, and reports the queue it will serve.
/// </summary>
internal sealed partial class QueueWatcher(IServiceScopeFactory scopes, TimeProvider time, ILogger<QueueWatcher> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, Environment.MachineName, Environment.ProcessId);
        var lastState = "";
        while (!stoppingToken.IsCancellationRequested)
        {
            var state = await ProbeAsync(stoppingToken);
            if (state != lastState)
            {
                LogState(logger, state);
                lastState = state;
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        LogStopped(logger);
    }

    private async Task<string> ProbeAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
            if ((await db.Database.GetPendingMigrationsAsync(ct)).Any()) return "waiting for database migrations";
            var queued = await db.TranscriptionJobs.CountAsync(j => j.Status == TranscriptionJobStatus.Queued, ct);
            return $"connected, idle; {queued} job(s) queued";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return "database unreachable (" + e.GetType().Name + ")";
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker started on {Machine} as process {ProcessId}")]
    private static partial void LogStarted(ILogger logger, string machine, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker state: {State}")]
    private static partial void LogState(ILogger logger, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker stopped")]
    private static partial void LogStopped(ILogger logger);
}
