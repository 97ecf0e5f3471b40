using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Transcripts;

/// <summary>On SQLite; <see cref="PostgresAudioRetentionTests"/> runs the same on PostgreSQL.</summary>
public class AudioRetentionTests : IAsyncLifetime
{
    private TestApp _app = null!;
    private Guid _facilitator;
    private HttpClient _client = null!;

    protected virtual Task<IDictionary<string, string?>?> SettingsAsync() => Task.FromResult<IDictionary<string, string?>?>(null);

    public virtual async Task InitializeAsync()
    {
        _app = new TestApp(await SettingsAsync());
        await _app.MigrateAsync();
        var person = await _app.CreatePersonAsync($"begeleider-{Guid.NewGuid():N}@example.org");
        _facilitator = person.Id;
        _client = await _app.SignedInClientAsync(person.Email!);
    }

    public virtual Task DisposeAsync()
    {
        _client.Dispose();
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<Guid> ProjectAsync(int? retentionDays)
    {
        var project = await _app.CreateProjectAsync($"Traject {retentionDays}", (_facilitator, ProjectRole.Begeleider));
        await _app.WithDbAsync(async db =>
        {
            await db.Projects.Where(p => p.Id == project.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.AudioRetentionDays, retentionDays));
        });
        return project.Id;
    }

