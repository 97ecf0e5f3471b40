using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.BrowserTests;

public sealed class TranscriptPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Sentences =
    [
        "Werk betekent voor mij dat ik ertoe doe.",
        "Bij de voedselbank leerde ik Nederlands.",
        "Nu help ik zelf andere mensen.",
    ];

    /// <summary>A real spoken recording (espeak-ng, Dutch voice) in WebM/Opus, as phones upload it.</summary>
    private static async Task<byte[]> SpokenWebmAsync()
    {
        var folder = Repo.NewTempFolder("transcript-audio");
        try
        {
            var wav = Path.Combine(folder, "f.wav");
            var webm = Path.Combine(folder, "f.webm");
            await RunAsync("espeak-ng", "-v", "nl", "-w", wav, string.Join(" ", Sentences));
            await RunAsync("ffmpeg", "-nostdin", "-loglevel", "error", "-i", wav, "-c:a", "libopus", "-b:a", "32k", webm);
            return await File.ReadAllBytesAsync(webm);
        }
        finally { Repo.DeleteFolder(folder); }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} failed: {stderr}");
    }

    private async Task<(string Email, Guid ProjectId, Guid StoryId)> SeedAsync()
    {
        var email = $"bewoner-{Guid.NewGuid():N}@example.org";
        var resident = await browser.App.CreatePersonAsync(email, name: "Rosa Bewoner");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (resident.Id, ProjectRole.Bewoner));
        var audio = await SpokenWebmAsync();
        var stored = await browser.App.Services.GetRequiredService<IMediaStore>().SaveAsync(new MemoryStream(audio), "audio/webm", CancellationToken.None);
        var storyId = Guid.Empty;
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            db.Themes.Add(new Theme { ProjectId = project.Id, Name = "Erbij horen", Colour = "#D62728", CreatedAt = at });
            db.Themes.Add(new Theme { ProjectId = project.Id, Name = "Taal", Colour = "#1F77B4", CreatedAt = at });
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            };
            db.AddRange(story,
                new Recording
                {
                    StoryId = story.Id, BlobName = stored.BlobName, Format = "webm", MediaType = "audio/webm", DurationMs = 6_000,
                    SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
                },
                new Transcript
                {
                    StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = at,
                    Segments = Sentences.Select((t, i) => new TranscriptSegment
                    {
                        Position = i, StartMs = i * 2_000, EndMs = i * 2_000 + 1_900, Text = t, SpeakerLabel = "verteller",
                    }).ToList(),
                });
            await db.SaveChangesAsync();
            storyId = story.Id;
        });
        return (email, project.Id, storyId);
    }

    private async Task<IPage> OpenAsync(int width, int height, string email, Guid projectId, Guid storyId, string query = "")
    {
        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{projectId}/stories/{storyId}{query}");
        await Assertions.Expect(page.Locator("#workspace")).ToHaveAttributeAsync("data-ready", "true");
        return page;
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_segment_is_coded_with_the_keyboard_alone_and_shows_as_a_highlight(int width, int height)
    {
        var (email, projectId, storyId) = await SeedAsync();
        var page = await OpenAsync(width, height, email, projectId, storyId);
        await Assertions.Expect(page.Locator(".segment")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#segment-1 .time")).ToHaveTextAsync("0:02");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"transcript-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"page is {scrollWidth} px wide at a {width} px viewport");

        // Tab to the second segment's "Codeer dit fragment", then Enter, pick a theme with the arrow key, Tab to Apply.
        for (var i = 0; i < 80; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<string?>("document.activeElement.getAttribute('aria-label')") == "Codeer dit fragment (0:02)") break;
        }
        Assert.Equal("Codeer dit fragment (0:02)", await page.EvaluateAsync<string?>("document.activeElement.getAttribute('aria-label')"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("coding-theme", await page.EvaluateAsync<string>("document.activeElement.id"));
        await page.Keyboard.PressAsync("ArrowDown");
        Assert.Equal("Erbij horen", await page.EvaluateAsync<string>("document.activeElement.selectedOptions[0].textContent"));
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("Hier voelt ze zich nodig.");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"transcript-coding-{width}");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");

        var highlight = page.Locator("#segment-1 mark");
        await Assertions.Expect(highlight).ToHaveTextAsync(Sentences[1]);
        await Assertions.Expect(highlight).ToHaveAttributeAsync("title", "Erbij horen");
        await Assertions.Expect(page.Locator("#segment-1 .codings")).ToContainTextAsync("Erbij horen");
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Gecodeerd als ‘Erbij horen’");
        await Assertions.Expect(page.Locator("#coding-form")).ToBeHiddenAsync();
        Assert.Equal("Codeer dit fragment (0:02)", await page.EvaluateAsync<string?>("document.activeElement.getAttribute('aria-label')"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"transcript-coded-{width}");
    }

    [Fact]
    public async Task In_English_the_page_and_its_script_messages_are_English_at_phone_width()
    {
        var (email, projectId, storyId) = await SeedAsync();
        var page = await OpenAsync(390, 844, email, projectId, storyId, "?lang=en");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Story by Anna");
        await Assertions.Expect(page.Locator("#coding-heading")).ToHaveTextAsync("Code a passage");
        // Strings set by transcript.js: the segment buttons' names, the theme picker, the status after coding.
        await Assertions.Expect(page.Locator("#segment-1 .code-this")).ToHaveAttributeAsync("aria-label", "Code this passage (0:02)");
        await Assertions.Expect(page.Locator("#version option")).ToContainTextAsync("Version 1 (machine, ");
        await page.GetByRole(AriaRole.Button, new() { Name = "Code this passage (0:02)" }).ClickAsync();
        await Assertions.Expect(page.Locator("#coding-theme option").First).ToHaveTextAsync("Choose a theme");
        await page.GetByLabel("Theme").SelectOptionAsync(new SelectOptionValue { Label = "Erbij horen" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Coded as ‘Erbij horen’.");
        await Assertions.Expect(page.Locator("#segment-1 .codings")).ToContainTextAsync("(resident)");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("transcript-en-390");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        var wide = await page.EvaluateAsync<string>("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 390).map(e => e.tagName + '#' + e.id + '.' + e.className + ':' + e.getBoundingClientRect().right).join(' | ')");
        Assert.True(scrollWidth <= 390, $"page is {scrollWidth} px wide at a 390 px viewport: {wide}");
    }

    [Fact]
    public async Task Clicking_a_segment_plays_the_audio_from_its_start_and_marks_it_as_playing()
    {
        var (email, projectId, storyId) = await SeedAsync();
        var page = await OpenAsync(1280, 800, email, projectId, storyId);
        await page.WaitForFunctionAsync("() => document.getElementById('audio').readyState >= 1");
        Assert.True(await page.EvaluateAsync<double>("document.getElementById('audio').duration") > 4);

        await page.Locator("#segment-2 .text").ClickAsync();
        var at = await page.EvaluateAsync<double>("document.getElementById('audio').currentTime");
        Assert.InRange(at, 4.0, 4.9);
        await Assertions.Expect(page.Locator("#segment-2")).ToHaveAttributeAsync("aria-current", "true");

        // j goes back 5 seconds (not before 0); p and n step through the segments.
        await page.Locator("h1").ClickAsync();
        await page.Keyboard.PressAsync("p");
        await Assertions.Expect(page.Locator("#segment-1")).ToHaveAttributeAsync("aria-current", "true");
        Assert.InRange(await page.EvaluateAsync<double>("document.getElementById('audio').currentTime"), 2.0, 2.9);
        // Paused first: while it plays, a busy machine lets the audio run on between the key and the reading (CI saw 0.69 s).
        await page.EvaluateAsync("() => document.getElementById('audio').pause()");
        await page.Keyboard.PressAsync("j");
        Assert.InRange(await page.EvaluateAsync<double>("document.getElementById('audio').currentTime"), 0.0, 0.1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_resident_hears_a_silenced_name_as_silence_or_is_told_why_the_recording_is_withheld(bool wordTimes)
    {
        var (email, projectId, storyId) = await SeedAsync();
        await browser.App.WithDbAsync(async db =>
        {
            db.Pseudonyms.Add(new Pseudonym { ProjectId = projectId, Original = "voedselbank", Replacement = "Plaats A", SilenceAudio = true, CreatedAt = browser.App.Time.GetUtcNow() });
            if (wordTimes)
            {
                // Each sentence's words spread over its two seconds: good enough for the page, which plays what the server made.
                foreach (var segment in db.TranscriptSegments.Where(x => db.Transcripts.Any(t => t.Id == x.TranscriptId && t.StoryId == storyId)))
                {
                    var words = segment.Text.Split(' ');
                    segment.WordTimes = WordTimes.Encode(words.Select((w, i) =>
                        new TimedWord(segment.StartMs + i * 1_900 / words.Length, segment.StartMs + (i + 1) * 1_900 / words.Length, w)));
                }
            }
            await db.SaveChangesAsync();
        });
        var page = await OpenAsync(390, 844, email, projectId, storyId);
        if (wordTimes)
        {
            await Assertions.Expect(page.Locator("#audio-silenced")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#audio-silenced")).ToHaveTextAsync("In deze opname zijn namen die niet gehoord mogen worden stil gemaakt.");
            await page.WaitForFunctionAsync("() => document.getElementById('audio').readyState >= 1");
            Assert.True(await page.EvaluateAsync<double>("document.getElementById('audio').duration") > 4);
            await page.Locator("#segment-2 .text").ClickAsync();
            Assert.InRange(await page.EvaluateAsync<double>("document.getElementById('audio').currentTime"), 4.0, 4.9);
        }
        else
        {
            await Assertions.Expect(page.Locator("#audio-withheld")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#audio-withheld")).ToContainTextAsync("wanneer elk woord gezegd wordt");
            await Assertions.Expect(page.Locator("#audio")).ToBeHiddenAsync();
        }
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"transcript-silenced-{wordTimes}-390");
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390);
    }

    [Fact]
    public async Task A_correction_saves_a_new_version_and_the_old_one_stays_selectable()
    {
        var (email, projectId, storyId) = await SeedAsync();
        var page = await OpenAsync(390, 844, email, projectId, storyId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verbeter fragment 0:04" }).ClickAsync();
        var text = page.GetByLabel("Tekst van fragment 0:04");
        await Assertions.Expect(text).ToBeFocusedAsync();
        await text.FillAsync("Nu help ik zelf andere mensen met hun post.");
        await page.GetByLabel("Spreker").FillAsync("interviewer");
        await page.AssertAccessibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Opslaan als nieuwe versie" }).ClickAsync();

        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Versie 2 opgeslagen");
        await Assertions.Expect(page.Locator("#segment-2 .text")).ToHaveTextAsync("Nu help ik zelf andere mensen met hun post.");
        await Assertions.Expect(page.Locator("#segment-2 .speaker")).ToHaveTextAsync("interviewer");
        await Assertions.Expect(page.Locator("#version option")).ToHaveCountAsync(2);
        await page.GetByLabel("Versie").SelectOptionAsync("1");
        await Assertions.Expect(page.Locator("#segment-2 .text")).ToHaveTextAsync(Sentences[2]);
        await Assertions.Expect(page.Locator("#version-note")).ToContainTextAsync("alleen lezen");
        await Assertions.Expect(page.Locator("#segment-2 .correct-this")).ToBeHiddenAsync();
        await page.ScreenshotAsync("transcript-old-version-390");
    }

    [Fact]
    public async Task Selecting_words_opens_the_coding_panel_and_codes_exactly_those_words()
    {
        var (email, projectId, storyId) = await SeedAsync();
        var page = await OpenAsync(1280, 800, email, projectId, storyId);
        // Select "voedselbank" in the second segment as a mouse drag would, then release the mouse there.
        await page.EvaluateAsync(@"() => {
            const node = document.querySelector('#segment-1 .text').firstChild;
            const start = node.textContent.indexOf('voedselbank');
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + 'voedselbank'.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.getElementById('segments').dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        }");
        await Assertions.Expect(page.Locator("#coding-quote")).ToHaveTextAsync("“voedselbank”");
        await page.GetByLabel("Thema").SelectOptionAsync(new SelectOptionValue { Label = "Taal" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Toepassen" }).ClickAsync();
        var highlight = page.Locator("#segment-1 mark");
        await Assertions.Expect(highlight).ToHaveTextAsync("voedselbank");
        await Assertions.Expect(highlight).ToHaveAttributeAsync("title", "Taal");
        await Assertions.Expect(page.Locator("#segment-1 .text")).ToHaveTextAsync(Sentences[1]);
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_facilitator_marks_a_place_in_the_text_and_it_is_replaced_for_other_readers(int width, int height)
    {
        var (residentEmail, projectId, storyId) = await SeedAsync();
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        await browser.App.WithDbAsync(async db =>
        {
            db.Memberships.Add(new ProjectMembership { ProjectId = projectId, PersonId = facilitator.Id, Role = ProjectRole.Begeleider, GrantedAt = browser.App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
        });
        var page = await OpenAsync(width, height, email, projectId, storyId);
        await Assertions.Expect(page.Locator("#pseudonym-list")).ToContainTextAsync("Nog niets vervangen.");

        // Select "voedselbank" in the second segment, take the selection over, call it a place, replace it.
        await page.EvaluateAsync("""
            () => {
              const text = document.querySelector('#segment-1 .text').firstChild;
              const at = text.textContent.indexOf('voedselbank');
              const range = document.createRange();
              range.setStart(text, at);
              range.setEnd(text, at + 'voedselbank'.length);
              const sel = window.getSelection();
              sel.removeAllRanges();
              sel.addRange(range);
              document.dispatchEvent(new Event('selectionchange'));
            }
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Neem selectie over" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Naam of plaats zoals in de tekst")).ToHaveValueAsync("voedselbank");
        await page.GetByLabel("Soort").SelectOptionAsync("Plaats");
        await page.GetByRole(AriaRole.Button, new() { Name = "Vervangen", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#pseudonym-status")).ToContainTextAsync("heet voor anderen nu ‘Plaats A’");
        await Assertions.Expect(page.Locator("#pseudonym-list")).ToContainTextAsync("voedselbank → Plaats A");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"transcript-pseudonym-{width}");

        // The resident reads the stand-in; the facilitator keeps the original.
        var resident = await OpenAsync(width, height, residentEmail, projectId, storyId);
        await Assertions.Expect(resident.Locator("#segment-1 .text")).ToHaveTextAsync("Bij de Plaats A leerde ik Nederlands.");
        await Assertions.Expect(resident.Locator("#pseudonyms")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#segment-1 .text")).ToHaveTextAsync(Sentences[1]);
    }
}
