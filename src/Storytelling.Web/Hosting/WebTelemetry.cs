using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Storytelling.Core.Capture;
using Storytelling.Core.Persistence;
using Storytelling.Core.Telemetry;
using Storytelling.Core.Transcription;

namespace Storytelling.Web.Hosting;

/// <summary>
/// The web app's telemetry: the shared setup plus ASP.NET Core's requests (spans named by route template, the raw
/// path, query, client address and user agent removed), the gauges of the queue and the open uploads, and the count
/// of every refusal the app writes as ProblemDetails.
/// </summary>
public static partial class WebTelemetry
{
    public static IServiceCollection AddStorytellingWebTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var on = services.AddStorytellingTelemetry(configuration, "storytelling-web",
            tracing: t => t.AddAspNetCoreInstrumentation(o =>
            {
                o.Filter = http => !http.Request.Path.StartsWithSegments("/health");
                o.EnrichWithHttpResponse = (activity, response) => Impersonal(activity, response.HttpContext);
            }),
            metrics: m => m.AddAspNetCoreInstrumentation());
        if (on) services.AddHostedService<QueueGauges>();
        return services;
    }

    /// <summary>Addresses carry project, story and upload ids and capture tokens: a span keeps the route template only.</summary>
    private static void Impersonal(Activity activity, HttpContext http)
    {
        var template = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        activity.SetTag("url.path", template is null ? null : "/" + template.TrimStart('/'));
        // SetTag with null removes the tag.
        activity.SetTag("url.query", null);
        activity.SetTag("client.address", null);
        activity.SetTag("network.peer.address", null);
        activity.SetTag("user_agent.original", null);
    }

    /// <summary>
    /// Hooked into AddProblemDetails: every problem the app writes — an endpoint's refusal, a validation problem, the
    /// rate limiter's 429, a 401/403/404 by the status-code pages — passes here once, so it is counted in one place.
    /// The tag is the code the API gives (<c>not_collecting</c>) or, without one, a name for the status.
    /// </summary>
    public static void CountRefusal(ProblemDetailsContext context)
    {
        var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
        var code = context.ProblemDetails.Extensions.TryGetValue("code", out var c) && c is string s && CodeShape().IsMatch(s)
            ? s
            : context.ProblemDetails is HttpValidationProblemDetails ? "validation" : StatusName(status);
        context.HttpContext.RequestServices.GetRequiredService<StorytellingMetrics>().Refused(code, status);
    }

    private static string StatusName(int status) => status switch
    {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        410 => "gone",
        411 => "length_required",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "rate_limited",
        >= 500 => "server_error",
        _ => "http_" + status,
    };

    [GeneratedRegex("^[a-z][a-z_]{0,39}$")]
    private static partial Regex CodeShape();
}

/// <summary>
/// Jobs per state, the oldest waiting job's age and the uploads in flight, counted in the database every
/// <c>QueueSampleInterval</c> (a gauge's callback must not query). Every web node reports the same whole-installation
/// figures, so a dashboard takes their max, not their sum.
/// </summary>
internal sealed partial class QueueGauges(
    IServiceScopeFactory scopes, StorytellingMetrics metrics, IOptions<TelemetryOptions> options, TimeProvider time,
    ILogger<QueueGauges> logger) : BackgroundService
{
    private sealed record Snapshot(IReadOnlyDictionary<TranscriptionJobStatus, int> Jobs, double OldestWaitingSeconds, int UploadsInFlight);

    private volatile Snapshot? _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        metrics.Meter.CreateObservableGauge("storytelling.transcription.jobs", JobsPerState, "{job}",
            "Transcription jobs in the database per state (queued, running, waiting_for_model, succeeded, no_speech, failed).");
        metrics.Meter.CreateObservableGauge("storytelling.transcription.queue.age", () => _last?.OldestWaitingSeconds ?? 0, "s",
            "Age of the oldest job still waiting to be transcribed (queued or waiting for a model); 0 when none waits.");
        metrics.Meter.CreateObservableGauge("storytelling.uploads.in_flight", () => _last?.UploadsInFlight ?? 0, "{upload}",
            "Uploads started and neither completed nor expired.");

        using var timer = new PeriodicTimer(options.Value.QueueSampleInterval, time);
        do
        {
            try
            {
                _last = await SampleAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database may not be migrated yet or be briefly away; the gauges keep their last figures.
                LogSampleFailed(logger, e.GetType().Name);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private IEnumerable<Measurement<int>> JobsPerState()
    {
        if (_last is not { } last) yield break;
        foreach (var state in Enum.GetValues<TranscriptionJobStatus>())
            yield return new Measurement<int>(last.Jobs.GetValueOrDefault(state), new KeyValuePair<string, object?>("state", StateName(state)));
    }

    private async Task<Snapshot> SampleAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var now = time.GetUtcNow();
        var jobs = await db.TranscriptionJobs.GroupBy(j => j.Status).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        var oldest = await db.TranscriptionJobs
            .Where(j => j.Status == TranscriptionJobStatus.Queued || j.Status == TranscriptionJobStatus.WaitingForModel)
            .OrderBy(j => j.CreatedAt).Select(j => (DateTimeOffset?)j.CreatedAt).FirstOrDefaultAsync(ct);
        var uploads = await db.UploadSessions.CountAsync(u => u.Status == UploadStatus.Receiving && u.ExpiresAt > now, ct);
        return new Snapshot(jobs.ToDictionary(j => j.Key, j => j.Count),
            oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0, uploads);
    }

    /// <summary>snake_case, like every other tag value we emit.</summary>
    private static string StateName(TranscriptionJobStatus s) => s switch
    {
        TranscriptionJobStatus.Queued => "queued",
        TranscriptionJobStatus.Running => "running",
        TranscriptionJobStatus.WaitingForModel => "waiting_for_model",
        TranscriptionJobStatus.Succeeded => "succeeded",
        TranscriptionJobStatus.NoSpeech => "no_speech",
        TranscriptionJobStatus.Failed => "failed",
        _ => "other",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue gauges could not be sampled ({Kind}); keeping the last figures")]
    private static partial void LogSampleFailed(ILogger logger, string kind);
}
