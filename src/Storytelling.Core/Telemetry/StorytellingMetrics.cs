using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Storytelling.Core.Telemetry;

/// <summary>
/// Our own instruments, on one Meter named "Storytelling" per process (web app or worker). Tags carry only bounded,
/// impersonal values — a refusal code, an HTTP status, a job state or outcome, a model file name, a runtime — never
/// an id, a name, a path or an address. Recording without a listener costs next to nothing, so callers always record.
/// </summary>
public sealed class StorytellingMetrics
{
    public const string Name = "Storytelling";

    /// <summary>The process's spans (a transcription job) start here; requests and queries come from instrumentation.</summary>
    public static readonly ActivitySource Activities = new(Name);

    private readonly Counter<long> _uploadBytes;
    private readonly Counter<long> _refusals;
    private readonly UpDownCounter<long> _workshopConnections;
    private readonly Histogram<double> _realTimeFactor;
    private readonly Counter<long> _jobsFinished;

    public StorytellingMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(Name);
        _uploadBytes = Meter.CreateCounter<long>("storytelling.upload.received", "By",
            "Recording bytes accepted from phones and interviewers (chunks confirmed, repeats not counted).");
        _refusals = Meter.CreateCounter<long>("storytelling.refusals", "{refusal}",
            "Requests answered with a problem (ProblemDetails), by the code the API gives and the HTTP status.");
        _workshopConnections = Meter.CreateUpDownCounter<long>("storytelling.workshop.connections", "{connection}",
            "Open connections to the live-workshop hub on this node (phones and boards).");
        _realTimeFactor = Meter.CreateHistogram("storytelling.transcription.real_time_factor", unit: null,
            description: "Seconds spent transcribing per second of audio, one value per finished job (below 1 is faster than real time).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10] });
        _jobsFinished = Meter.CreateCounter<long>("storytelling.transcription.jobs.finished", "{job}",
            "Transcription attempts this worker ended, by outcome: transcribed, no_speech, attempt_failed (retried or failed for good), released (shutdown), lease_lost.");
    }

    public Meter Meter { get; }

    public void UploadReceived(long bytes) => _uploadBytes.Add(bytes);

    public void Refused(string code, int status) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("code", code), new KeyValuePair<string, object?>("http.response.status_code", status));

    public void WorkshopConnected() => _workshopConnections.Add(1);

    public void WorkshopDisconnected() => _workshopConnections.Add(-1);

    public void Transcribed(double processingSeconds, double audioSeconds, string model, string runtime)
    {
        if (audioSeconds <= 0) return;
        _realTimeFactor.Record(processingSeconds / audioSeconds,
            new KeyValuePair<string, object?>("model", model), new KeyValuePair<string, object?>("runtime", runtime));
    }

    public void JobFinished(string outcome) => _jobsFinished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
