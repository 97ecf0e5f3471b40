using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;

namespace Storytelling.BrowserTests;

/// <summary>A policy officer makes a theme report on the reports page with the keyboard only, at phone and laptop width.</summary>
public sealed class ReportPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_policy_officer_orders_themes_picks_quotes_and_gets_a_report_by_keyboard(int width, int height)
    {
        var email = $"beleid-{Guid.NewGuid():N}@example.org";
        var officer = await browser.App.CreatePersonAsync(email, name: "Bram Beleid");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (officer.Id, ProjectRole.Beleidsmedewerker));
        const string quote = "Bij het taalcafé in Utrecht vond ik vrienden en werk.";
        var meetingId = Guid.Empty;
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            var meeting = new Theme { ProjectId = project.Id, Name = "Ontmoeting", Colour = "#2E7D32", Description = "Plekken waar mensen elkaar vinden.", CreatedAt = at };
            var money = new Theme { ProjectId = project.Id, Name = "Geldzorgen", Colour = "#A61B1B", CreatedAt = at };
            db.Themes.AddRange(meeting, money);
            meetingId = meeting.Id;
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports, GivenAt = at },
            };
            db.Stories.Add(story);
            var transcript = new Transcript
            {
                StoryId = story.Id, Version = 1, CreatedAt = at,
                Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 4000, Text = "Ik kom uit Syrië." },
                            new TranscriptSegment { Position = 1, StartMs = 65_000, EndMs = 70_000, Text = quote }],
            };
            db.Transcripts.Add(transcript);
            var start = "Ik kom uit Syrië.".Length + 1;
            db.Codings.Add(new Coding { ThemeId = meeting.Id, TranscriptId = transcript.Id, StartChar = start, EndChar = start + quote.Length, StartMs = 65_000, EndMs = 70_000,
                AuthorRole = ProjectRole.Bewoner, CreatedAt = at });
            db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Utrecht", Replacement = "Plaats A", CreatedAt = at });
            // The workshop voted money first; the officer will move meeting up.
            var session = new WorkshopSession { ProjectId = project.Id, Title = "Sessie", Code = Guid.NewGuid().ToString("N")[..6], OpenedByPersonId = officer.Id, OpenedAt = at };
            var guest = new WorkshopParticipant { SessionId = session.Id, DisplayName = "Gast", JoinedAt = at };
            db.WorkshopSessions.Add(session);
            db.WorkshopParticipants.Add(guest);
            db.ThemeVotes.AddRange(new ThemeVote { SessionId = session.Id, ParticipantId = guest.Id, ThemeId = money.Id, At = at },
                new ThemeVote { SessionId = session.Id, ParticipantId = guest.Id, ThemeId = money.Id, At = at },
                new ThemeVote { SessionId = session.Id, ParticipantId = guest.Id, ThemeId = meeting.Id, At = at });
            await db.SaveChangesAsync();
        });

        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);

        await page.GotoAsync($"/projects/{project.Id}");
        await page.Locator(".project-nav").GetByRole(AriaRole.Link, new() { Name = "Rapporten" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync($"**/projects/{project.Id}/reports");
        var themes = page.Locator("li.report-theme legend label");
        await Assertions.Expect(themes).ToHaveTextAsync(["Geldzorgen", "Ontmoeting"]);
        // The fragment is shown pseudonymised, also to the person choosing it.
        await Assertions.Expect(page.Locator(".quote-picks")).ToContainTextAsync("Bij het taalcafé in Plaats A vond ik vrienden en werk.");
        await Assertions.Expect(page.Locator(".quote-picks")).Not.ToContainTextAsync("Utrecht");

        // Move "Ontmoeting" up with the keyboard; after the reload focus is back on that theme (its "up" is now disabled, so on "down").
        await page.GetByRole(AriaRole.Button, new() { Name = "Ontmoeting omhoog" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(themes).ToHaveTextAsync(["Ontmoeting", "Geldzorgen"]);
        Assert.Equal($"down-{meetingId}", await page.EvaluateAsync<string>("document.activeElement.id"));

        // Drop "Geldzorgen", pick the quote, make the report: Space toggles a focused checkbox.
        await page.GetByLabel("Geldzorgen", new() { Exact = true }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.GetByLabel("Bij het taalcafé", new() { Exact = false }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.GetByRole(AriaRole.Button, new() { Name = "Rapport maken" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForAddressAsync("**/reports/*");

        var preview = page.Locator(".report-body");
        await Assertions.Expect(preview.Locator("h2")).ToContainTextAsync(["Werkwijze", "Thema's in het kort", "1. Ontmoeting", "Bronnen"]);
        await Assertions.Expect(preview.Locator("blockquote")).ToContainTextAsync("Bij het taalcafé in Plaats A vond ik vrienden en werk.");
        await Assertions.Expect(preview).ToContainTextAsync("Anna (pseudoniem)");
        await Assertions.Expect(preview).ToContainTextAsync("op 01:05");
        await Assertions.Expect(preview).Not.ToContainTextAsync("Geldzorgen");

        // Edit the text by keyboard and save; the preview shows the edit.
        await page.GetByLabel("Markdown", new() { Exact = false }).FocusAsync();
        await page.Keyboard.PressAsync("Control+End");
        await page.Keyboard.TypeAsync("\nDeze tekst is nagelezen door het team.\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Bewaren" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Bewaard.");
        await Assertions.Expect(preview).ToContainTextAsync("Deze tekst is nagelezen door het team.");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Word (.docx)" }).ClickAsync());
        Assert.EndsWith(".docx", download.SuggestedFilename, StringComparison.Ordinal);

        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"report-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"report page is {scrollWidth} px wide at a {width} px viewport");

        await page.GotoAsync($"/projects/{project.Id}/reports");
        await Assertions.Expect(page.Locator(".report-list")).ToContainTextAsync("Wat bewoners ons vertelden");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"reports-{width}");
        scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"reports page is {scrollWidth} px wide at a {width} px viewport");
    }
}
