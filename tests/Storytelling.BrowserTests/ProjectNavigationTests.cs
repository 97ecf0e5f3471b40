using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Invitations;

namespace Storytelling.BrowserTests;

/// <summary>
/// The project navigation (issue 16, "Find your way"): every role sees the steps of the process it may open and no
/// other, every link it is shown opens, the current step and page are marked, it works by keyboard and fits a phone;
/// a capture link made outside gathering warns at once and shows its QR code where the facilitator is.
/// </summary>
public sealed class ProjectNavigationTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    public static TheoryData<ProjectRole, string[]> Sections => new()
    {
        { ProjectRole.Begeleider, ["Overzicht", "Verhalen", "Analyseren", "Werksessies", "Rapporten", "Evaluatie", "Mensen en instellingen"] },
        { ProjectRole.Beleidsmedewerker, ["Overzicht", "Verhalen", "Analyseren", "Rapporten", "Evaluatie", "Mensen en instellingen"] },
        { ProjectRole.Bewoner, ["Overzicht", "Verhalen", "Analyseren", "Evaluatie", "Mensen en instellingen"] },
        { ProjectRole.Interviewer, ["Overzicht", "Verhalen", "Evaluatie"] },
        { ProjectRole.Beheerder, ["Overzicht", "Evaluatie", "Mensen en instellingen"] },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public async Task Each_role_sees_the_steps_it_may_open_and_every_link_it_is_shown_opens(ProjectRole role, string[] expected)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@example.org";
        var person = await browser.App.CreatePersonAsync(email, name: "Lid " + role);
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (person.Id, role));
        var page = await browser.NewPageAsync(1280, 800);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}");

        var sections = page.Locator(".project-nav .project-sections a");
        await Assertions.Expect(sections).ToHaveTextAsync(expected);
        await Assertions.Expect(page.Locator(".project-nav .project-sections a[aria-current]")).ToHaveTextAsync("Overzicht");

        // Every page of every step the reader is shown opens for them (the menu asks the same rules as the doors).
        var hrefs = new List<string>();
        var stepHrefs = await sections.EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))");
        foreach (var href in stepHrefs)
        {
            var response = await page.GotoAsync(href);
            Assert.True(response!.Status == 200, $"{role}: {href} answered {response.Status}");
            hrefs.Add(href);
            hrefs.AddRange(await page.Locator(".project-nav .project-pages a").EvaluateAllAsync<string[]>("links => links.map(a => a.getAttribute('href'))"));
        }
        foreach (var href in hrefs.Distinct())
        {
            var response = await page.GotoAsync(href);
            Assert.True(response!.Status == 200, $"{role}: {href} answered {response.Status}");
        }
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_facilitator_finds_every_step_by_keyboard_on_a_phone_and_a_laptop(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            db.Stories.Add(new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            });
            await db.SaveChangesAsync();
        });
        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}");

        // The overview: the phase, what to do next in it, counts and recent activity.
        await Assertions.Expect(page.Locator(".next-steps")).ToContainTextAsync("Wat nu (fase: ophalen)");
        await Assertions.Expect(page.Locator(".next-list a").First).ToHaveTextAsync("Deel een vertel-link met QR-code, zodat bewoners hun verhaal vertellen");
        await Assertions.Expect(page.Locator(".counts")).ToContainTextAsync("Verhalen");
        await Assertions.Expect(page.Locator(".recent")).ToContainTextAsync("Een verhaal kwam binnen");
        await AssertFitsAsync(page, width, $"nav-overview-{width}");

        // By keyboard: Tab to "Analyseren", Enter, then to "Tussenruimte" in the step's own pages.
        await TabToAsync(page, ".project-sections a", "Analyseren");
        await EnterAsync(page, $"**/projects/{project.Id}/codebook");
        await Assertions.Expect(page.Locator(".project-sections a[aria-current=true]")).ToHaveTextAsync("Analyseren");
        await Assertions.Expect(page.Locator(".project-pages a[aria-current=page]")).ToHaveTextAsync("Codeboek");
        await TabToAsync(page, ".project-pages a", "Tussenruimte");
        await EnterAsync(page, $"**/projects/{project.Id}/tussenruimte");
        await Assertions.Expect(page.Locator(".project-pages a[aria-current=page]")).ToHaveTextAsync("Tussenruimte");

        // The last step, reached by keyboard, scrolls into view on a phone rather than widening the page.
        await TabToAsync(page, ".project-sections a", "Mensen en instellingen");
        var rect = await page.EvaluateAsync<double[]>("() => { const r = document.activeElement.getBoundingClientRect(); return [r.left, r.right, window.innerWidth]; }");
        Assert.True(rect[0] >= 0 && rect[1] <= rect[2], $"the focused step spans {rect[0]}–{rect[1]} in a {rect[2]} px viewport");
        await EnterAsync(page, $"**/projects/{project.Id}/people");
        await Assertions.Expect(page.Locator(".project-pages a")).ToHaveTextAsync(["Mensen en links", "Vraag in andere talen", "Bewaartermijn audio", "Importeren", "Uitwisselen (REFI-QDA)"]);
        await AssertFitsAsync(page, width, $"nav-people-{width}");

        await page.Locator(".project-nav").GetByRole(AriaRole.Link, new() { Name = "Verhalen" }).ClickAsync();
        await page.WaitForAddressAsync($"**/projects/{project.Id}/stories");
        await Assertions.Expect(page.Locator("#stories")).ToContainTextAsync("Anna");
        await AssertFitsAsync(page, width, $"nav-stories-{width}");
        foreach (var path in new[] { "codebook", "tussenruimte", "workshops", "reports", "phase", "experiments", "rounds", "questions", "retention", "import", "exchange", "vertellers" })
        {
            await page.GotoAsync($"/projects/{project.Id}/{path}");
            await Assertions.Expect(page.Locator(".project-nav [aria-current]").First).ToBeVisibleAsync();
            await AssertFitsAsync(page, width, $"nav-{path}-{width}");
        }
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_capture_link_made_while_the_project_does_not_gather_warns_points_to_the_open_round_and_shows_its_QR_code_in_place(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            var p = await db.Projects.FindAsync(project.Id);
            p!.Phase = ProjectPhase.CoEvaluate;
            db.EvaluationRounds.Add(new EvaluationRound { ProjectId = project.Id, Number = 1, Question = "Wat is er voor jou veranderd?", OpensAt = at.AddHours(-1), CreatedAt = at.AddHours(-1) });
            await db.SaveChangesAsync();
        });
        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}/people");
        await Assertions.Expect(page.Locator("#capture-closed-hint")).ToContainTextAsync("het project haalt nu geen verhalen op (fase: co-evalueren)");

        await page.GetByLabel("Soort link").SelectOptionAsync("Capture");
        await page.GetByRole(AriaRole.Button, new() { Name = "Link maken" }).ClickAsync();
        await page.WaitForAddressAsync("**/people?handler=Invite#new-link");
        var warning = page.Locator(".new-link .capture-closed");
        await Assertions.Expect(warning).ToContainTextAsync("Deze vertel-link neemt nu geen verhalen aan");
        await Assertions.Expect(warning).ToContainTextAsync("Evaluatieronde 1 staat open: gebruik de link van die ronde.");
        await Assertions.Expect(warning.GetByRole(AriaRole.Link, new() { Name = "Naar de evaluatierondes" })).ToHaveAttributeAsync("href", $"/projects/{project.Id}/rounds");
        await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR-code van de nieuwe vertel-link" })).ToBeVisibleAsync();
        // The browser lands on the new link, not at the top of the page.
        var linkInView = await page.EvaluateAsync<bool>("() => { const r = document.getElementById('new-link-value').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }");
        Assert.True(linkInView, "the new link is not in view after making it");
        await AssertFitsAsync(page, width, $"people-capture-warning-{width}");

        // What the warning says is what the phone shows.
        var link = await page.Locator("#new-link-value").InputValueAsync();
        var phone = await browser.NewPageAsync();
        await phone.GotoAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(phone.Locator("h1")).ToBeVisibleAsync();
        Assert.Contains(Storytelling.Web.Features.Capture.CaptureErrors.NotCollecting.Nl, await phone.Locator("main").InnerTextAsync());
    }

    [Fact]
    public async Task A_capture_link_made_while_gathering_comes_without_a_warning()
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email);
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        var page = await browser.NewPageAsync(1280, 800);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}/people");
        await Assertions.Expect(page.Locator("#capture-closed-hint")).ToHaveCountAsync(0);
        await page.GetByLabel("Soort link").SelectOptionAsync("Capture");
        await page.GetByRole(AriaRole.Button, new() { Name = "Link maken" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Nieuwe vertel-link" })).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/c/[A-Za-z0-9_-]{43}$"));
        await Assertions.Expect(page.Locator(".capture-closed")).ToHaveCountAsync(0);
        await page.AssertAccessibleAsync();
    }

    /// <summary>Presses Enter on the link the keyboard reached and waits for the page it leads to.</summary>
    private static async Task EnterAsync(IPage page, string url)
    {
        var focused = page.Locator(".project-nav a:focus");
        await Assertions.Expect(focused).ToHaveCountAsync(1);
        await focused.PressAsync("Enter");
        await page.WaitForAddressAsync(url);
    }

    private static async Task TabToAsync(IPage page, string selector, string text)
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var found = await page.EvaluateAsync<bool>(
                "([sel, text]) => { const a = document.activeElement; return !!a && a.matches(sel) && a.textContent.trim() === text; }",
                new object[] { selector, text });
            if (found) return;
        }
        Assert.Fail($"Tab never reached {selector} '{text}'");
    }

    private static async Task AssertFitsAsync(IPage page, int width, string screenshot)
    {
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync(screenshot);
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{page.Url} is {scrollWidth} px wide at a {width} px viewport");
    }
}
