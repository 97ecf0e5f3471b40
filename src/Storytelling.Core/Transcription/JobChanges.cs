using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Storytelling.Core.Fabric;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Core.Transcription;

/// <summary>
/// A job's state or progress as open project pages learn it: ids and numbers only, never a name, text or path.
/// <see cref="Analysable"/> says whether readers who see only analysable stories may hear of it (the teller's consent).
/// </summary>
public sealed record JobChange(Guid ProjectId, Guid StoryId, Guid JobId, TranscriptionJobStatus Status, int Percent, bool Analysable);

/// <summary>
/// Where the worker (and the web node that queues a job) announce a job's change. With Redis it is a Redis channel
/// every web node subscribes to; without Redis it does nothing, because the one web node watches the job table itself.
/// Publishing is best-effort: the database stays the truth, and a page that missed a message refreshes on reconnect.
/// </summary>
public interface IJobChanges
{
    /// <summary>False where nobody listens on a channel (no Redis): callers skip the look-up a message needs.</summary>
    bool Publishes { get; }

    Task PublishAsync(JobChange change, CancellationToken ct);
}

public static class JobChanges
{
    public const string ChannelName = "jobs";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Serialize(JobChange change) => JsonSerializer.Serialize(change, Json);

    /// <summary>Null for a message that is not a job change (another version, or garbage on the channel).</summary>
    public static JobChange? Deserialize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        try
        {
            return JsonSerializer.Deserialize<JobChange>(text, Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Redis when the fabric has a connection, nothing otherwise.</summary>
    public static IServiceCollection AddJobChanges(this IServiceCollection services)
    {
        services.AddSingleton<IJobChanges>(sp => sp.GetService<IConnectionMultiplexer>() is { } redis
            ? new RedisJobChanges(redis, sp.GetRequiredService<IOptions<RedisOptions>>(), sp.GetRequiredService<ILogger<RedisJobChanges>>())
            : new NoJobChanges());
        return services;
    }

    /// <summary>
    /// Publishes the current state of the given jobs, read in one query (project, story, consent), so every caller
    /// says only which jobs changed. Does nothing without a channel.
    /// </summary>
    public static async Task PublishJobsAsync(this IJobChanges changes, StorytellingDbContext db, IReadOnlyCollection<Guid> jobIds, CancellationToken ct)
    {
        if (!changes.Publishes || jobIds.Count == 0) return;
        var rows = await db.TranscriptionJobs.AsNoTracking().Where(j => jobIds.Contains(j.Id)).AsChanges().ToListAsync(ct);
        foreach (var change in rows) await changes.PublishAsync(change, ct);
    }

    /// <summary>
    /// Jobs as open pages hear of them, with project, story and consent read in the same query (the consent test is
    /// <see cref="AnalysisConsent.AllowsAnalysis"/>, written out so EF Core translates it).
    /// </summary>
    public static IQueryable<JobChange> AsChanges(this IQueryable<TranscriptionJob> jobs) =>
        jobs.Select(j => new JobChange(j.Recording!.Story!.ProjectId, j.Recording.StoryId, j.Id, j.Status, j.ProgressPercent,
            (j.Recording.Story.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis));
}

internal sealed class NoJobChanges : IJobChanges
{
    public bool Publishes => false;

    public Task PublishAsync(JobChange change, CancellationToken ct) => Task.CompletedTask;
}

internal sealed partial class RedisJobChanges(IConnectionMultiplexer redis, IOptions<RedisOptions> options, ILogger<RedisJobChanges> logger) : IJobChanges
{
    private readonly RedisChannel _channel = options.Value.Channel(JobChanges.ChannelName);

    public bool Publishes => true;

    public async Task PublishAsync(JobChange change, CancellationToken ct)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, JobChanges.Serialize(change)).WaitAsync(ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The job's state is in the database already; open pages catch up when their connection comes back.
            LogPublishFailed(logger, change.JobId, e.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce the change of transcription job {JobId} on Redis ({Error}); pages catch up on reconnect")]
    private static partial void LogPublishFailed(ILogger logger, Guid jobId, string error);
}
