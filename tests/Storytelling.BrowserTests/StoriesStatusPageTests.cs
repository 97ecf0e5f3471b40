using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;

namespace Storytelling.BrowserTests;

public sealed class StoriesStatusPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_project_page_shows_each_storys_transcription_and_follows_progress_live(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        var running = Guid.Empty;
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            foreach (var (teller, status, percent, error) in new (string, TranscriptionJobStatus, int, string?)[]
                     {
                         ("Anna", TranscriptionJobStatus.Queued, 0, null),
                         ("Bram", TranscriptionJobStatus.Running, 10, null),
                         ("Chaima", TranscriptionJobStatus.Succeeded, 100, null),
                         ("Dirk", TranscriptionJobStatus.NoSpeech, 100, null),
                         ("Eva", TranscriptionJobStatus.Failed, 0, "De opname kon niet worden omgezet naar geluid dat Whisper leest (ffmpeg: Invalid data found when processing input)."),
                     })
            {
                var story = new Story
                {
                    ProjectId = project.Id, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at = at.AddMinutes(1),
                    Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
                };
                var recording = new Recording { StoryId = story.Id, BlobName = Guid.NewGuid().ToString("N"), Format = "webm", MediaType = "audio/webm", DurationMs = 95_000, Sha256 = new string('0', 64), CreatedAt = at };
                var job = new TranscriptionJob { RecordingId = recording.Id, Status = status, ProgressPercent = percent, LastError = error, CreatedAt = at, NotBefore = at };
                if (status == TranscriptionJobStatus.Running) running = job.Id;
                db.AddRange(story, recording, job);
            }
            await db.SaveChangesAsync();
        });

        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}/stories");
        var stories = page.Locator("#stories");
        await Assertions.Expect(stories).ToContainTextAsync("Wordt uitgeschreven: 10%");
        await Assertions.Expect(stories).ToContainTextAsync("Uitschrijven mislukt");
        await Assertions.Expect(stories).ToContainTextAsync("Geen spraak gevonden");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"project-stories-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"page is {scrollWidth} px wide at a {width} px viewport");

        // The worker moves on; the page follows without a reload.
        await browser.App.WithDbAsync(async db =>
        {
            var job = await db.TranscriptionJobs.FindAsync(running);
            job!.ProgressPercent = 64;
            await db.SaveChangesAsync();
        });
        await Assertions.Expect(stories).ToContainTextAsync("Wordt uitgeschreven: 64%", new() { Timeout = 15_000 });
    }

    /// <summary>No polling: the row moves from "wordt uitgeschreven" to done by a push from the server (the web node
    /// watches the job table here, as on one machine without Redis), and an idle page sends no request at all.</summary>
    [Fact]
    public async Task A_row_turns_from_being_transcribed_to_done_without_reload_and_an_idle_page_asks_nothing()
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        var (storyId, jobId) = (Guid.Empty, Guid.Empty);
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Bram", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            };
            var recording = new Recording { StoryId = story.Id, BlobName = Guid.NewGuid().ToString("N"), Format = "webm", MediaType = "audio/webm", DurationMs = 95_000, Sha256 = new string('0', 64), CreatedAt = at };
            var job = new TranscriptionJob { RecordingId = recording.Id, Status = TranscriptionJobStatus.Running, ProgressPercent = 40, CreatedAt = at, NotBefore = at.AddDays(30) };
            db.AddRange(story, recording, job);
            await db.SaveChangesAsync();
            (storyId, jobId) = (story.Id, job.Id);
        });

        var page = await browser.NewPageAsync(1280, 800);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}/stories");
        var cell = page.Locator($"tr[data-story='{storyId}'] .transcription");
        await Assertions.Expect(cell).ToContainTextAsync("Wordt uitgeschreven: 40%");
        await SetJobAsync(jobId, TranscriptionJobStatus.Running, 70);
        await Assertions.Expect(cell).ToContainTextAsync("Wordt uitgeschreven: 70%", new() { Timeout = 15_000 });

        // Ten idle seconds: the page holds its hub connection open and asks the server nothing.
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Method + " " + request.Url);
        await Task.Delay(TimeSpan.FromSeconds(10));
        Assert.True(requests.IsEmpty, "an idle page sent: " + string.Join(", ", requests));

        await SetJobAsync(jobId, TranscriptionJobStatus.Succeeded, 100);
        await Assertions.Expect(cell).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 15_000 });
        await Assertions.Expect(cell).ToContainTextAsync("Uitgeschreven");
        await Assertions.Expect(cell).Not.ToContainTextAsync("Wordt uitgeschreven");
        Assert.Equal($"/projects/{project.Id}/stories", new Uri(page.Url).AbsolutePath);
        // The one request after the push: the list, for the finished row's label in the reader's language.
        Assert.Single(requests, r => r.Contains($"/api/projects/{project.Id}/stories", StringComparison.Ordinal));
        await page.AssertAccessibleAsync();
    }

    private Task SetJobAsync(Guid jobId, TranscriptionJobStatus status, int percent) =>
        browser.App.WithDbAsync(async db =>
        {
            var job = await db.TranscriptionJobs.FindAsync(jobId);
            job!.Status = status;
            job.ProgressPercent = percent;
            if (status == TranscriptionJobStatus.Succeeded) job.CompletedAt = browser.App.Time.GetUtcNow();
            await db.SaveChangesAsync();
        });
}
