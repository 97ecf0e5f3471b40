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
        var expired = await db.UploadSessions.Where(u => u.ExpiresAt < now).Take(500).ToListAsync(ct);
        foreach (var session in expired)
        {
            // A completed session's bytes are a story's recording now; only the staging of an abandoned one goes.
            if (session.Status == UploadStatus.Receiving) await store.DeleteStagedAsync(session.BlobName, ct);
            db.UploadSessions.Remove(session);
        }
        await db.SaveChangesAsync(ct);
        if (expired.Count > 0) LogSwept(logger, expired.Count);
        return expired.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} expired upload session(s)")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping expired uploads failed ({Error}); will try again")]
    private static partial void LogSweepFailed(ILogger logger, string error);
}
