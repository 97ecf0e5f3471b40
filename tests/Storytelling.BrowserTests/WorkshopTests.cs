using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.BrowserTests;

public sealed class WorkshopTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 15_000 };

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task Two_phones_tag_together_and_the_projector_follows_live(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await SeedAsync(project.Id);

        // The facilitator opens a session and puts the board on the projector.
        var staff = await browser.NewPageAsync(width, height);
        await staff.SignInAsync(email);
        await staff.GotoAsync($"/projects/{project.Id}/workshops");
        await staff.GetByLabel("Titel").FillAsync("Veranderbijeenkomst");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Werksessie openen" }).ClickAsync();
        var code = (await staff.Locator(".session-code").First.TextContentAsync())!.Trim();
        Assert.Matches("^[346789ACDEFGHJKMNPQRTUVWXY]{6}$", code);
        await staff.AssertAccessibleAsync();
        await staff.ScreenshotAsync($"workshop-sessions-{width}");
        await staff.GetByRole(AriaRole.Link, new() { Name = "Themabord (beamer)" }).ClickAsync();
        await Assertions.Expect(staff.Locator("#board[data-ready=true]")).ToHaveCountAsync(1, new() { Timeout = 15_000 });

        // Two residents join as guests: one types the code, one follows the link.
        var fatima = await browser.NewPageAsync(width, height);
        await fatima.GotoAsync("/w");
        await fatima.GetByLabel("Typ de code van het scherm").FillAsync(code.ToLowerInvariant());
        await fatima.GetByRole(AriaRole.Button, new() { Name = "Verder" }).ClickAsync();
        await fatima.GetByLabel("Hoe mogen we je noemen?").FillAsync("Fatima");
        await fatima.GetByRole(AriaRole.Button, new() { Name = "Meedoen" }).ClickAsync();
        await Assertions.Expect(fatima.Locator("#status")).ToContainTextAsync("Je doet mee als Fatima", Live);

        var kees = await browser.NewPageAsync(width, height);
        var keesAskedForFragments = 0;
        kees.WebSocket += (_, socket) => socket.FrameSent += (_, frame) =>
        {
            if (frame.Text?.Contains("\"target\":\"GetFragments\"", StringComparison.Ordinal) == true) Interlocked.Increment(ref keesAskedForFragments);
        };
        await kees.GotoAsync($"/w/{code}");
        await kees.AssertAccessibleAsync();
        await kees.GetByLabel("Hoe mogen we je noemen?").FillAsync("Kees");
        await kees.GetByRole(AriaRole.Button, new() { Name = "Meedoen" }).ClickAsync();
        await Assertions.Expect(kees.Locator("#status")).ToContainTextAsync("Je doet mee als Kees", Live);

        // Kees reads Karim's story too.
        await kees.GetByRole(AriaRole.Button, new() { Name = "Karim · 3 stukjes" }).ClickAsync();
        await Assertions.Expect(kees.Locator(".fragment").First).ToContainTextAsync("met Peter");

        // Fatima tags the first fragment of Karim's story; Kees sees it arrive, with the pseudonym.
        await fatima.GetByRole(AriaRole.Button, new() { Name = "Karim · 3 stukjes" }).ClickAsync();
        await Assertions.Expect(fatima.Locator(".fragment").First).ToContainTextAsync("met Peter");
        await fatima.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "Thema geven" }).ClickAsync();
        await fatima.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "Werk" }).ClickAsync();
        await Assertions.Expect(fatima.Locator(".fragment").First.Locator(".chip")).ToContainTextAsync("Werk", Live);
        await Assertions.Expect(kees.Locator("#feed")).ToContainTextAsync("Fatima gaf \"Werk\": “Ik had een eigen zaak met Peter, mijn compagnon.”", Live);
        Assert.DoesNotContain("Jan", await kees.Locator("#feed").TextContentAsync() ?? "", StringComparison.Ordinal);
        // The theme lands on Kees's copy of that fragment alone, without his phone asking for the story again (in a
        // room of 400, every coding would otherwise cost 400 reads of the transcript).
        await Assertions.Expect(kees.Locator(".fragment").First.Locator(".chip")).ToContainTextAsync("Werk", Live);
        await Assertions.Expect(kees.Locator(".fragment").Nth(1).Locator(".chip")).ToHaveCountAsync(0);
        Assert.Equal(1, keesAskedForFragments);

        // The projector counts it and shows the quote; Kees's dot appears there too.
        var werk = staff.Locator(".theme-card", new() { HasText = "Werk" });
        await Assertions.Expect(werk).ToContainTextAsync("1 verhaal · 1 verteller · 1× getagd", Live);
        await Assertions.Expect(werk).ToContainTextAsync("Ik had een eigen zaak met Peter", Live);
        await kees.GetByRole(AriaRole.Button, new() { Name = "Stip zetten bij Werk" }).ClickAsync();
        await Assertions.Expect(werk).ToContainTextAsync("1 stem", Live);
        await Assertions.Expect(kees.Locator("#votes-left")).ToContainTextAsync("Je hebt nog 2 van 3 stippen");

        // The facilitator puts the quote in the spotlight; the phones show it.
        await werk.GetByRole(AriaRole.Button, new() { Name = "Zet het citaat van Karim in de schijnwerper" }).ClickAsync();
        await Assertions.Expect(staff.Locator("#spot")).ToContainTextAsync("Ik had een eigen zaak met Peter", Live);
        await Assertions.Expect(kees.Locator("#spotlight")).ToContainTextAsync("Ik had een eigen zaak met Peter", Live);

        await fatima.AssertAccessibleAsync();
        await kees.AssertAccessibleAsync();
        await staff.AssertAccessibleAsync();
        await fatima.ScreenshotAsync($"workshop-phone-tagging-{width}");
        await kees.ScreenshotAsync($"workshop-phone-news-{width}");
        await staff.ScreenshotAsync($"workshop-board-{width}");
        foreach (var page in new[] { fatima, kees, staff })
        {
            var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
            Assert.True(scrollWidth <= width, $"{page.Url} is {scrollWidth} px wide at a {width} px viewport");
        }

        // The facilitator takes the theme off again elsewhere (as on the transcript page); Kees's phone follows, with one
        // more read of the story.
        await using (var scope = browser.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
            var coding = await db.Codings.SingleAsync(c => c.Theme!.ProjectId == project.Id);
            Assert.True(await scope.ServiceProvider.GetRequiredService<CodingService>().RemoveAsync(project.Id, coding.Id, facilitator.Id, CancellationToken.None));
        }
        await Assertions.Expect(kees.Locator(".fragment").First.Locator(".chip")).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        Assert.Equal(2, keesAskedForFragments);

        await staff.GotoAsync($"/projects/{project.Id}/tussenruimte");
        await Assertions.Expect(staff.Locator("#kappa")).ToContainTextAsync("Geen kappa");
        await staff.AssertAccessibleAsync();
        await staff.ScreenshotAsync($"workshop-tussenruimte-{width}");
    }

    [Fact]
    public async Task A_coding_tagged_while_the_phone_is_cut_off_waits_and_is_saved_after_the_reconnect()
    {
        var (project, code) = await OpenSessionAsync();

        var phone = await browser.NewPageAsync(390, 844);
        // Keeps the page's WebSockets at hand, so the test can cut the connection as a dying node or Wi-Fi would.
        await phone.AddInitScriptAsync("""
            (() => { const Native = window.WebSocket; window.__sockets = [];
              window.WebSocket = class extends Native { constructor(...args) { super(...args); window.__sockets.push(this); } }; })();
            """);
        await phone.GotoAsync($"/w/{code}");
        await phone.GetByLabel("Hoe mogen we je noemen?").FillAsync("Fatima");
        await phone.GetByRole(AriaRole.Button, new() { Name = "Meedoen" }).ClickAsync();
        await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync("Je doet mee als Fatima", Live);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Karim · 3 stukjes" }).ClickAsync();
        await Assertions.Expect(phone.Locator(".fragment").First).ToContainTextAsync("met Peter");

        // The Wi-Fi drops (or the phone's web node dies): the page says so calmly and keeps what is tagged meanwhile.
        await phone.Context.SetOfflineAsync(true);
        await phone.EvaluateAsync("() => window.__sockets.forEach((s) => s.close())");
        await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync("opnieuw verbinden", Live);
        await phone.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "Thema geven" }).ClickAsync();
        await phone.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "Werk" }).ClickAsync();
        await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync("wordt bewaard zodra de verbinding terug is", Live);
        await phone.ScreenshotAsync("workshop-offline-queued");

        await phone.Context.SetOfflineAsync(false);
        await Assertions.Expect(phone.Locator(".fragment").First.Locator(".chip")).ToContainTextAsync("Werk", new() { Timeout = 30_000 });
        Assert.Equal(1, await browser.App.WithDbAsync(db => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.CountAsync(
            db.Codings, c => c.WorkshopSessionId != null && c.Theme!.ProjectId == project.Id)));
    }

    [Fact]
    public async Task A_phone_set_to_Arabic_joins_right_to_left_with_the_scripts_texts_in_Arabic()
    {
        var (project, code) = await OpenSessionAsync();

        // The phone speaks Arabic: the pages follow it, right to left, without a choice being made.
        var phone = await browser.NewPageAsync(360, 780, locale: "ar");
        await phone.GotoAsync("/w");
        await Assertions.Expect(phone.Locator("html")).ToHaveAttributeAsync("dir", "rtl");
        await Assertions.Expect(phone.Locator("html")).ToHaveAttributeAsync("lang", "ar");
        await phone.AssertAccessibleAsync();
        await phone.GetByLabel("اكتب الرمز الظاهر على الشاشة").FillAsync(code.ToLowerInvariant());
        await phone.GetByRole(AriaRole.Button, new() { Name = "متابعة" }).ClickAsync();
        await phone.GetByLabel("بماذا نناديك؟").FillAsync("فاطمة");
        await phone.GetByRole(AriaRole.Button, new() { Name = "انضمّ" }).ClickAsync();

        // Texts set by workshop.js come in Arabic too.
        await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync("أنت مشارك باسم فاطمة", Live);
        await Assertions.Expect(phone.Locator("#votes-left")).ToContainTextAsync("بقي لديك 3 من 3 نقاط");
        await Assertions.Expect(phone.GetByRole(AriaRole.Button, new() { Name = "ضع نقطة على Werk" })).ToHaveCountAsync(1);
        await phone.GetByRole(AriaRole.Button, new() { Name = "Karim · 3 مقاطع" }).ClickAsync();
        await Assertions.Expect(phone.Locator("#story-title")).ToHaveTextAsync("قصة Karim");
        await phone.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "إضافة موضوع" }).ClickAsync();
        await phone.Locator(".fragment").First.GetByRole(AriaRole.Button, new() { Name = "Werk" }).ClickAsync();
        await Assertions.Expect(phone.Locator("#status")).ToContainTextAsync("أُضيف الموضوع «Werk».", Live);
        await Assertions.Expect(phone.Locator("#feed")).ToContainTextAsync("فاطمة أضاف «Werk»", Live);
        await Assertions.Expect(phone.Locator("html")).ToHaveAttributeAsync("dir", "rtl");

        await phone.AssertAccessibleAsync();
        await phone.ScreenshotAsync("workshop-phone-arabic-360");
        var scrollWidth = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 360, $"the Arabic room is {scrollWidth} px wide at a 360 px viewport");
    }

    private async Task SeedAsync(Guid projectId) => await browser.App.WithDbAsync(async db =>
    {
        var at = browser.App.Time.GetUtcNow();
        var story = new Story
        {
            ProjectId = projectId, TellerPseudonym = "Karim", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
            Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
        };
        db.Stories.Add(story);
        string[] lines = ["Ik had een eigen zaak met Jan, mijn compagnon.", "Toen ging alles mis: de zaak, het huis, mijn inschrijving.", "Ik ben gewoon te moe om te solliciteren."];
        db.Transcripts.Add(new Transcript
        {
            StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = at,
            Segments = lines.Select((l, i) => new TranscriptSegment { Position = i, StartMs = i * 4000, EndMs = i * 4000 + 3500, Text = l }).ToList(),
        });
        db.Pseudonyms.Add(new Pseudonym { ProjectId = projectId, StoryId = story.Id, Original = "Jan", Replacement = "Peter", CreatedAt = at });
        db.Themes.AddRange(
            new Theme { ProjectId = projectId, Name = "Werk", Colour = "#1F618D", Kind = ThemeKind.Knelpunt, CreatedAt = at },
            new Theme { ProjectId = projectId, Name = "Schulden", Colour = "#C0392B", Kind = ThemeKind.Knelpunt, CreatedAt = at });
        await db.SaveChangesAsync();
    });


    /// <summary>A facilitator opens a session of a seeded project at 1280 px; its code is what phones type.</summary>
    private async Task<(Project Project, string Code)> OpenSessionAsync()
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await SeedAsync(project.Id);
        var staff = await browser.NewPageAsync(1280, 800);
        await staff.SignInAsync(email);
        await staff.GotoAsync($"/projects/{project.Id}/workshops");
        await staff.GetByLabel("Titel").FillAsync("Veranderbijeenkomst");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Werksessie openen" }).ClickAsync();
        var code = (await staff.Locator(".session-code").First.TextContentAsync())!.Trim();
        return (project, code);
    }
}
