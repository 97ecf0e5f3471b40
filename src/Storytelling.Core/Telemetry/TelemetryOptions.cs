using System.Net;
using Microsoft.Extensions.Options;

namespace Storytelling.Core.Telemetry;

/// <summary>
/// Section "Storytelling:Telemetry". Nothing is collected or exported unless an OTLP endpoint or a Prometheus port is
/// set; then metrics (and, over OTLP, traces) leave the process with no personal data in any tag.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Storytelling:Telemetry";
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    /// <summary>OTLP collector's base address, e.g. http://collector:4318; traces go to /v1/traces, metrics to /v1/metrics.</summary>
    public string? OtlpEndpoint { get; set; }
    public string OtlpProtocol { get; set; } = HttpProtobuf;
    /// <summary>How often metrics are pushed over OTLP.</summary>
    public TimeSpan OtlpExportInterval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Share of requests and jobs traced (0 to 1); a busy upload day may want less than every chunk.</summary>
    public double TraceSampleRatio { get; set; } = 1;
    /// <summary>Port of the Prometheus scrape endpoint (/metrics), a listener of its own apart from the public port.</summary>
    public int? PrometheusPort { get; set; }
    public string PrometheusAddress { get; set; } = "127.0.0.1";
    /// <summary>How often the web app counts the queue and the open uploads in the database for the gauges.</summary>
    public TimeSpan QueueSampleInterval { get; set; } = TimeSpan.FromSeconds(15);

    public bool IsGrpc => string.Equals(OtlpProtocol, Grpc, StringComparison.OrdinalIgnoreCase);

    /// <summary>The OTLP base address when it is set and valid, otherwise null.</summary>
    public Uri? OtlpBase =>
        Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;

    /// <summary>The address for one signal: http/protobuf wants the signal's path, gRPC the bare address.</summary>
    public Uri? OtlpSignal(string signal) =>
        OtlpBase is not { } b ? null : IsGrpc ? b : new Uri(b.AbsoluteUri.TrimEnd('/') + "/v1/" + signal);

    /// <summary>The listener's host (127.0.0.1, [::1]) when a valid port and address are set, otherwise null.</summary>
    public string? PrometheusHost =>
        PrometheusPort is >= 1 and <= 65535 && IPAddress.TryParse(PrometheusAddress, out var ip)
            ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString()
            : null;

    public bool Enabled => OtlpBase is not null || PrometheusHost is not null;
}

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var s = TelemetryOptions.Section;
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint) && o.OtlpBase is null)
            return ValidateOptionsResult.Fail($"Setting {s}:OtlpEndpoint '{o.OtlpEndpoint}' is not an http:// or https:// address; give the collector's base address, e.g. http://127.0.0.1:4318.");
        if (!o.IsGrpc && !string.Equals(o.OtlpProtocol, TelemetryOptions.HttpProtobuf, StringComparison.OrdinalIgnoreCase))
            return ValidateOptionsResult.Fail($"Setting {s}:OtlpProtocol is '{o.OtlpProtocol}', but only '{TelemetryOptions.HttpProtobuf}' (port 4318) and '{TelemetryOptions.Grpc}' (port 4317) are supported.");
        if (o.OtlpExportInterval < TimeSpan.FromSeconds(1))
            return ValidateOptionsResult.Fail($"Setting {s}:OtlpExportInterval is {o.OtlpExportInterval}; give at least one second, e.g. 00:00:30.");
        if (o.TraceSampleRatio is < 0 or > 1 or double.NaN)
            return ValidateOptionsResult.Fail($"Setting {s}:TraceSampleRatio is {o.TraceSampleRatio}; give a share between 0 and 1, e.g. 0.1 to trace one request in ten.");
        if (o.PrometheusPort is { } port && port is < 1 or > 65535)
            return ValidateOptionsResult.Fail($"Setting {s}:PrometheusPort is {port}; give a free TCP port between 1 and 65535 (9464 is Prometheus's usual one), not the public port.");
        if (!IPAddress.TryParse(o.PrometheusAddress, out _))
            return ValidateOptionsResult.Fail($"Setting {s}:PrometheusAddress '{o.PrometheusAddress}' is not an IP address; give the address the scrape endpoint listens on, e.g. 127.0.0.1 or the internal network's address.");
        if (o.QueueSampleInterval < TimeSpan.FromSeconds(1))
            return ValidateOptionsResult.Fail($"Setting {s}:QueueSampleInterval is {o.QueueSampleInterval}; give at least one second, e.g. 00:00:15.");
        return ValidateOptionsResult.Success;
    }
}
