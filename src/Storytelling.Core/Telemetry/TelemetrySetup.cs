using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Storytelling.Core.Telemetry;

/// <summary>
/// What the web app and the worker share: our Meter, EF Core, HttpClient and .NET runtime instrumentation, an OTLP
/// exporter for traces and metrics when <c>OtlpEndpoint</c> is set, a Prometheus scrape listener of its own when
/// <c>PrometheusPort</c> is set. With neither, OpenTelemetry is not registered at all, so nothing listens and
/// nothing is exported.
/// </summary>
public static class TelemetrySetup
{
    /// <returns>Whether telemetry is switched on (so a host can register its own samplers).</returns>
    public static bool AddStorytellingTelemetry(this IServiceCollection services, IConfiguration configuration, string serviceName,
        Action<TracerProviderBuilder>? tracing = null, Action<MeterProviderBuilder>? metrics = null)
    {
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<StorytellingMetrics>();

        // Read here because exporters are registered now; a wrong value registers nothing and the validator above
        // ends the start with its sentence before anything is exported.
        TelemetryOptions options;
        try
        {
            options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        if (!options.Enabled) return false;

        var version = Assembly.GetEntryAssembly()?.GetName().Version?.ToString() ?? "0";
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceVersion: version, autoGenerateServiceInstanceId: true));

        otel.WithMetrics(m =>
        {
            m.AddMeter(StorytellingMetrics.Name, "Microsoft.EntityFrameworkCore", "Npgsql")
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation();
            metrics?.Invoke(m);
            if (options.OtlpSignal("metrics") is { } endpoint)
            {
                m.AddOtlpExporter((exporter, reader) =>
                {
                    Otlp(exporter, options, endpoint);
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)options.OtlpExportInterval.TotalMilliseconds;
                });
            }
            if (options.PrometheusHost is { } host)
            {
                m.AddPrometheusHttpListener(l =>
                {
                    l.Host = host;
                    l.Port = options.PrometheusPort!.Value;
                    l.ScrapeEndpointPath = "/metrics";
                });
            }
        });

        // Traces only travel over OTLP; a Prometheus-only installation pays for no spans.
        if (options.OtlpSignal("traces") is { } traces)
        {
            otel.WithTracing(t =>
            {
                t.AddSource(StorytellingMetrics.Name)
                    .AddEntityFrameworkCoreInstrumentation(ef =>
                    {
                        // SQLite names its file as the "server": a path stays home. PostgreSQL's host is kept.
                        ef.EnrichWithIDbCommand = (activity, command) =>
                        {
                            foreach (var tag in (string[])["peer.service", "server.address"])
                            {
                                if (activity.GetTagItem(tag) is string value && LooksLikePath(value)) activity.SetTag(tag, null);
                            }
                        };
                    })
                    .AddHttpClientInstrumentation(h =>
                    {
                        // Blob names and download paths stay home: an outgoing call is known by its host only.
                        h.EnrichWithHttpRequestMessage = (activity, request) =>
                        {
                            if (request.RequestUri is { } uri) activity.SetTag("url.full", uri.GetLeftPart(UriPartial.Authority));
                        };
                    });
                tracing?.Invoke(t);
                t.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)));
                t.AddOtlpExporter(exporter => Otlp(exporter, options, traces));
            });
        }
        return true;
    }

    private static bool LooksLikePath(string value) =>
        value.Contains('/', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal)
        || value.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || value.StartsWith(':');

    private static void Otlp(OtlpExporterOptions exporter, TelemetryOptions options, Uri endpoint)
    {
        exporter.Endpoint = endpoint;
        exporter.Protocol = options.IsGrpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
    }
}
