using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Invitations;

namespace Storytelling.BrowserTests;

/// <summary>
/// Residents' pages (issue 16): the question in the teller's language with every inserted text isolated on the Arabic
/// page, one language switch on /w and /verhaal, a favicon, and the exchange page's file fields and consent box.
/// </summary>
public sealed class ResidentPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Dutch = "Wat betekent werk voor jou?";
    private const string English = "What does work mean to you?";
    private const string Arabic = "ماذا يعني العمل بالنسبة لك؟";

    [Fact]
    public async Task A_facilitator_translates_the_question_and_a_teller_reads_it_in_Dutch_English_or_Arabic_isolated_on_the_right_to_left_page()
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email, name: "Bea Begeleider");
        // A title that ends in punctuation, like the question: both must keep it at their end on the Arabic page.
        var project = await browser.App.CreateProjectAsync("Werk, wat is dat?", (facilitator.Id, ProjectRole.Begeleider));
        await using (var scope = browser.App.Services.CreateAsyncScope())
        {
            var (_, token) = await scope.ServiceProvider.GetRequiredService<InvitationService>()
                .CreateAsync(project.Id, InvitationKind.Capture, ProjectRole.Bewoner, null, null, facilitator.Id, CancellationToken.None);
            _token = token;
        }

        // English only, at first.
        var staff = await browser.NewPageAsync(1280, 800);
        await staff.SignInAsync(email);
        await staff.GotoAsync($"/projects/{project.Id}/questions");
        await staff.GetByLabel("In het Engels").FillAsync(English);
        await staff.GetByRole(AriaRole.Button, new() { Name = "Vertalingen bewaren" }).ClickAsync();
        await Assertions.Expect(staff.GetByRole(AriaRole.Status)).ToContainTextAsync("De vertalingen zijn bewaard.");
        await staff.AssertAccessibleAsync();
        await staff.ScreenshotAsync("questions-1280");

        Assert.Equal((Dutch, "nl"), await QuestionAsync("nl"));
        Assert.Equal((English, "en"), await QuestionAsync("en"));
        // No Arabic yet: the Dutch question, marked Dutch, isolated so its "?" stays at its end on the RTL page.
        var phone = await OpenAsync("ar");
        Assert.Equal("rtl", await phone.GetAttributeAsync("html", "dir"));
        Assert.Equal((Dutch, "nl"), await ReadQuestionAsync(phone));
        Assert.True(await EndsOnTheRightAsync(phone, ".step[data-step=question] .question bdi"), "the Dutch question's '?' moved to its start on the Arabic page");
        Assert.True(await EndsOnTheRightAsync(phone, ".project-name bdi"), "the Dutch title's '?' moved to its start on the Arabic page");
        await phone.AssertAccessibleAsync();
        await phone.ScreenshotAsync("capture-question-ar-dutch-390");

        // Now in Arabic too.
        await staff.GetByLabel("In het Arabisch").FillAsync(Arabic);
        await staff.GetByRole(AriaRole.Button, new() { Name = "Vertalingen bewaren" }).ClickAsync();
        await Assertions.Expect(staff.GetByRole(AriaRole.Status)).ToContainTextAsync("De vertalingen zijn bewaard.");
        var arabic = await OpenAsync("ar");
        Assert.Equal((Arabic, "ar"), await ReadQuestionAsync(arabic));
        await arabic.AssertAccessibleAsync();
        await arabic.ScreenshotAsync("capture-question-ar-390");
        // The switch on the page follows the choice without a reload.
        await arabic.GetByRole(AriaRole.Button, new() { Name = "EN" }).ClickAsync();
        Assert.Equal((English, "en"), await ReadQuestionAsync(arabic));
    }

    private string _token = "";

    private async Task<IPage> OpenAsync(string lang)
    {
        var phone = await browser.NewPageAsync();
        await phone.GotoAsync($"/c/{_token}?lang={lang}");
        await Assertions.Expect(phone.Locator(".step[data-step=question]")).ToBeVisibleAsync();
        return phone;
    }

    private async Task<(string Text, string Lang)> QuestionAsync(string lang) => await ReadQuestionAsync(await OpenAsync(lang));

    private static async Task<(string Text, string Lang)> ReadQuestionAsync(IPage phone)
    {
        var question = phone.Locator(".step[data-step=question] .question");
        return ((await question.InnerTextAsync()).Trim(), (await question.GetAttributeAsync("lang"))!);
    }

    /// <summary>Whether the text's last character is drawn right of its first: a Dutch text read left to right.</summary>
    private static Task<bool> EndsOnTheRightAsync(IPage page, string selector) => page.EvaluateAsync<bool>(
        """
        sel => {
          const node = document.querySelector(sel).firstChild;
          const at = i => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect(); };
          const first = at(0), last = at(node.textContent.length - 1);
          return Math.abs(first.top - last.top) > 2 || last.left > first.left;
        }
        """, selector);

    [Theory]
    [InlineData("/w")]
    [InlineData("/verhaal")]
    public async Task The_workshop_and_teller_pages_share_one_language_switch_that_keeps_the_choice(string path)
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(path);
        var links = page.Locator("nav.lang-switch a");
        await Assertions.Expect(links).ToHaveTextAsync(["NL", "EN", "عربي"]);
        await Assertions.Expect(page.Locator("nav.lang-switch a[aria-current=true]")).ToHaveTextAsync("NL");
        // The same look on both pages: boxed, large targets.
        var box = await links.First.BoundingBoxAsync();
        Assert.True(box!.Height >= 48 && box.Width >= 52, $"{path}: the language link is {box.Width}×{box.Height}");
        Assert.Equal("2px", await links.First.EvaluateAsync<string>("a => getComputedStyle(a).borderTopWidth"));
        await links.Nth(2).ClickAsync();
        await page.WaitForAddressAsync($"**{path}?lang=ar");
        Assert.Equal("rtl", await page.GetAttributeAsync("html", "dir"));
        await Assertions.Expect(page.Locator("nav.lang-switch a[aria-current=true]")).ToHaveTextAsync("عربي");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"lang-switch{path.Replace('/', '-')}-390");
    }

    [Fact]
    public async Task Every_page_gets_its_favicon()
    {
        var page = await browser.NewPageAsync();
        var missing = new List<string>();
        page.Response += (_, r) => { if (r.Status == 404) missing.Add(r.Url); };
        var icon = await page.GotoAsync("/favicon.ico");
        Assert.Equal(200, icon!.Status);
        Assert.Equal("image/x-icon", await icon.HeaderValueAsync("content-type"));
        await page.GotoAsync("/account/login");
        await page.GotoAsync("/w");
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_exchange_page_has_Dutch_file_buttons_and_a_large_consent_box_beside_its_label(int width, int height)
    {
        var email = $"begeleider-{Guid.NewGuid():N}@example.org";
        var facilitator = await browser.App.CreatePersonAsync(email);
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));
        var page = await browser.NewPageAsync(width, height);
        await page.SignInAsync(email);
        await page.GotoAsync($"/projects/{project.Id}/exchange");

        var buttons = page.Locator(".file-pick .file-button");
        await Assertions.Expect(buttons).ToHaveTextAsync(["Kies een bestand", "Kies een bestand"]);
        await Assertions.Expect(page.Locator(".file-pick .file-chosen").First).ToHaveTextAsync("Nog geen bestand gekozen");
        // The native input is still the field: labelled, and reached and filled as before.
        var qdc = page.GetByLabel("Codeboekbestand");
        await qdc.SetInputFilesAsync(new FilePayload { Name = "codeboek.qdc", MimeType = "application/xml", Buffer = "<CodeBook/>"u8.ToArray() });
        await Assertions.Expect(page.Locator("#qdc-file-chosen")).ToHaveTextAsync("codeboek.qdc");

        var box = await page.Locator("#consent").BoundingBoxAsync();
        var label = await page.Locator("label[for=consent]").BoundingBoxAsync();
        Assert.True(box!.Width >= 24 && box.Height >= 24, $"the consent box is {box.Width}×{box.Height}");
        Assert.True(Math.Abs(label!.Y - box.Y) < 12, "the consent box does not sit beside its label");
        await page.Locator("label[for=consent]").ClickAsync();
        await Assertions.Expect(page.Locator("#consent")).ToBeCheckedAsync();
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"exchange-{width}");
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"{page.Url} is {scrollWidth} px wide at a {width} px viewport");
    }
}
