using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Demo;

namespace Storytelling.Tests.Demo;

/// <summary>The demo project that infra/run.sh loads: real espeak-ng audio, transcripts aligned to it, codings, votes.</summary>
public sealed class DemoLoaderTests
{
    private static readonly string DemoFile = Path.Combine(Repo.Root, "samples", "werk", "demo.json");

    [Fact]
    public async Task The_demo_loads_once_with_audio_transcripts_codings_and_votes()
    {
        await using var app = await new TestApp().MigrateAsync();
        var first = await LoadAsync(app);
        Assert.True(first.Loaded);
        Assert.Equal(4, first.Accounts.Count);

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<IMediaStore>();
        var stories = await db.Stories.Include(s => s.Recordings).Include(s => s.Transcripts).ThenInclude(t => t.Segments)
            .Where(s => s.ProjectId == first.ProjectId).ToListAsync();
        Assert.InRange(stories.Count, 12, 31);
        Assert.Equal(stories.Count, stories.Select(s => s.ReceiptCodeHash).Distinct().Count());
        foreach (var story in stories)
        {
            var recording = Assert.Single(story.Recordings);
            Assert.Equal("ogg", recording.Format);
            Assert.NotNull(await store.GetPropertiesAsync(recording.BlobName, CancellationToken.None));
            var segments = Assert.Single(story.Transcripts).Segments.OrderBy(s => s.Position).ToList();
            Assert.NotEmpty(segments);
            for (var i = 0; i < segments.Count; i++)
            {
                Assert.True(segments[i].StartMs < segments[i].EndMs);
                if (i > 0) Assert.True(segments[i - 1].EndMs <= segments[i].StartMs);
            }
            // The aligned text must lie inside the audio (Opus may add a few ms of padding, never lose speech).
            Assert.InRange(segments[^1].EndMs, segments[^1].StartMs, recording.DurationMs + 50);
        }
        var codings = await db.Codings.CountAsync(c => c.Theme!.ProjectId == first.ProjectId);
        Assert.True(codings >= stories.Count, $"{codings} codings for {stories.Count} stories");
        Assert.True(await db.Codings.AnyAsync(c => c.AuthorRole == Core.Projects.ProjectRole.Bewoner)
            && await db.Codings.AnyAsync(c => c.AuthorRole == Core.Projects.ProjectRole.Beleidsmedewerker));
        Assert.True(await db.ThemeVotes.CountAsync() >= 20);
        Assert.All(stories, s => Assert.Equal(StoryStatus.Transcribed, s.Status));
        Assert.Contains(stories, s => s.EvaluationRoundId is not null);
        Assert.Contains(stories, s => s.EvaluationRoundId is null);
        var experiment = await db.Experiments.Include(x => x.Themes).Include(x => x.Stories).SingleAsync(x => x.ProjectId == first.ProjectId);
        Assert.NotEmpty(experiment.Themes);
        Assert.NotEmpty(experiment.Stories);
        Assert.Equal(3, await db.ProjectPhaseChanges.CountAsync(x => x.ProjectId == first.ProjectId));
        Assert.False(string.IsNullOrWhiteSpace((await db.Projects.SingleAsync(p => p.Id == first.ProjectId)).PublishedUpdate));

        // The codings carry the pilot's dates, not the load day: the first gathering's over the analysis weeks before
        // the workshop, a round's after its story came in; so the finished report dates the analysis from them.
        var now = app.Time.GetUtcNow();
        var dates = await db.Codings.Where(c => c.Theme!.ProjectId == first.ProjectId)
            .Select(c => new { c.CreatedAt, c.Transcript!.Story!.EvaluationRoundId, StoryAt = c.Transcript.Story.CreatedAt }).ToListAsync();
        Assert.All(dates.Where(d => d.EvaluationRoundId is null), d => Assert.InRange(d.CreatedAt, now.AddDays(-40), now.AddDays(-21)));
        Assert.All(dates.Where(d => d.EvaluationRoundId is not null), d => Assert.True(d.CreatedAt > d.StoryAt && d.CreatedAt < now));
        Assert.True(dates.Select(d => d.CreatedAt.Date).Distinct().Count() >= 10, "codings spread over the weeks");
        var report = await db.Reports.SingleAsync(r => r.ProjectId == first.ProjectId);
        Assert.Equal(DemoLoader.ReportTitle, report.Title);
        var nl = System.Globalization.CultureInfo.GetCultureInfo("nl-NL");
        Assert.Contains($" tussen {now.AddDays(-40).UtcDateTime.ToString("d MMMM yyyy", nl)} en ", report.Markdown);
        Assert.DoesNotContain($"tussen {now.UtcDateTime.ToString("d MMMM yyyy", nl)}", report.Markdown);
        foreach (var chart in new[] { "Grafiek: Verhalen per thema", "Grafiek: Stemmen per thema", "Grafiek: Aandeel van de gecodeerde verhalen per thema" })
            Assert.Contains(chart, report.Markdown);
        Assert.Contains("> ", report.Markdown);
        Assert.Contains($"({DemoLoader.DefaultBaseUrl}/projects/{first.ProjectId}/stories/", report.Markdown.Replace("<", "(", StringComparison.Ordinal));

        var again = await LoadAsync(app);
        Assert.False(again.Loaded);
        Assert.Equal(first.ProjectId, again.ProjectId);
        Assert.Equal(stories.Count, await db.Stories.CountAsync());
    }

    [Fact]
    public void Wav_reading_walks_chunks_and_refuses_what_it_cannot_read()
    {
        byte[] wav = [.. "RIFF"u8, 0, 0, 0, 0, .. "WAVE"u8, .. "LIST"u8, 2, 0, 0, 0, 9, 9,
            .. "fmt "u8, 16, 0, 0, 0, 1, 0, 1, 0, 0x22, 0x56, 0, 0, 0x44, 0xAC, 0, 0, 2, 0, 16, 0,
            .. "data"u8, 4, 0, 0, 0, 1, 2, 3, 4];
        var (rate, samples) = DemoLoader.ReadPcm16Mono(wav);
        Assert.Equal(22050, rate);
        Assert.Equal([1, 2, 3, 4], samples);
        Assert.Throws<InvalidDataException>(() => DemoLoader.ReadPcm16Mono("not a wav file"u8.ToArray()));
        var stereo = (byte[])wav.Clone();
        stereo[32] = 2;
        Assert.Throws<InvalidDataException>(() => DemoLoader.ReadPcm16Mono(stereo));
    }

    private static async Task<DemoLoader.Result> LoadAsync(TestApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var loader = ActivatorUtilities.CreateInstance<DemoLoader>(scope.ServiceProvider);
        return await loader.LoadAsync(DemoFile, "demo-Test-password-1", CancellationToken.None);
    }
}
