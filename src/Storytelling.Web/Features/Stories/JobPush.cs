using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Storytelling.Core.Fabric;
using Storytelling.Core.Persistence;
using Storytelling.Core.Transcription;

namespace Storytelling.Web.Features.Stories;

/// <summary>What an open stories page receives: the story, the state code of <see cref="TranscriptionStatusDto"/> and
/// the percentage while it runs. Ids and numbers only; the page asks for labels and reasons in its own language.</summary>
public sealed record JobMessage(Guid StoryId, string State, int? Percent)
{
    public const string Method = "job";

    public static JobMessage From(JobChange change) => change.Status switch
    {
        TranscriptionJobStatus.Queued => new(change.StoryId, "queued", null),
        TranscriptionJobStatus.Running => new(change.StoryId, "transcribing", Math.Clamp(change.Percent, 0, 100)),
        TranscriptionJobStatus.WaitingForModel => new(change.StoryId, "waiting-for-model", null),
        TranscriptionJobStatus.Succeeded => new(change.StoryId, "ready", 100),
        TranscriptionJobStatus.NoSpeech => new(change.StoryId, "no-speech", 100),
        _ => new(change.StoryId, "failed", null),
    };
}

/// <summary>Section "Storytelling:Progress": how often the one web node without Redis looks at the job table.</summary>
public sealed class ProgressOptions
{
    public const string Section = "Storytelling:Progress";

    [Range(typeof(TimeSpan), "00:00:00.1", "00:01:00", ErrorMessage = "Setting Storytelling:Progress:WatchInterval must lie between 0.1 second and 1 minute, e.g. 00:00:01.")]
    public TimeSpan WatchInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The pages watching on THIS node. Each node delivers to its own connections only: with the Redis backplane a group
/// send from every node would reach every page once per node, and the consent rule is per connection anyway.
/// </summary>
public sealed class JobAudience
{
    private sealed record Watcher(Guid ProjectId, bool SeesAll);

    private readonly ConcurrentDictionary<string, Watcher> _watchers = new();

    public void Watch(string connectionId, Guid projectId, bool seesAll) => _watchers[connectionId] = new(projectId, seesAll);

    public void Leave(string connectionId) => _watchers.TryRemove(connectionId, out _);

    public bool IsEmpty => _watchers.IsEmpty;

    public IReadOnlyList<string> For(JobChange change) =>
        _watchers.Where(w => w.Value.ProjectId == change.ProjectId && (w.Value.SeesAll || change.Analysable)).Select(w => w.Key).ToList();
}

/// <summary>Sends one change to the pages of this node that may hear of it.</summary>
public sealed class JobPush(JobAudience audience, IHubContext<ProjectHub> hub)
{
    public async Task PushAsync(JobChange change, CancellationToken ct)
    {
        var connections = audience.For(change);
        if (connections.Count == 0) return;
        var message = JobMessage.From(change);
        // Client(id) writes straight to a connection of this node, also with the backplane: no round trip through Redis.
        foreach (var id in connections) await hub.Clients.Client(id).SendAsync(JobMessage.Method, message, ct);
    }
}

/// <summary>
/// Feeds <see cref="JobPush"/>. With Redis it listens on the channel the worker publishes on. Without Redis (one web
/// node) it looks at the job table once per interval for all projects — the active jobs, those that were active at
/// the previous look and those that finished in the last minute — and pushes what changed since; it skips the look
/// while nobody watches. Changes are found by comparing states, so a look never announces the same state twice; the
/// minute covers a job that came and went between two looks (or while nobody watched).
/// </summary>
public sealed partial class JobFeed(IServiceProvider services, JobAudience audience, JobPush push, IOptions<ProgressOptions> options,
    TimeProvider time, ILogger<JobFeed> logger) : BackgroundService
{
    private static readonly TimeSpan RecentlyFinished = TimeSpan.FromMinutes(1);

    private Dictionary<Guid, (TranscriptionJobStatus Status, int Percent)> _seen = [];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        services.GetService<IConnectionMultiplexer>() is { } redis ? ListenAsync(redis, stoppingToken) : WatchTableAsync(stoppingToken);

    private async Task ListenAsync(IConnectionMultiplexer redis, CancellationToken ct)
    {
        var channel = services.GetRequiredService<IOptions<RedisOptions>>().Value.Channel(JobChanges.ChannelName);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var queue = await redis.GetSubscriber().SubscribeAsync(channel).WaitAsync(ct);
                // One message at a time, in the order published: a page never sees "done" before the last percentage.
                queue.OnMessage(async message =>
                {
                    if (JobChanges.Deserialize(message.Message) is not { } change) return;
                    try
                    {
                        await push.PushAsync(change, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogPushFailed(logger, change.JobId, e.GetType().Name);
                    }
                });
                LogListening(logger);
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The multiplexer re-subscribes by itself once subscribed; this covers a Redis that was down at start.
                LogSubscribeFailed(logger, e.GetType().Name);
                await Task.Delay(TimeSpan.FromSeconds(5), TimeProvider.System, ct);
            }
        }
    }

    private async Task WatchTableAsync(CancellationToken ct)
    {
        // The real clock paces the look: it is a cadence, not a time the domain reasons about, and a test clock that
        // stands still must not stop open pages from following.
        using var timer = new PeriodicTimer(options.Value.WatchInterval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (audience.IsEmpty) continue;
                try
                {
                    await LookAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogLookFailed(logger, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static bool IsActive(TranscriptionJobStatus s) =>
        s is TranscriptionJobStatus.Queued or TranscriptionJobStatus.Running or TranscriptionJobStatus.WaitingForModel;

    private async Task LookAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var wereActive = _seen.Where(s => IsActive(s.Value.Status)).Select(s => s.Key).ToList();
        var since = time.GetUtcNow() - RecentlyFinished;
        var rows = await db.TranscriptionJobs.AsNoTracking()
            .Where(j => j.Status == TranscriptionJobStatus.Queued || j.Status == TranscriptionJobStatus.Running
                        || j.Status == TranscriptionJobStatus.WaitingForModel || wereActive.Contains(j.Id) || j.CompletedAt >= since)
            .AsChanges().ToListAsync(ct);
        var next = new Dictionary<Guid, (TranscriptionJobStatus, int)>(rows.Count);
        foreach (var change in rows)
        {
            var state = (change.Status, change.Percent);
            // Remembered while the query still returns it, so a finished job is announced once.
            next[change.JobId] = state;
            if (_seen.TryGetValue(change.JobId, out var before) && before == state) continue;
            await push.PushAsync(change, ct);
        }
        _seen = next;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening for transcription progress on Redis")]
    private static partial void LogListening(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to transcription progress on Redis ({Error}); trying again in 5 s")]
    private static partial void LogSubscribeFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not push the change of transcription job {JobId} to open pages ({Error})")]
    private static partial void LogPushFailed(ILogger logger, Guid jobId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look at the transcription jobs for open pages ({Error}); trying again next interval")]
    private static partial void LogLookFailed(ILogger logger, string error);
}