    /// <summary>A story whose recording arrived <paramref name="daysAgo"/> days before now, with a transcript unless told otherwise.</summary>
    private async Task<(Guid StoryId, string BlobName)> StoryAsync(Guid projectId, int daysAgo, bool transcribed = true)
    {
        var store = _app.Services.GetRequiredService<IMediaStore>();
        var stored = await store.SaveAsync(new MemoryStream(new byte[4096]), "audio/wav", CancellationToken.None);
        var at = _app.Time.GetUtcNow().AddDays(-daysAgo);
        var story = new Story
        {
            ProjectId = projectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
            Status = transcribed ? StoryStatus.Transcribed : StoryStatus.Received,
            Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
        };
        await _app.WithDbAsync(async db =>
        {
            db.Stories.Add(story);
            db.Recordings.Add(new Recording
            {
                StoryId = story.Id, BlobName = stored.BlobName, Format = "wav", MediaType = "audio/wav", DurationMs = 8_000,
                SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
            });
            if (transcribed)
                db.Transcripts.Add(new Transcript
                {
                    StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = at,
                    Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 8_000, Text = "Het verhaal blijft." }],
                });
            await db.SaveChangesAsync();
        });
        return (story.Id, stored.BlobName);
    }

    private async Task<bool> ExistsAsync(string blobName) =>
        await _app.Services.GetRequiredService<IMediaStore>().GetPropertiesAsync(blobName, CancellationToken.None) is not null;

    [Fact]
    public async Task Old_audio_is_deleted_after_the_retention_period_while_the_transcript_stays_and_the_deletion_is_audited()
    {
        var kept = await ProjectAsync(30);
        var untouched = await ProjectAsync(null);
        var old = await StoryAsync(kept, daysAgo: 31);
        var recent = await StoryAsync(kept, daysAgo: 29);
        var notYetTranscribed = await StoryAsync(kept, daysAgo: 60, transcribed: false);
        var noRetention = await StoryAsync(untouched, daysAgo: 400);

        var run = await _app.Services.GetRequiredService<AudioRetentionJob>().RunAsync(CancellationToken.None);
        Assert.Equal(new AudioRetentionJob.RetentionRun(1, 1), run);

        Assert.False(await ExistsAsync(old.BlobName));
        Assert.True(await ExistsAsync(recent.BlobName));
        Assert.True(await ExistsAsync(notYetTranscribed.BlobName));
        Assert.True(await ExistsAsync(noRetention.BlobName));
        await _app.WithDbAsync(async db =>
        {
            var recordings = await db.Recordings.AsNoTracking().ToDictionaryAsync(r => r.StoryId, r => r.AudioDeletedAt);
            Assert.Equal(_app.Time.GetUtcNow(), recordings[old.StoryId]);
            Assert.Null(recordings[recent.StoryId]);
            Assert.Null(recordings[notYetTranscribed.StoryId]);
            Assert.Null(recordings[noRetention.StoryId]);
            Assert.True(await db.Transcripts.AnyAsync(t => t.StoryId == old.StoryId));
            var audit = await db.AuditLog.AsNoTracking().Where(a => a.Action == "recording.audio-deleted").ToListAsync();
            var entry = Assert.Single(audit);
            Assert.Equal(kept, entry.ProjectId);
            Assert.Null(entry.ActorPersonId);
        });

        // The reader is told why, instead of a broken player.
        var audio = await _client.GetAsync($"/api/projects/{kept}/stories/{old.StoryId}/audio");
        Assert.Equal(HttpStatusCode.Gone, audio.StatusCode);
        Assert.Contains("Audio verwijderd na 30 dagen (bewaartermijn)", await audio.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var transcript = (await _client.GetFromJsonAsync<TranscriptDto>($"/api/projects/{kept}/stories/{old.StoryId}/transcript", TestJson.Options))!;
        Assert.False(transcript.AudioAvailable);
        Assert.Equal("Het verhaal blijft.", Assert.Single(transcript.Segments).Text);
        var page = await _client.GetStringAsync($"/projects/{kept}/stories/{old.StoryId}");
        Assert.Contains("Audio verwijderd na 30 dagen (bewaartermijn)", page, StringComparison.Ordinal);

        // A second run finds nothing more to do.
        Assert.Equal(new AudioRetentionJob.RetentionRun(0, 0), await _app.Services.GetRequiredService<AudioRetentionJob>().RunAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_daily_job_runs_shortly_after_start_and_again_a_day_later()
    {
        var project = await ProjectAsync(7);
        var first = await StoryAsync(project, daysAgo: 8);
        var second = await StoryAsync(project, daysAgo: 6);

        _app.Time.Advance(AudioRetentionJob.FirstRunDelay);
        await WaitUntilAsync(async () => !await ExistsAsync(first.BlobName));
        Assert.True(await ExistsAsync(second.BlobName));
        // Let the job finish its run and start waiting for the next day before the clock moves.
        await Task.Delay(300);

        // Two days on, the story that was six days old is past its seven.
        _app.Time.Advance(TimeSpan.FromDays(1));
        await Task.Delay(100);
        _app.Time.Advance(TimeSpan.FromDays(1));
        await WaitUntilAsync(async () => !await ExistsAsync(second.BlobName));
    }

    [Fact]
    public async Task A_facilitator_sets_the_retention_period_between_1_and_3650_days_or_empty()
    {
        var project = await ProjectAsync(null);
        object Body(int? days) => new { name = "Traject", guidingQuestion = "Wat betekent werk voor jou?", allowedLanguages = new[] { "nl" }, audioRetentionDays = days };
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/api/projects/{project}", Body(90))).StatusCode);
        foreach (var bad in new[] { 0, -5, 3651 })
            Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsJsonAsync($"/api/projects/{project}", Body(bad))).StatusCode);
        int? stored = null;
        await _app.WithDbAsync(async db => stored = await db.Projects.Where(p => p.Id == project).Select(p => p.AudioRetentionDays).SingleAsync());
        Assert.Equal(90, stored);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail("The retention job did not run.");
    }
}

public sealed class PostgresAudioRetentionTests : AudioRetentionTests
{
    private readonly PostgresFixture _postgres = new();

    protected override async Task<IDictionary<string, string?>?> SettingsAsync()
    {
        await _postgres.InitializeAsync();
        return new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Postgres",
            ["Storytelling:Database:ConnectionString"] = _postgres.ConnectionString,
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
