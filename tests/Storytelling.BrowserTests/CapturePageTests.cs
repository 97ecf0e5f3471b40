using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.Core.Stories;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Invitations;

namespace Storytelling.BrowserTests;

/// <summary>
/// The resident's phone page behind a capture QR code, in a real Chromium with a fake microphone: it must be readable
/// in Dutch and Arabic, record, and deliver the recording even when the connection drops or the page reloads.
/// </summary>
public sealed class CapturePageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    // Small chunks so a three-second recording spans several requests and the network can fail in between.
    private const int TestChunkKb = 16;

    [Fact]
    public async Task The_capture_page_is_accessible_in_Dutch_and_right_to_left_in_Arabic()
    {
        var token = await NewCaptureLinkAsync();

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/c/{token}");
        Assert.Equal("nl", await page.GetAttributeAsync("html", "lang"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Kies je taal" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-language-nl-390");

        await page.GetByRole(AriaRole.Button, new() { Name = "Nederlands" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Vertel je verhaal" })).ToBeFocusedAsync();
        Assert.Contains("Wat betekent werk voor jou?", await page.Locator("main").InnerTextAsync());
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-question-nl-390");

        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mag het?" })).ToBeFocusedAsync();
        // The first box is required: going on without it says so and stays put.
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("eerste vakje");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-consent-nl-390");
        await AssertFitsAsync(page);

        // Switching to Arabic flips the whole page.
        await page.GetByRole(AriaRole.Button, new() { Name = "عربي" }).ClickAsync();
        Assert.Equal("rtl", await page.GetAttributeAsync("html", "dir"));
        Assert.Equal("ar", await page.GetAttributeAsync("html", "lang"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-consent-ar-390");

        var arabic = await browser.NewPageAsync(locale: "ar");
        await arabic.GotoAsync($"/c/{token}");
        // The phone's language is Arabic, so the page starts in Arabic.
        Assert.Equal("rtl", await arabic.GetAttributeAsync("html", "dir"));
        await arabic.GetByRole(AriaRole.Button, new() { Name = "العربية" }).ClickAsync();
        await Expect(arabic.GetByRole(AriaRole.Heading, new() { Name = "احكِ قصتك" })).ToBeFocusedAsync();
        await arabic.AssertAccessibleAsync();
        await arabic.ScreenshotAsync("capture-question-ar-390");
        await AssertFitsAsync(arabic);
        await arabic.GetByRole(AriaRole.Button, new() { Name = "التالي" }).ClickAsync();
        await arabic.GetByLabel("يمكن استخدام قصتي في البحث").CheckAsync();
        await arabic.GetByRole(AriaRole.Button, new() { Name = "التالي" }).ClickAsync();
        await Expect(arabic.GetByRole(AriaRole.Heading, new() { Name = "سجّل قصتك" })).ToBeVisibleAsync();
        await arabic.AssertAccessibleAsync();
        await arabic.ScreenshotAsync("capture-record-ar-390");
    }

    [Fact]
    public async Task An_unknown_link_shows_a_friendly_message()
    {
        var page = await browser.NewPageAsync();
        var response = await page.GotoAsync("/c/" + new string('x', 43));
        Assert.Equal(404, response!.Status);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Deze link kennen we niet" })).ToBeVisibleAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-unknown-390");
    }

    [Fact]
    public async Task A_recording_survives_a_lost_connection_and_arrives_with_the_same_hash()
    {
        var token = await NewCaptureLinkAsync();
        var page = await browser.NewPageAsync(microphone: true);
        await page.GotoAsync($"/c/{token}?chunkKb={TestChunkKb}");
        var log = new List<string>();
        page.Response += async (_, r) => { if (r.Url.Contains("/api/")) log.Add($"{r.Request.Method} {r.Status} {await r.TextAsync()}"); };
        page.RequestFailed += (_, r) => log.Add($"{r.Method} failed {r.Failure}");
        await RecordAsync(page);
        await page.ScreenshotAsync("capture-review-nl-390");

        // The second chunk meets a dead network: the phone goes offline just as it is sent.
        var chunks = 0;
        var cut = new TaskCompletionSource();
        await page.RouteAsync("**/api/uploads/*/chunks*", async route =>
        {
            if (Interlocked.Increment(ref chunks) == 2)
            {
                await page.Context.SetOfflineAsync(true);
                await route.AbortAsync("internetdisconnected");
                cut.TrySetResult();
                return;
            }
            await route.ContinueAsync();
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Versturen" }).ClickAsync();
        try { await WaitForCutAsync(page, cut.Task); } catch (Exception e) { throw new InvalidOperationException(string.Join("\n", log), e); }

        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Geen verbinding" })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<long>("window.storytellingCapture.offset") > 0, "the first chunk arrived before the cut");
        await page.ScreenshotAsync("capture-offline-nl-390");
        await page.Context.SetOfflineAsync(false);

        try { await AssertReceiptAndHashAsync(page); } catch (Exception e) { throw new InvalidOperationException(string.Join("\n", log), e); }
        Assert.True(chunks > 2, "sending went on after the connection came back");
        // The receipt step says where the code is used: the teller's own page, in the language she chose here.
        var tellerLink = page.GetByRole(AriaRole.Link, new() { Name = "Je verhaal later bekijken, verbeteren of terugnemen" });
        Assert.Equal("/verhaal?lang=nl", await tellerLink.GetAttributeAsync("href"));
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-receipt-nl-390");
        // The recording is gone from the phone only now that the server has it.
        Assert.Equal(0, await page.EvaluateAsync<int>(UnsentCountScript));
    }

    [Fact]
    public async Task Reloading_in_the_middle_of_sending_resumes_where_it_stopped()
    {
        var token = await NewCaptureLinkAsync();
        var page = await browser.NewPageAsync(microphone: true);
        await page.GotoAsync($"/c/{token}?chunkKb={TestChunkKb}");
        await RecordAsync(page);
        // A reload before pressing send keeps the take but does not send it: the teller still decides.
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Luister terug" })).ToBeVisibleAsync();

        var chunks = 0;
        var cut = new TaskCompletionSource();
        await page.RouteAsync("**/api/uploads/*/chunks*", async route =>
        {
            if (Interlocked.Increment(ref chunks) == 2)
            {
                await route.AbortAsync("connectionreset");
                cut.TrySetResult();
                return;
            }
            await route.ContinueAsync();
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Versturen" }).ClickAsync();
        await WaitForCutAsync(page, cut.Task);
        Assert.Equal(1, await page.EvaluateAsync<int>(UnsentCountScript));

        await page.ReloadAsync();
        await Expect(page.GetByText("We versturen je opname van eerder verder.").Or(page.Locator("#receipt:not(:empty)"))).ToBeVisibleAsync();
        await AssertReceiptAndHashAsync(page);
    }

    [Fact]
    public async Task An_interviewer_records_a_teller_with_verbal_consent_and_starts_clean_for_the_next()
    {
        var interviewer = await browser.App.CreatePersonAsync($"interviewer-{Guid.NewGuid():N}@example.org");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (interviewer.Id, ProjectRole.Interviewer));
        var page = await browser.NewPageAsync(microphone: true);
        await page.SignInAsync(interviewer.Email!);

        await page.GotoAsync($"/projects/{project.Id}/record");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mag het?" })).ToBeVisibleAsync();
        // Both the fictive name and the verbal consent are required before recording.
        await page.GetByLabel("Mijn verhaal mag gebruikt worden in het onderzoek").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("fictieve naam");
        await page.GetByLabel("Fictieve naam van de verteller").FillAsync("Peter");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("mondeling");
        await page.GetByLabel("De verteller gaf mondeling toestemming").CheckAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("record-interviewer-consent-390");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Opnemen" }).ClickAsync();
        await page.WaitForTimeoutAsync(2000);
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Versturen" }).ClickAsync();
        await AssertReceiptAndHashAsync(page);
        var receipt = await page.Locator("#receipt").InnerTextAsync();
        await browser.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().SingleAsync(s => s.ReceiptCodeHash == ReceiptCode.Hash(receipt));
            Assert.Equal("Peter", story.TellerPseudonym);
            Assert.Equal(Storytelling.Core.Stories.ConsentMethod.GivenVerbally, story.Consent.Method);
        });

        await page.GetByRole(AriaRole.Button, new() { Name = "Volgende verteller" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Mag het?" })).ToBeFocusedAsync();
        Assert.Equal("", await page.GetByLabel("Fictieve naam van de verteller").InputValueAsync());
        Assert.False(await page.GetByLabel("De verteller gaf mondeling toestemming").IsCheckedAsync());
    }

    private async Task RecordAsync(IPage page)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Nederlands" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await page.GetByLabel("Mijn verhaal mag gebruikt worden in het onderzoek").CheckAsync();
        await page.GetByLabel("Zinnen uit mijn verhaal mogen in een verslag").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Opnemen" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Je wordt opgenomen.");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("capture-recording-nl-390");
        await page.WaitForTimeoutAsync(3000);
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Luister terug" })).ToBeFocusedAsync();
        await page.AssertAccessibleAsync();
        // Stored on the phone before anything is sent.
        Assert.Equal(1, await page.EvaluateAsync<int>(UnsentCountScript));
    }

    /// <summary>Waits for the simulated network failure; when it never comes, says what the page showed instead.</summary>
    private static async Task WaitForCutAsync(IPage page, Task cut)
    {
        if (await Task.WhenAny(cut, Task.Delay(TimeSpan.FromSeconds(30))) == cut) return;
        var state = await page.EvaluateAsync<string>("JSON.stringify(window.storytellingCapture)");
        var text = await page.Locator("main").InnerTextAsync();
        Assert.Fail($"the second chunk was never sent; state {state}; page: {text}");
    }

    private async Task AssertReceiptAndHashAsync(IPage page)
    {
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Je verhaal is verstuurd" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var receipt = await page.Locator("#receipt").InnerTextAsync();
        Assert.Equal(receipt, await page.EvaluateAsync<string>("window.storytellingCapture.lastReceipt"));
        var browserHash = await page.EvaluateAsync<string>("window.storytellingCapture.recordingSha256");
        Assert.Matches("^[0-9a-f]{64}$", browserHash);

        string? storedHash = null;
        await browser.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().SingleAsync(s => s.ReceiptCodeHash == ReceiptCode.Hash(receipt));
            storedHash = await db.Recordings.AsNoTracking().Where(r => r.StoryId == story.Id).Select(r => r.Sha256).SingleAsync();
        });
        Assert.Equal(browserHash, storedHash);
    }

    // Counts the recordings still waiting in the page's IndexedDB.
    private const string UnsentCountScript = """
        () => new Promise((resolve, reject) => {
          const req = indexedDB.open('storytelling-capture');
          req.onsuccess = () => {
            const db = req.result;
            if (!db.objectStoreNames.contains('recordings')) { db.close(); resolve(0); return; }
            const count = db.transaction('recordings').objectStore('recordings').count();
            count.onsuccess = () => { db.close(); resolve(count.result); };
            count.onerror = () => reject(count.error);
          };
          req.onerror = () => reject(req.error);
        })
        """;

    private static async Task AssertFitsAsync(IPage page)
    {
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"page is {scrollWidth} px wide at a 390 px viewport");
    }

    private async Task<string> NewCaptureLinkAsync()
    {
        var facilitator = await browser.App.CreatePersonAsync($"begeleider-{Guid.NewGuid():N}@example.org");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await using var scope = browser.App.Services.CreateAsyncScope();
        var invitations = scope.ServiceProvider.GetRequiredService<InvitationService>();
        var (_, token) = await invitations.CreateAsync(project.Id, InvitationKind.Capture, ProjectRole.Bewoner, null, null, facilitator.Id, CancellationToken.None);
        return token;
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);
}
