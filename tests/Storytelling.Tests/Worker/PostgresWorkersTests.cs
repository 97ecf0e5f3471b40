using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Transcription;

namespace Storytelling.Tests.Worker;

/// <summary>Several worker processes (as on several machines) sharing one PostgreSQL database and media store.</summary>
[Collection(MediaCorpusCollection.Name)]
public sealed class PostgresWorkersTests(MediaCorpus corpus) : IAsyncLifetime
{
    private readonly PostgresFixture _postgres = new();

    public Task InitializeAsync() => _postgres.InitializeAsync();
    public Task DisposeAsync() => _postgres.DisposeAsync();

    [Fact]
    public async Task Three_workers_share_20_jobs_and_every_job_is_done_once_and_none_twice()
    {
        await using var h = await WorkerHarness.StartAsync(_postgres.ConnectionString);
        var jobs = new List<Guid>();
        for (var i = 0; i < 20; i++) jobs.Add((await h.SeedAsync(corpus[MediaCorpus.Wav], "wav", MediaCorpus.SpeechMs)).JobId);

        File.Copy(WhisperTestEnvironment.TestModelPath, Path.Combine(h.ModelsDirectory, "ggml-test.bin"));
        var settings = new Dictionary<string, string>(h.Settings)
        {
            ["Storytelling__Transcription__Model"] = "test",
            ["Storytelling__Transcription__Threads"] = "1",
            ["Storytelling__Transcription__MaxTokensPerSegment"] = "16",
            ["Storytelling__Transcription__TemperatureFallback"] = "false",
            ["Storytelling__Transcription__PollInterval"] = "00:00:00.05",
        };
        var workers = Enumerable.Range(0, 3).Select(_ => AppProcess.Start("Storytelling.Worker", settings)).ToList();
        try
        {
            await WorkerEndToEndTests.WaitUntilAsync(
                () => h.WithDbAsync(db => db.TranscriptionJobs.AllAsync(j => j.Status == TranscriptionJobStatus.Succeeded || j.Status == TranscriptionJobStatus.Failed)),
                TimeSpan.FromSeconds(180), () => string.Join("\n---\n", workers.Select(w => w.Stdout + w.Stderr)));

            var done = await h.WithDbAsync(db => db.TranscriptionJobs.AsNoTracking().ToListAsync());
            Assert.All(done, j => Assert.Equal((TranscriptionJobStatus.Succeeded, 1), (j.Status, j.Attempts)));
            Assert.Equal(20, await h.WithDbAsync(db => db.Transcripts.CountAsync()));
            Assert.Equal(20, await h.WithDbAsync(db => db.Transcripts.Select(t => t.StoryId).Distinct().CountAsync()));

            // Each worker's log names the jobs it claimed: together exactly the 20, none twice.
            var claims = workers.SelectMany(w => WorkerEndToEndTests.Claimed().Matches(w.Stdout).Select(m => Guid.Parse(m.Groups["id"].Value))).ToList();
            Assert.Equal(jobs.Order(), claims.Order());
            Assert.True(workers.Count(w => WorkerEndToEndTests.Claimed().IsMatch(w.Stdout)) >= 2, "the work was shared");
        }
        finally
        {
            foreach (var w in workers) await w.DisposeAsync();
        }
    }
}
