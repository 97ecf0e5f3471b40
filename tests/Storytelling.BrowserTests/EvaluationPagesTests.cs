using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;

namespace Storytelling.BrowserTests;

/// <summary>The project timeline, experiments and evaluation rounds, by keyboard, at phone and laptop width, axe clean.</summary>
public sealed class EvaluationPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_facilitator_follows_the_timeline_adds_an_experiment_by_keyboard_and_opens_a_round_with_its_own_link(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            db.Themes.Add(new Theme { ProjectId = project.Id, Name = "Schulden", Colour = "#A61B1B", Kind = ThemeKind.Knelpunt, CreatedAt = at });
            db.Stories.Add(new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            });
            await db.SaveChangesAsync();
        });

        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);

        // The timeline: four phases in order, the current one marked.
        await page.GotoAsync($"/projects/{project.Id}");
        await Assertions.Expect(page.Locator(".timeline ol.phases > li")).ToHaveCountAsync(4);
        await Assertions.Expect(page.Locator(".timeline li[aria-current=step] strong")).ToHaveTextAsync("ophalen");

        // An experiment, entered with the keyboard only.
        await page.GotoAsync($"/projects/{project.Id}/experiments");
        await page.GetByLabel("Titel").FocusAsync();
        await page.Keyboard.TypeAsync("Eén loket voor schulden");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("Een vaste contactpersoon bij de gemeente.");
        await page.GetByLabel("Of: eigenaar (organisatie of afdeling)").FocusAsync();
        await page.Keyboard.TypeAsync("Gemeente Houten");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Schulden" }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Anna" }).FocusAsync();
        await page.Keyboard.PressAsync("Space");
        await page.GetByRole(AriaRole.Button, new() { Name = "Experiment toevoegen" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Experiment ‘Eén loket voor schulden’ is toegevoegd.");
        var item = page.Locator("li.experiment");
        await Assertions.Expect(item).ToContainTextAsync("Gemeente Houten");
        await Assertions.Expect(item).ToContainTextAsync("Schulden");
        await Assertions.Expect(item.GetByRole(AriaRole.Link, new() { Name = "Anna" })).ToBeVisibleAsync();
        await AssertFitsAsync(page, width, $"experiments-{width}");

        // Move to co-evaluation, then open a round and see its capture link.
        await page.GotoAsync($"/projects/{project.Id}/phase");
        await page.GetByLabel("Nieuwe fase").SelectOptionAsync(new SelectOptionValue { Label = "co-evalueren" });
        await page.GetByLabel("Notitie (waarom?)").FillAsync("Experimenten lopen; tijd om terug te vragen.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Fase wijzigen" }).PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("De fase is nu: co-evalueren.");
        await Assertions.Expect(page.Locator("table")).ToContainTextAsync("Bea Begeleider");
        await AssertFitsAsync(page, width, $"phase-{width}");

        await page.GotoAsync($"/projects/{project.Id}/rounds");
        await page.GetByLabel("Vraag voor deze ronde").FillAsync("Wat is er voor jou veranderd?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Ronde openen" }).PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Ronde 1 staat open.");
        var link = await page.GetByLabel("Vertel-link ronde 1").InputValueAsync();
        Assert.Matches("/c/[A-Za-z0-9_-]{43}$", link);
        await Assertions.Expect(page.Locator(".comparison")).ToContainTextAsync("Schulden");
        await AssertFitsAsync(page, width, $"rounds-{width}");

        // The round's link asks the round's question.
        var phone = await browser.NewPageAsync(width, height);
        await phone.GotoAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(phone.Locator("body")).ToContainTextAsync("Wat is er voor jou veranderd?");

        await page.GotoAsync($"/projects/{project.Id}");
        await Assertions.Expect(page.Locator(".timeline li[aria-current=step] strong")).ToHaveTextAsync("co-evalueren");
        await Assertions.Expect(page.Locator(".timeline")).ToContainTextAsync("Evaluatieronde 1 staat open");
        await AssertFitsAsync(page, width, $"project-timeline-{width}");
    }

    private static async Task AssertFitsAsync(IPage page, int width, string screenshot)
    {
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync(screenshot);
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{page.Url} is {scrollWidth} px wide at a {width} px viewport");
    }
}
