using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Announces codings to a workshop room, in small batches once the room is busy. A room that made fewer than
/// <see cref="WorkshopOptions.CodingPushBusyPerSecond"/> codings in the last second gets each at once (a room of 40
/// makes about 8). In a busier room the first coding after a quiet spell still goes out at once, and those that follow
/// within <see cref="WorkshopOptions.CodingPushWindowMs"/> wait for the end of that window and go out together: a
/// room of 400 tagging every few seconds then costs each phone (and the Redis backplane) one message per window
/// instead of one per coding.
/// </summary>
public sealed partial class CodingPacer(IHubContext<WorkshopHub> hub, IOptions<WorkshopOptions> options, ILogger<CodingPacer> logger)
{
    private sealed class Lane
    {
        public bool Open;
        public List<CodingDto> Waiting = [];
        // Codings counted per second (Environment.TickCount64), this one and the one before.
        public long SecondStartedAt;
        public int ThisSecond, LastSecond;

        public bool CountAndTellBusy(int busyPerSecond)
        {
            var now = Environment.TickCount64;
            if (now - SecondStartedAt >= 1000)
            {
                LastSecond = now - SecondStartedAt < 2000 ? ThisSecond : 0;
                ThisSecond = 0;
                SecondStartedAt = now;
            }
            ThisSecond++;
            return Math.Max(ThisSecond, LastSecond) >= busyPerSecond;
        }
    }

    // One lane per session this node has announced to: a few dozen small objects a day, so they are kept.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Lane> _lanes = new();
    private readonly TimeSpan _window = TimeSpan.FromMilliseconds(options.Value.CodingPushWindowMs);
    private readonly int _busyPerSecond = options.Value.CodingPushBusyPerSecond;

    /// <summary>Announces <paramref name="coding"/> (already fit for the room) to the session's group.</summary>
    public Task AnnounceAsync(Guid sessionId, CodingDto coding, CancellationToken cancellationToken)
    {
        if (_window <= TimeSpan.Zero) return SendAsync(sessionId, [coding], cancellationToken);
        var lane = _lanes.GetOrAdd(sessionId, _ => new Lane());
        bool openWindow;
        lock (lane)
        {
            var busy = lane.CountAndTellBusy(_busyPerSecond);
            if (lane.Open)
            {
                lane.Waiting.Add(coding);
                return Task.CompletedTask;
            }
            openWindow = lane.Open = busy;
        }
        // Real time, not the injected TimeProvider: this paces the transport, it is not a time in the domain.
        if (openWindow) _ = Task.Run(() => DrainAsync(sessionId, lane), CancellationToken.None);
        return SendAsync(sessionId, [coding], cancellationToken);
    }

    private async Task DrainAsync(Guid sessionId, Lane lane)
    {
        while (true)
        {
            await Task.Delay(_window);
            List<CodingDto> batch;
            lock (lane)
            {
                if (lane.Waiting.Count == 0)
                {
                    lane.Open = false;
                    return;
                }
                batch = lane.Waiting;
                lane.Waiting = [];
            }
            try
            {
                // Not the author's token: the author's request has long been answered, and the room still needs these.
                await SendAsync(sessionId, batch, CancellationToken.None);
            }
            catch (Exception e)
            {
                // The codings are saved; a phone that missed this sees them when it next opens the story.
                LogSendFailed(logger, batch.Count, e);
            }
        }
    }

    private Task SendAsync(Guid sessionId, IReadOnlyList<CodingDto> codings, CancellationToken cancellationToken) =>
        hub.Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.CodingsAdded, codings, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing {Count} codings to a workshop room failed")]
    private static partial void LogSendFailed(ILogger logger, int count, Exception exception);
}
