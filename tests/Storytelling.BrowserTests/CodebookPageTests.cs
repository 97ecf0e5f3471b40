using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.BrowserTests;

/// <summary>The codebook page and the project page's search, used with the keyboard at phone and laptop width.</summary>
public sealed class CodebookPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task A_facilitator_proposes_renames_and_merges_themes_with_the_keyboard_and_reads_the_history(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        await browser.App.WithDbAsync(async db =>
        {
            var at = browser.App.Time.GetUtcNow();
            var root = new Theme { ProjectId = project.Id, Name = "Werk en inkomen", Colour = "#0B5394", Kind = ThemeKind.Knelpunt, CreatedAt = at };
            db.Themes.AddRange(root,
                new Theme { ProjectId = project.Id, Name = "Schulden", ParentId = root.Id, Colour = "#A61B1B", Kind = ThemeKind.Knelpunt, CreatedAt = at },
                new Theme { ProjectId = project.Id, Name = "Taalcafé", Colour = "#2E7D32", Kind = ThemeKind.Kracht, CreatedAt = at });
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = StoryStatus.Transcribed, Language = "nl",
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            };
            db.Stories.Add(story);
            db.Transcripts.Add(new Transcript
            {
                StoryId = story.Id, Version = 1, CreatedAt = at,
                Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 4000, Text = "Vroeger werkte ik bij de bakker in Utrecht." }],
            });
            db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Utrecht", Replacement = "Plaats A", CreatedAt = at });
            await db.SaveChangesAsync();
        });

        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);

        await page.GotoAsync($"/projects/{project.Id}/codebook");
        await Assertions.Expect(page.Locator("ul.themes")).ToContainTextAsync("Schulden");
        // The hierarchy is in the structure, not only in the indentation: a sub-theme sits in a list inside its parent's item.
        await Assertions.Expect(page.Locator("ul.themes > li.theme:has(> .theme-head > strong.name:text-is('Werk en inkomen')) > ul.subthemes > li.theme > .theme-head > strong.name"))
            .ToHaveTextAsync("Schulden");

        // Propose with the keyboard only: type in the field, Enter submits.
        await page.GetByLabel("Naam", new() { Exact = true }).Last.FocusAsync();
        await page.Keyboard.TypeAsync("Vervoer");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Thema ‘Vervoer’ is voorgesteld.");

        // Rename "Taalcafé" through its edit panel, opened from the keyboard.
        // A theme's item also lists the other themes (in its selects), so find it by its own name.
        ILocator Theme(string name) => page.Locator("li.theme").Filter(new() { Has = page.Locator(":scope > .theme-head > strong.name").GetByText(name, new() { Exact = true }) });
        var taalcafe = Theme("Taalcafé");
        await taalcafe.Locator("details.curate > summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        var nameField = taalcafe.Locator("input[name=name]");
        await nameField.FillAsync("Taalcafé in de bibliotheek");
        await nameField.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Thema is bijgewerkt.");

        // Merge "Vervoer" into "Schulden".
        var vervoer = Theme("Vervoer");
        await vervoer.Locator("details.curate > summary").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await vervoer.Locator("select[name=intoThemeId]").SelectOptionAsync(new SelectOptionValue { Label = "Schulden" });
        await vervoer.GetByRole(AriaRole.Button, new() { Name = "Samenvoegen (fragmenten gaan mee)" }).PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("samengevoegd");
        await Assertions.Expect(page.Locator("li.theme.merged strong.name")).ToHaveTextAsync("Vervoer");
        await Assertions.Expect(page.Locator("li.theme.merged")).ToContainTextAsync("samengevoegd in ‘Schulden’");

        var renamed = Theme("Taalcafé in de bibliotheek");
        await renamed.Locator("details:not(.curate) > summary").ClickAsync();
        await Assertions.Expect(renamed.Locator("ol.history")).ToContainTextAsync("hernoemd van ‘Taalcafé’ naar ‘Taalcafé in de bibliotheek’ door Bea Begeleider");

        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"codebook-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"codebook page is {scrollWidth} px wide at a {width} px viewport");

        // The stories list: search box and filters, snippet with the place pseudonymised even for the facilitator's
        // colleagues; the facilitator (see-originals) reads it as spoken.
        await page.GotoAsync($"/projects/{project.Id}/stories");
        await page.GetByLabel("Zoeken in transcripten").FillAsync("werken");
        await page.GetByLabel("Zoeken in transcripten").PressAsync("Enter");
        await Assertions.Expect(page.Locator("#stories .snippet")).ToContainTextAsync("werkte ik bij de bakker in Utrecht");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"project-search-{width}");
        scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"project page is {scrollWidth} px wide at a {width} px viewport");
    }
}
