using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Storytelling.Core.Fabric;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Which phone connections are in which session, so that closing a session can put its participants out of the room:
/// they get "closed" and are removed from the session's group, so nothing pushed to the group afterwards reaches them,
/// and their hub calls are refused (the hub checks the session is open).
/// A node only ever touches its own connections. With Redis, each node also keeps its phones in a sorted set per
/// session (scored by the last time the node vouched for them, every <see cref="Heartbeat"/>), so
/// <see cref="PhonesInAsync"/> counts every node and a dead node's phones fall out of the count by themselves; and a
/// "session closed" message on Redis makes every node put out its own phones.
/// </summary>
public sealed partial class WorkshopRoom(IHubContext<WorkshopHub> hub, IOptions<RedisOptions> redisOptions, IServiceProvider services,
    TimeProvider time, ILogger<WorkshopRoom> logger) : BackgroundService
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Stale = Heartbeat * 3;

    private readonly ConcurrentDictionary<string, Guid> _phones = new();
    private readonly Lazy<IConnectionMultiplexer?> _redis = new(() => redisOptions.Value.IsConfigured ? services.GetService<IConnectionMultiplexer>() : null);

    internal void Entered(string connectionId, Guid sessionId)
    {
        _phones[connectionId] = sessionId;
        // Fire and forget: the count is advisory, and a join must not wait for (or fail on) Redis.
        _redis.Value?.GetDatabase().SortedSetAdd(PhonesKey(sessionId), connectionId, Now(), CommandFlags.FireAndForget);
    }

    internal void Left(string connectionId)
    {
        if (_phones.TryRemove(connectionId, out var sessionId))
            _redis.Value?.GetDatabase().SortedSetRemove(PhonesKey(sessionId), connectionId, CommandFlags.FireAndForget);
    }

    /// <summary>Connections of participants (not the board) currently in the session, on every node.</summary>
    public async Task<int> PhonesInAsync(Guid sessionId, CancellationToken ct)
    {
        if (_redis.Value is { IsConnected: true } redis)
        {
            try
            {
                return (int)await redis.GetDatabase().SortedSetLengthAsync(PhonesKey(sessionId), Now() - Stale.TotalSeconds).WaitAsync(ct);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogRedisDown(logger, e);
            }
        }
        return _phones.Count(p => p.Value == sessionId);
    }

    /// <summary>Tells the room the session closed and puts every participant's connection out of its group, on every node.</summary>
    public async Task ClosedAsync(Guid sessionId, CancellationToken ct)
    {
        await hub.Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.Closed, ct);
        await PutOutAsync(sessionId, ct);
        if (_redis.Value is { } redis)
        {
            try
            {
                var db = redis.GetDatabase();
                await db.KeyDeleteAsync(PhonesKey(sessionId)).WaitAsync(ct);
                await redis.GetSubscriber().PublishAsync(ClosedChannel, sessionId.ToString("N")).WaitAsync(ct);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The other nodes' phones already got "closed" through the backplane (if it is up) and the hub refuses
                // their calls, since it reads the session's state from the database on every call.
                LogRedisDown(logger, e);
            }
        }
    }

    private async Task PutOutAsync(Guid sessionId, CancellationToken ct)
    {
        var group = WorkshopPush.Group(sessionId);
        foreach (var (connectionId, session) in _phones)
        {
            if (session != sessionId) continue;
            await hub.Groups.RemoveFromGroupAsync(connectionId, group, ct);
            _phones.TryRemove(connectionId, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // connecting to Redis must not hold up the app's start
        if (_redis.Value is not { } redis) return;
        var subscribed = false;
        using var timer = new PeriodicTimer(Heartbeat, time);
        try
        {
            do
            {
                try
                {
                    // Redis may be down when the node starts: the node serves anyway and subscribes once Redis answers
                    // (StackExchange.Redis restores the subscription by itself after later outages).
                    if (!subscribed)
                    {
                        var closed = await redis.GetSubscriber().SubscribeAsync(ClosedChannel);
                        closed.OnMessage(async message =>
                        {
                            if (Guid.TryParseExact((string?)message.Message, "N", out var sessionId)) await PutOutAsync(sessionId, stoppingToken);
                        });
                        subscribed = true;
                    }
                    await VouchAsync(redis.GetDatabase());
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    LogRedisDown(logger, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task VouchAsync(IDatabase db)
    {
        var now = Now();
        foreach (var session in _phones.GroupBy(p => p.Value))
        {
            var key = PhonesKey(session.Key);
            await db.SortedSetAddAsync(key, session.Select(p => new SortedSetEntry(p.Key, now)).ToArray());
            // Phones of nodes that died (no heartbeat) leave the set; the set itself expires with its session.
            await db.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, now - Stale.TotalSeconds);
            await db.KeyExpireAsync(key, TimeSpan.FromDays(1));
        }
    }

    private RedisKey PhonesKey(Guid sessionId) => redisOptions.Value.Key($"workshop:{sessionId:N}:phones");

    private RedisChannel ClosedChannel => redisOptions.Value.Channel("workshop:closed");

    private double Now() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workshop room: Redis did not answer; counting this node's phones only")]
    private static partial void LogRedisDown(ILogger logger, Exception exception);
}
