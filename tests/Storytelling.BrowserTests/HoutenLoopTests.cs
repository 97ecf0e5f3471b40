using System.Text.RegularExpressions;
using DocumentFormat.OpenXml.Packaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.BrowserTests;

/// <summary>
/// The whole Houten loop in one real Chromium against the real app and a real worker process: a project is made, a
/// resident tells a story on a phone, the worker writes it out, a workshop tags and votes, the policy officer makes a
/// report, the teller withdraws, and the report made again no longer quotes her while the old one says it is stale.
/// The generated Whisper model has random weights, so the transcript is checked for its shape, never its words.
/// </summary>
public sealed partial class HoutenLoopTests(HoutenLoopFixture browser) : IClassFixture<HoutenLoopFixture>
{
    // Generous: two cores shared with other work; every wait is on a condition, none is a timing assertion.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 30_000 };

    [Fact]
    public async Task A_story_goes_from_a_phone_to_the_beleidsnota_and_back_to_its_teller()
    {
        var run = Guid.NewGuid().ToString("N")[..8];

        // 1. An administrator creates the project and invites a facilitator (begeleider), who signs up through the link.
        var adminEmail = $"admin-{run}@example.org";
        await browser.App.CreatePersonAsync(adminEmail, administrator: true, name: "Ada Admin");
        var admin = await browser.NewPageAsync(1280, 800);
        await admin.SignInAsync(adminEmail);
        await admin.GotoAsync("/admin/projects/new");
        await admin.GetByLabel("Naam").FillAsync("Werk in Houten");
        await admin.GetByLabel("Hoofdvraag").FillAsync("Wat betekent werk voor jou?");
        await admin.AssertAccessibleAsync();
        await admin.ScreenshotAsync("houten-1-new-project");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Traject aanmaken" }).ClickAsync();
        await admin.WaitForAddressAsync(ProjectUrl());
        var projectId = Guid.Parse(ProjectUrl().Match(admin.Url).Groups["id"].Value);
        var facilitatorLink = await MakeLinkAsync(admin, "Membership", nameof(ProjectRole.Begeleider));
        await admin.ScreenshotAsync("houten-1-invite-facilitator");

        var facilitatorEmail = $"begeleider-{run}@example.org";
        var facilitator = await browser.NewPageAsync(1280, 800);
        await facilitator.GotoAsync(facilitatorLink);
        await facilitator.GetByLabel("Je naam").FillAsync("Bea Begeleider");
        await facilitator.GetByLabel("E-mailadres").FillAsync(facilitatorEmail);
        await facilitator.GetByLabel("Wachtwoord").FillAsync(TestApp.Password);
        await facilitator.AssertAccessibleAsync();
        await facilitator.GetByRole(AriaRole.Button, new() { Name = "Account maken en meedoen" }).ClickAsync();
        await facilitator.WaitForAddressAsync($"**/projects/{projectId}");

        // No page adds an existing account with a given role besides the one-time invitation link, and walking that
        // twice more proves nothing new: the policy officer and the resident member are made the way other browser tests do.
        var officerEmail = $"beleid-{run}@example.org";
        var memberEmail = $"bewoner-{run}@example.org";
        var officerPerson = await browser.App.CreatePersonAsync(officerEmail, name: "Bram Beleid");
        var memberPerson = await browser.App.CreatePersonAsync(memberEmail, name: "Mila");
        await browser.App.WithDbAsync(async db =>
        {
            db.Memberships.Add(new ProjectMembership { ProjectId = projectId, PersonId = officerPerson.Id, Role = ProjectRole.Beleidsmedewerker, GrantedAt = browser.App.Time.GetUtcNow() });
            db.Memberships.Add(new ProjectMembership { ProjectId = projectId, PersonId = memberPerson.Id, Role = ProjectRole.Bewoner, GrantedAt = browser.App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
        });

        // 2. The facilitator makes a capture link; a resident records on a 390 px phone with the speaking fake microphone.
        var captureLink = await MakeLinkAsync(facilitator, "Capture", nameof(ProjectRole.Bewoner));
        await facilitator.AssertAccessibleAsync();
        await facilitator.ScreenshotAsync("houten-2-capture-link");
        Assert.Contains("/c/", captureLink, StringComparison.Ordinal);

        var resident = await browser.NewPageAsync(microphone: true);
        await resident.GotoAsync(captureLink);
        await resident.GetByRole(AriaRole.Button, new() { Name = "Nederlands" }).ClickAsync();
        await resident.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        foreach (var consent in await resident.Locator("input[type=checkbox]").AllAsync()) await consent.CheckAsync();
        await resident.AssertAccessibleAsync();
        await resident.ScreenshotAsync("houten-2-consent-390");
        await AssertFitsAsync(resident, 390);
        await resident.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await resident.GetByRole(AriaRole.Button, new() { Name = "Opnemen" }).ClickAsync();
        await Assertions.Expect(resident.GetByRole(AriaRole.Status)).ToHaveTextAsync("Je wordt opgenomen.");
        // The length of the story the resident tells: this is the recording, not a wait for something to happen.
        await resident.WaitForTimeoutAsync(6000);
        await resident.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Assertions.Expect(resident.GetByRole(AriaRole.Heading, new() { Name = "Luister terug" })).ToBeVisibleAsync();
        await resident.GetByRole(AriaRole.Button, new() { Name = "Versturen" }).ClickAsync();
        await Assertions.Expect(resident.GetByRole(AriaRole.Heading, new() { Name = "Je verhaal is verstuurd" })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var receipt = (await resident.Locator("#receipt").InnerTextAsync()).Trim();
        Assert.False(string.IsNullOrEmpty(receipt));
        await resident.AssertAccessibleAsync();
        await resident.ScreenshotAsync("houten-2-receipt-390");
        await AssertFitsAsync(resident, 390);

        // 3. A real worker process transcribes it; the facilitator sees "Uitgeschreven door de computer" in the stories list.
        var worker = AppProcess.Start("Storytelling.Worker", browser.WorkerSettings());
        try
        {
            await WaitUntilAsync(async () =>
            {
                await facilitator.GotoAsync($"/projects/{projectId}/stories");
                var state = facilitator.Locator("table.stories td.transcription");
                return await state.CountAsync() == 1 && (await state.InnerTextAsync()).Trim() == "Uitgeschreven door de computer";
            }, () => $"The story was not transcribed. Worker output:\n{worker.Stdout}\n{worker.Stderr}");
        }
        finally
        {
            await worker.DisposeAsync();
        }
        await facilitator.AssertAccessibleAsync();
        await facilitator.ScreenshotAsync("houten-3-transcribed");

        string quote = "", pseudonym = "";
        await browser.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().SingleAsync(s => s.ReceiptCodeHash == ReceiptCode.Hash(receipt));
            Assert.Equal(StoryStatus.Transcribed, story.Status);
            var segments = await db.TranscriptSegments.AsNoTracking().Where(s => db.Transcripts.Any(t => t.Id == s.TranscriptId && t.StoryId == story.Id)).OrderBy(s => s.Position).ToListAsync();
            Assert.NotEmpty(segments);
            Assert.All(segments, s => Assert.True(s.EndMs >= s.StartMs && !string.IsNullOrWhiteSpace(s.Text), "each segment has text and a forward time span"));
            for (var i = 1; i < segments.Count; i++) Assert.True(segments[i].StartMs >= segments[i - 1].StartMs, "segments are in time order");
            quote = segments[0].Text.Trim();
            pseudonym = story.TellerPseudonym;
        });

        // 4. The facilitator proposes a theme and opens a workshop with the board on the projector.
        await facilitator.GotoAsync($"/projects/{projectId}/codebook");
        await facilitator.Locator("#new-name").FillAsync("Werk");
        await facilitator.GetByRole(AriaRole.Button, new() { Name = "Voorstellen" }).ClickAsync();
        await Assertions.Expect(facilitator.GetByRole(AriaRole.Status)).ToContainTextAsync("Werk");
        await facilitator.AssertAccessibleAsync();
        await facilitator.ScreenshotAsync("houten-4-codebook");
        await facilitator.GotoAsync($"/projects/{projectId}/workshops");
        await facilitator.GetByLabel("Titel").FillAsync("Werkplaats Houten");
        await facilitator.GetByRole(AriaRole.Button, new() { Name = "Werksessie openen" }).ClickAsync();
        var code = (await facilitator.Locator(".session-code").First.TextContentAsync())!.Trim();
        await facilitator.GetByRole(AriaRole.Link, new() { Name = "Themabord (beamer)" }).ClickAsync();
        await Assertions.Expect(facilitator.Locator("#board[data-ready=true]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });

        // A guest resident types the code; a signed-in member follows the link. Both tag the fragment and vote.
        var guest = await browser.NewPageAsync();
        await guest.GotoAsync("/w");
        await guest.GetByLabel("Typ de code van het scherm").FillAsync(code);
        await guest.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        var member = await browser.NewPageAsync();
        await member.SignInAsync(memberEmail);
        await member.GotoAsync($"/w/{code}");
        foreach (var (phone, name) in new[] { (guest, "Fatima"), (member, "Mila") })
        {
            await phone.GetByLabel("Hoe mogen we je noemen?").FillAsync(name);
            await phone.GetByRole(AriaRole.Button, new() { Name = "Meedoen" }).ClickAsync();
            await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync($"Je doet mee als {name}", Live);
            await phone.Locator(".story-button").First.ClickAsync();
            var fragment = phone.Locator(".fragment").First;
            await fragment.GetByRole(AriaRole.Button, new() { Name = "Thema geven" }).ClickAsync();
            await fragment.GetByRole(AriaRole.Button, new() { Name = "Werk" }).ClickAsync();
            await Assertions.Expect(fragment.Locator(".chip")).ToContainTextAsync("Werk", Live);
            await phone.GetByRole(AriaRole.Button, new() { Name = "Stip zetten bij Werk" }).ClickAsync();
            await phone.AssertAccessibleAsync();
            await phone.ScreenshotAsync($"houten-4-workshop-{name.ToLowerInvariant()}-390");
            await AssertFitsAsync(phone, 390);
        }
        var werk = facilitator.Locator(".theme-card", new() { HasText = "Werk" });
        await Assertions.Expect(werk).ToContainTextAsync("2 stemmen", Live);
        await facilitator.AssertAccessibleAsync();
        await facilitator.ScreenshotAsync("houten-4-board");

        // 5. The policy officer makes the report: the voted theme is first, the quote is picked, the .docx holds it.
        var officer = await browser.NewPageAsync(1280, 800);
        await officer.SignInAsync(officerEmail);
        await officer.GotoAsync($"/projects/{projectId}");
        await officer.Locator(".project-nav").GetByRole(AriaRole.Link, new() { Name = "Rapporten" }).ClickAsync();
        await officer.WaitForAddressAsync($"**/projects/{projectId}/reports");
        await Assertions.Expect(officer.Locator("li.report-theme legend label").First).ToHaveTextAsync("Werk");
        await Assertions.Expect(officer.Locator("li.report-theme .meta").First).ToContainTextAsync("2 stemmen");
        await Assertions.Expect(officer.Locator(".quote-picks")).ToContainTextAsync(quote);
        await officer.Locator(".quote-picks input[type=checkbox]").First.CheckAsync();
        await officer.AssertAccessibleAsync();
        await officer.ScreenshotAsync("houten-5-reports");
        await officer.GetByRole(AriaRole.Button, new() { Name = "Rapport maken" }).ClickAsync();
        await officer.WaitForAddressAsync(ReportUrl());
        var firstReportUrl = officer.Url;
        await Assertions.Expect(officer.Locator(".report-body blockquote")).ToContainTextAsync(quote);
        var download = await officer.RunAndWaitForDownloadAsync(() => officer.GetByRole(AriaRole.Link, new() { Name = "Word (.docx)" }).ClickAsync());
        var docx = Path.Combine(browser.ModelsDirectory, "..", "report.docx");
        await download.SaveAsAsync(docx);
        Assert.Contains(quote, DocumentText(docx), StringComparison.Ordinal);
        await officer.AssertAccessibleAsync();
        await officer.ScreenshotAsync("houten-5-report");

        // 6. The teller opens her story with the receipt code and withdraws it, after confirming.
        var teller = await browser.NewPageAsync();
        await teller.GotoAsync("/verhaal");
        await teller.GetByLabel("Je code").FillAsync(receipt);
        await teller.GetByRole(AriaRole.Button, new() { Name = "Openen" }).ClickAsync();
        await teller.GetByRole(AriaRole.Link, new() { Name = "Ik wil mijn verhaal intrekken" }).ClickAsync();
        await Assertions.Expect(teller.Locator(".confirm")).ToContainTextAsync("Weet je het zeker?");
        await teller.AssertAccessibleAsync();
        await teller.ScreenshotAsync("houten-6-confirm-390");
        await AssertFitsAsync(teller, 390);
        await teller.GetByRole(AriaRole.Button, new() { Name = "Ja, wis mijn verhaal" }).ClickAsync();
        await Assertions.Expect(teller.Locator("h1")).ToContainTextAsync("Je verhaal is gewist");
        await teller.AssertAccessibleAsync();
        await teller.ScreenshotAsync("houten-6-withdrawn-390");

        // 7. The old report says it is stale and why; the one made again no longer quotes the teller.
        await officer.GotoAsync(firstReportUrl);
        await Assertions.Expect(officer.Locator("#stale")).ToContainTextAsync("ingetrokken");
        await officer.GetByRole(AriaRole.Button, new() { Name = "Opnieuw opstellen" }).ClickAsync();
        await officer.WaitForAddressAsync(url => ReportUrl().IsMatch(url) && url != firstReportUrl);
        await Assertions.Expect(officer.Locator(".report-body")).ToBeVisibleAsync();
        await Assertions.Expect(officer.Locator(".report-body")).Not.ToContainTextAsync(quote);
        await Assertions.Expect(officer.Locator("#stale")).ToHaveCountAsync(0);
        // The .md download of the new report, fetched with the officer's own cookies.
        var markdownHref = await officer.GetByRole(AriaRole.Link, new() { Name = "Markdown (.md)" }).GetAttributeAsync("href");
        var markdown = await officer.APIRequest.GetAsync(markdownHref!);
        Assert.True(markdown.Ok);
        Assert.DoesNotContain(quote, await markdown.TextAsync(), StringComparison.Ordinal);
        await officer.AssertAccessibleAsync();
        await officer.ScreenshotAsync("houten-7-regenerated");

        await officer.GotoAsync(firstReportUrl);
        var stale = officer.Locator("#stale");
        await Assertions.Expect(stale).ToContainTextAsync("Dit rapport is verouderd.");
        await Assertions.Expect(stale).ToContainTextAsync("door de verteller ingetrokken");
        await Assertions.Expect(stale.GetByRole(AriaRole.Link, new() { Name = "Naar de nieuwere versie" })).ToBeVisibleAsync();
        // The old report keeps its place holder where the quote stood, and neither the quote nor its source.
        await Assertions.Expect(officer.Locator(".report-body blockquote")).ToHaveTextAsync("[citaat verwijderd: verhaal ingetrokken]");
        await Assertions.Expect(officer.Locator(".report-body")).Not.ToContainTextAsync(quote);
        await Assertions.Expect(officer.Locator(".report-body")).Not.ToContainTextAsync(pseudonym);
        await officer.AssertAccessibleAsync();
        await officer.ScreenshotAsync("houten-7-stale");
        await officer.GotoAsync($"/projects/{projectId}/reports");
        await Assertions.Expect(officer.Locator(".report-list .stale-badge")).ToHaveCountAsync(1);
        await officer.ScreenshotAsync("houten-7-reports");
    }

    /// <summary>Goes from the project's navigation to "Mensen en instellingen", makes a link there and reads it from the page.</summary>
    private static async Task<string> MakeLinkAsync(IPage page, string kind, string role)
    {
        await page.Locator(".project-nav").GetByRole(AriaRole.Link, new() { Name = "Mensen en instellingen" }).ClickAsync();
        await page.WaitForAddressAsync("**/people");
        await page.Locator("#kind").SelectOptionAsync(kind);
        await page.Locator("#role").SelectOptionAsync(role);
        await page.GetByRole(AriaRole.Button, new() { Name = "Link maken" }).ClickAsync();
        var link = page.Locator("#new-link-value");
        await Assertions.Expect(link).ToBeVisibleAsync();
        return await link.InputValueAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> explain)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(explain());
            await Task.Delay(1000);
        }
    }

    private static string DocumentText(string path)
    {
        using var document = WordprocessingDocument.Open(path, false);
        // Paragraph by paragraph: a quote may be split into several runs inside one paragraph, never across paragraphs.
        return string.Join("\n", document.MainDocumentPart!.Document!.Body!.Descendants<DocumentFormat.OpenXml.Wordprocessing.Paragraph>().Select(p => p.InnerText));
    }

    private static async Task AssertFitsAsync(IPage page, int width)
    {
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{page.Url} is {scrollWidth} px wide at a {width} px viewport");
    }

    [GeneratedRegex(@"/projects/(?<id>[0-9a-f-]{36})$")]
    private static partial Regex ProjectUrl();

    [GeneratedRegex(@"/projects/[0-9a-f-]{36}/reports/[0-9a-f-]{36}$")]
    private static partial Regex ReportUrl();
}
