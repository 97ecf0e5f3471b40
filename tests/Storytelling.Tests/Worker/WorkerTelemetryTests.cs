using System.Globalization;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Telemetry;

namespace Storytelling.Tests.Worker;

/// <summary>
/// The real worker process with its own Prometheus port: after a real transcription (generated model, real VAD,
/// ffmpeg) the scrape shows the job's real-time factor and outcome, and nothing that names the story or its files.
/// </summary>
[Collection(MediaCorpusCollection.Name)]
public sealed class WorkerTelemetryTests(MediaCorpus corpus)
{
    [Fact]
    public async Task A_transcribed_job_shows_its_real_time_factor_on_the_workers_scrape_port()
    {
        await using var h = await WorkerHarness.StartAsync();
        var (storyId, jobId) = await h.SeedAsync(corpus[MediaCorpus.M4a], "mov,mp4,m4a,3gp,3g2,mj2", MediaCorpus.SpeechMs, "nl");
        var port = Scrape.FreeLoopbackPort();
        await using var worker = AppProcess.Start("Storytelling.Worker", WorkerEndToEndTests.WithModels(h, new()
        {
            ["Storytelling__Telemetry__PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture),
        }));
        await WorkerEndToEndTests.WaitUntilAsync(async () => (await h.JobAsync(jobId)).Status == TranscriptionJobStatus.Succeeded,
            TimeSpan.FromSeconds(120), () => $"Job not transcribed. Worker output:\n{worker.Stdout}\n{worker.Stderr}");

        var scrape = await Scrape.UntilAsync(port, s => Scrape.Value(s, "storytelling_transcription_real_time_factor_count") >= 1, TimeSpan.FromSeconds(30));

        Assert.Equal(1, Scrape.Value(scrape, "storytelling_transcription_real_time_factor_count", "model=\"ggml-test.bin\"", "runtime=\"cpu\""));
        // A generated 8 MB model on a 3-second clip: far faster than real time, but it took some time.
        var rtf = Scrape.Value(scrape, "storytelling_transcription_real_time_factor_sum");
        Assert.InRange(rtf!.Value, 0.000001, 5);
        Assert.Equal(1, Scrape.Value(scrape, "storytelling_transcription_jobs_finished_total", "outcome=\"transcribed\""));
        Assert.Contains("dotnet_gc_", scrape, StringComparison.Ordinal);
        foreach (var personal in new[] { storyId.ToString(), jobId.ToString(), h.ProjectId.ToString(), h.Folder, "Houten", "Verteller" })
            Assert.DoesNotContain(personal, scrape, StringComparison.OrdinalIgnoreCase);
    }
}
