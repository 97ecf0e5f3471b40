using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Capture;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;

namespace Storytelling.Web.Features.Capture;

/// <summary>Deletes uploads nobody continued within the session lifetime, staged bytes included.</summary>
public sealed partial class UploadSessionJanitor(IServiceScopeFactory scopes, TimeProvider time, ILogger<UploadSessionJanitor> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogSweepFailed(logger, e.GetType().Name);
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IMediaStore>();
        var now = time.GetUtcNow();
        var expired = await db.UploadSessions.AsNoTracking().Where(u => u.ExpiresAt < now).OrderBy(u => u.ExpiresAt).Take(500).ToListAsync(ct);
        var removed = 0;
        foreach (var session in expired)
        {
            // A completed session's bytes are a story's recording now. An abandoned one's bytes belong to nobody:
            // staged chunks, and a blob already committed by a completion that never finished (a probe timed out).
            if (session.Status == UploadStatus.Receiving)
            {
                await store.DeleteStagedAsync(session.BlobName, ct);
                await store.DeleteAsync(session.BlobName, ct);
            }
            // Several web nodes may sweep at once; whoever deletes the row first counts it.
            removed += await db.UploadSessions.Where(u => u.Id == session.Id && u.ExpiresAt < now).ExecuteDeleteAsync(ct);
        }
        if (removed > 0) LogSwept(logger, removed);
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired upload session(s)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired uploads failed ({Error}); will try again")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
