using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using RedisRateLimiting;
using StackExchange.Redis;
using Storytelling.Core.Fabric;

namespace Storytelling.Web.Security;

/// <summary>What a limit does while Redis is configured but cannot be reached.</summary>
public enum WhenRedisIsDown
{
    /// <summary>Count on this node, as one node always did: the door stays open, the limit holds per node.</summary>
    CountOnThisNode,

    /// <summary>Refuse every attempt until Redis answers again: for doors where a guesser must never get more tries.</summary>
    Refuse,
}

/// <summary>One limit: <see cref="PermitLimit"/> attempts per partition (client address, link) per <see cref="Window"/>.</summary>
public sealed record FixedWindowRule(string Name, int PermitLimit, TimeSpan Window, WhenRedisIsDown WhenRedisIsDown);

/// <summary>
/// The seam every rate limit goes through. Without Redis a limit counts in this process (a fixed window per
/// partition, as before); with <c>Storytelling:Redis</c> it counts in Redis through RedisRateLimiting's fixed-window
/// limiter, so every web node shares one budget. Partition keys reach Redis only as an HMAC under a per-installation
/// secret (kept in Redis, encrypted with the shared Data Protection key ring), so Redis holds no client address.
/// </summary>
public sealed partial class FixedWindowLimits(IOptions<RedisOptions> redisOptions, IServiceProvider services,
    IDataProtectionProvider protection, ILogger<FixedWindowLimits> logger)
{
    private readonly Lazy<IConnectionMultiplexer?> _redis = new(services.GetService<IConnectionMultiplexer>);
    private readonly IDataProtector _protector = protection.CreateProtector("Storytelling.RateLimits.KeySecret.v1");
    private byte[]? _secret;

    public bool Shared => redisOptions.Value.IsConfigured;

    /// <summary>A partition for ASP.NET Core's rate-limiting middleware (policies).</summary>
    public RateLimitPartition<string> Partition(FixedWindowRule rule, string key) => Shared
        ? RateLimitPartition.Get(key, k => new SharedFixedWindowLimiter(this, rule, k))
        : RateLimitPartition.GetFixedWindowLimiter(key, _ => LocalOptions(rule));

    /// <summary>A limiter per partition key for a feature's own door (called with <c>AcquireAsync</c>).</summary>
    public PartitionedRateLimiter<string> Create(FixedWindowRule rule) =>
        PartitionedRateLimiter.Create<string, string>(key => Partition(rule, key));

    internal static FixedWindowRateLimiterOptions LocalOptions(FixedWindowRule rule) =>
        new() { PermitLimit = rule.PermitLimit, Window = rule.Window, QueueLimit = 0, AutoReplenishment = true };

    internal IConnectionMultiplexer? Connection => _redis.Value is { IsConnected: true } c ? c : null;

    /// <summary>The Redis partition key: the rule's name and an HMAC of the clear key, under the installation's prefix.</summary>
    internal async Task<string> RedisKeyAsync(FixedWindowRule rule, string clearKey, IConnectionMultiplexer redis)
    {
        var secret = _secret ??= await SecretAsync(redis);
        var mac = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(rule.Name + "\n" + clearKey));
        return $"{redisOptions.Value.Prefix}:limit:{rule.Name}:{Convert.ToHexStringLower(mac.AsSpan(0, 16))}";
    }

    private async Task<byte[]> SecretAsync(IConnectionMultiplexer redis)
    {
        var key = redisOptions.Value.Key("limits:secret");
        var db = redis.GetDatabase();
        // The first node to ask creates it; every other node reads the same one (SET NX).
        await db.StringSetAsync(key, Convert.ToBase64String(_protector.Protect(RandomNumberGenerator.GetBytes(32))), when: When.NotExists);
        var stored = (string?)await db.StringGetAsync(key);
        try
        {
            return _protector.Unprotect(Convert.FromBase64String(stored ?? ""));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Written under a key ring this installation no longer has: replace it (old windows simply start afresh).
            var fresh = RandomNumberGenerator.GetBytes(32);
            await db.StringSetAsync(key, Convert.ToBase64String(_protector.Protect(fresh)));
            return fresh;
        }
    }

    private long _lastWarning = long.MinValue;

    /// <summary>Says so at most every 30 s, so an outage of Redis does not flood the log with one line per request.</summary>
    internal void WarnRedisDown(string rule, string fallback, Exception? exception)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last, now) < TimeSpan.FromSeconds(30)) return;
        if (Interlocked.CompareExchange(ref _lastWarning, now, last) == last) LogRedisDown(logger, rule, fallback, exception);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Rule}: Redis did not answer; {Fallback}")]
    private static partial void LogRedisDown(ILogger logger, string rule, string fallback, Exception? exception);
}

/// <summary>
/// One partition of a shared limit: RedisRateLimiting's fixed window while Redis answers, and the rule's
/// <see cref="WhenRedisIsDown"/> while it does not (a local fixed window, or refusal).
/// </summary>
internal sealed class SharedFixedWindowLimiter(FixedWindowLimits limits, FixedWindowRule rule, string clearKey) : RateLimiter
{
    private readonly FixedWindowRateLimiter _local = new(FixedWindowLimits.LocalOptions(rule));
    private RedisFixedWindowRateLimiter<string>? _shared;
    private long _idleSince = Stopwatch.GetTimestamp();
    private int _active;

    public override TimeSpan? IdleDuration =>
        Volatile.Read(ref _active) > 0 || _local.IdleDuration is null ? null : Stopwatch.GetElapsedTime(Volatile.Read(ref _idleSince));

    public override RateLimiterStatistics? GetStatistics() => null;

    // Always answered asynchronously: the count lives in Redis (the middleware then calls AcquireAsync).
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => Refused.Instance;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _active);
        try
        {
            if (limits.Connection is { } redis)
            {
                try
                {
                    _shared ??= new RedisFixedWindowRateLimiter<string>(await limits.RedisKeyAsync(rule, clearKey, redis),
                        new RedisFixedWindowRateLimiterOptions { PermitLimit = rule.PermitLimit, Window = rule.Window, ConnectionMultiplexerFactory = () => redis });
                    return await _shared.AcquireAsync(permitCount, cancellationToken);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    return await FallbackAsync(permitCount, e, cancellationToken);
                }
            }
            return await FallbackAsync(permitCount, null, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _idleSince, Stopwatch.GetTimestamp());
            Interlocked.Decrement(ref _active);
        }
    }

    private async ValueTask<RateLimitLease> FallbackAsync(int permitCount, Exception? error, CancellationToken ct)
    {
        var refuse = rule.WhenRedisIsDown == WhenRedisIsDown.Refuse;
        limits.WarnRedisDown(rule.Name, refuse ? "refused" : "counted on this node", error);
        return refuse ? Refused.Instance : await _local.AcquireAsync(permitCount, ct);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
            _shared?.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await _local.DisposeAsync();
        if (_shared is not null) await _shared.DisposeAsync();
        await base.DisposeAsyncCore();
    }

    private sealed class Refused : RateLimitLease
    {
        public static readonly Refused Instance = new();
        public override bool IsAcquired => false;
        public override IEnumerable<string> MetadataNames => [];
        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
