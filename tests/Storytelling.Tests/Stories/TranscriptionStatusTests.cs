using System.Net;
using System.Text.Json;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Stories;

/// <summary>What facilitators and residents see about transcription, in the stories API and on the project page.</summary>
public sealed class TranscriptionStatusTests
{
    [Fact]
    public async Task Each_story_shows_queued_transcribing_percent_ready_no_speech_failed_with_reason_or_waiting_for_model()
    {
        using var app = await new TestApp().MigrateAsync();
        var facilitator = await app.CreatePersonAsync("begeleider@example.org");
        var project = await app.CreateProjectAsync("Houten", (facilitator.Id, ProjectRole.Begeleider));
        var states = new (string Teller, TranscriptionJobStatus Status, int Percent, string? Error)[]
        {
            ("Anna", TranscriptionJobStatus.Queued, 0, null),
            ("Bram", TranscriptionJobStatus.Running, 42, null),
            ("Chaima", TranscriptionJobStatus.Succeeded, 100, null),
            ("Dirk", TranscriptionJobStatus.NoSpeech, 100, null),
            ("Eva", TranscriptionJobStatus.Failed, 0, "De opname kon niet worden omgezet (ffmpeg: Invalid data found when processing input)."),
            ("Fatima", TranscriptionJobStatus.WaitingForModel, 0, "Transcription is waiting for a model: run 'Storytelling.Worker models download base'."),
        };
        await app.WithDbAsync(async db =>
        {
            var at = app.Time.GetUtcNow();
            foreach (var (teller, status, percent, error) in states)
            {
                var story = new Story
                {
                    ProjectId = project.Id, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at = at.AddMinutes(1),
                    Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
                };
                var recording = new Recording { StoryId = story.Id, BlobName = Guid.NewGuid().ToString("N"), Format = "webm", MediaType = "audio/webm", DurationMs = 8000, Sha256 = new string('0', 64), CreatedAt = at };
                db.AddRange(story, recording, new TranscriptionJob { RecordingId = recording.Id, Status = status, ProgressPercent = percent, LastError = error, CreatedAt = at, NotBefore = at });
            }
            await db.SaveChangesAsync();
        });
        var http = await app.SignedInClientAsync("begeleider@example.org");

        var stories = JsonDocument.Parse(await http.GetStringAsync($"/api/projects/{project.Id}/stories")).RootElement.EnumerateArray()
            .ToDictionary(s => s.GetProperty("tellerPseudonym").GetString()!, s => s.GetProperty("transcription"));
        Assert.Equal("queued", stories["Anna"].GetProperty("state").GetString());
        Assert.Equal(("transcribing", 42, "Wordt uitgeschreven: 42%"),
            (stories["Bram"].GetProperty("state").GetString(), stories["Bram"].GetProperty("percent").GetInt32(), stories["Bram"].GetProperty("label").GetString()));
        Assert.Equal("ready", stories["Chaima"].GetProperty("state").GetString());
        Assert.Equal("no-speech", stories["Dirk"].GetProperty("state").GetString());
        Assert.Equal(("failed", states[4].Error), (stories["Eva"].GetProperty("state").GetString(), stories["Eva"].GetProperty("reason").GetString()));
        Assert.Equal("waiting-for-model", stories["Fatima"].GetProperty("state").GetString());
        Assert.Contains("models download base", stories["Fatima"].GetProperty("reason").GetString());

        var page = await http.GetAsync($"/projects/{project.Id}/stories");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        foreach (var text in new[] { "In de wachtrij", "Wordt uitgeschreven: 42%", "Uitgeschreven", "Geen spraak gevonden", "Uitschrijven mislukt", states[4].Error!, "Wacht op een spraakmodel" })
            Assert.Contains(text, html);
    }
}
