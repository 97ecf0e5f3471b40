using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.BrowserTests;

public sealed class TellerPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Told =
    [
        "Ik woon al twintig jaar in Houten.",
        "Bij de voedselbank leerde ik dat mijn handen ertoe doen.",
        "Werk betekent voor mij dat ik erbij hoor.",
    ];

    /// <summary>A transcribed story with one theme coded on it and a published update; returns its receipt code.</summary>
    private async Task<string> SeedAsync()
    {
        var facilitator = await browser.App.CreatePersonAsync($"begeleider-{Guid.NewGuid():N}@example.org", name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        var stored = await browser.App.Services.GetRequiredService<IMediaStore>()
            .SaveAsync(new MemoryStream(new byte[4096]), "audio/ogg", CancellationToken.None);
        var code = ReceiptCode.New();
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            var tracked = await db.Projects.FindAsync(project.Id);
            tracked!.PublishedUpdate = "Op 3 december hebben we jullie verhalen aan de gemeenteraad laten horen.\n\nEr komt een werkplaats in de bibliotheek.";
            tracked.PublishedUpdateAt = at;
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(code), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports, GivenAt = at },
            };
            var recording = new Recording
            {
                StoryId = story.Id, BlobName = stored.BlobName, Format = "ogg", MediaType = "audio/ogg", DurationMs = 30_000,
                SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
            };
            var transcript = new Transcript
            {
                StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = at,
                Segments = Told.Select((t, i) => new TranscriptSegment { Position = i, StartMs = i * 10_000, EndMs = i * 10_000 + 9_000, Text = t }).ToList(),
            };
            var theme = new Theme { ProjectId = project.Id, Name = "Erbij horen", Colour = "#1F77B4", CreatedAt = at };
            db.AddRange(story, recording, transcript, theme);
            db.Codings.Add(new Coding
            {
                ThemeId = theme.Id, TranscriptId = transcript.Id, StartChar = 0, EndChar = Told[0].Length, EndMs = 9_000,
                AuthorPersonId = facilitator.Id, AuthorRole = ProjectRole.Begeleider, CreatedAt = at,
            });
            await db.SaveChangesAsync();
        });
        return code;
    }

    private static async Task AssertFitsAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"page is {scrollWidth} px wide at a {width} px viewport");
    }

    [Fact]
    public async Task A_teller_enters_the_code_reads_corrects_a_sentence_and_withdraws_after_confirming()
    {
        var code = await SeedAsync();
        var page = await browser.NewPageAsync(390, 844);
        await page.GotoAsync("/verhaal");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("teller-enter-390");
        await page.GetByLabel("Je code").FillAsync(code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Openen" }).ClickAsync();
        await page.WaitForAddressAsync("**/verhaal/mijn");
        Assert.DoesNotContain(code, page.Url, StringComparison.OrdinalIgnoreCase);
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync(Told[1]);
        await Assertions.Expect(page.Locator(".themes")).ToContainTextAsync("Erbij horen");
        await Assertions.Expect(page.Locator(".update")).ToContainTextAsync("Er komt een werkplaats");
        await page.ScreenshotAsync("teller-story-390");
        await page.AssertAccessibleAsync();
        await AssertFitsAsync(page, 390);

        await page.Locator("#s1 a.fix-link").ClickAsync();
        var box = page.GetByLabel("Verbeter deze zin", new() { Exact = true });
        await box.FillAsync("Bij de voedselbank leerde ik dat mijn handen en mijn hoofd ertoe doen.");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("teller-fix-390");
        await page.GetByRole(AriaRole.Button, new() { Name = "Bewaar" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Je verbetering is bewaard.");
        await Assertions.Expect(page.Locator("#s1")).ToContainTextAsync("mijn handen en mijn hoofd");

        await page.GetByRole(AriaRole.Link, new() { Name = "Ik wil mijn verhaal intrekken" }).ClickAsync();
        await Assertions.Expect(page.Locator(".confirm")).ToContainTextAsync("Weet je het zeker?");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("teller-confirm-390");
        await page.GetByRole(AriaRole.Button, new() { Name = "Ja, wis mijn verhaal" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("Je verhaal is gewist");
        await page.ScreenshotAsync("teller-withdrawn-390");

        await page.GotoAsync("/verhaal");
        await page.GetByLabel("Je code").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Openen" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Deze code kennen we niet.");
        await page.AssertAccessibleAsync();
    }

    [Fact]
    public async Task An_Arabic_phone_gets_the_page_in_Arabic_right_to_left()
    {
        var code = await SeedAsync();
        var page = await browser.NewPageAsync(390, 844, locale: "ar");
        await page.GotoAsync("/verhaal");
        Assert.Equal("rtl", await page.GetAttributeAsync("html", "dir"));
        Assert.Equal("ar", await page.GetAttributeAsync("html", "lang"));
        await page.GetByLabel("رمزك").FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "افتح" }).ClickAsync();
        await page.WaitForAddressAsync("**/verhaal/mijn");
        Assert.Equal("rtl", await page.GetAttributeAsync("html", "dir"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("قصتك");
        // The teller's own (Dutch) words keep their direction inside the right-to-left page.
        await Assertions.Expect(page.Locator("#s0 p")).ToHaveAttributeAsync("dir", "auto");
        await page.ScreenshotAsync("teller-story-ar-390");
        await page.AssertAccessibleAsync();
        await AssertFitsAsync(page, 390);

        // An explicit choice beats the phone's language.
        await page.GetByRole(AriaRole.Link, new() { Name = "NL" }).ClickAsync();
        Assert.Equal("ltr", await page.GetAttributeAsync("html", "dir"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Jouw verhaal");
    }
}
