using Microsoft.Playwright;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Core.Projects;

namespace Storytelling.BrowserTests;

public sealed class FoundationPagesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(390, 844)]
    [InlineData(1280, 800)]
    public async Task The_login_page_is_accessible_and_fits_a_phone(int width, int height)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoAsync("/account/login");
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync($"login-{width}");
        // Nothing scrolls sideways on a phone.
        var scrollWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= width, $"page is {scrollWidth} px wide at a {width} px viewport");
        var button = await page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).BoundingBoxAsync();
        Assert.True(button!.Height >= 44, "the sign-in button is a big enough touch target");
    }

    [Fact]
    public async Task A_facilitator_signs_in_makes_an_invitation_and_a_new_resident_joins_through_it()
    {
        var facilitator = await browser.App.CreatePersonAsync($"begeleider-{Guid.NewGuid():N}@example.org", name: "Bea Begeleider");
        var project = await browser.App.CreateProjectAsync("Werk in Houten", (facilitator.Id, ProjectRole.Begeleider));

        var page = await browser.NewPageAsync();
        await page.GotoAsync($"/projects/{project.Id}");
        Assert.Contains("/account/login", page.Url);
        await page.GetByLabel("E-mailadres").FillAsync(facilitator.Email!);
        await page.GetByLabel("Wachtwoord").FillAsync(Storytelling.Tests.Infrastructure.TestApp.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await page.WaitForAddressAsync($"**/projects/{project.Id}");
        await page.AssertAccessibleAsync();

        await page.Locator(".project-nav").GetByRole(AriaRole.Link, new() { Name = "Mensen en instellingen" }).ClickAsync();
        await page.WaitForAddressAsync($"**/projects/{project.Id}/people");
        await page.GetByLabel("Soort link").SelectOptionAsync("Membership");
        await page.GetByLabel("Rol (bij meedoen)").SelectOptionAsync("Bewoner");
        await page.GetByRole(AriaRole.Button, new() { Name = "Link maken" }).ClickAsync();
        var link = await page.GetByLabel("Nieuwe uitnodigingslink").InputValueAsync();
        Assert.Contains("/invite/", link);
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("project-invite-390");

        var resident = await browser.NewPageAsync();
        await resident.GotoAsync(new Uri(link).PathAndQuery);
        await resident.AssertAccessibleAsync();
        await resident.ScreenshotAsync("invite-390");
        await resident.GetByLabel("Je naam").FillAsync("Fatima");
        await resident.GetByLabel("E-mailadres").FillAsync($"fatima-{Guid.NewGuid():N}@example.org");
        await resident.GetByLabel("Wachtwoord (minstens 10 tekens)").FillAsync("een lang wachtwoord");
        await resident.GetByRole(AriaRole.Button, new() { Name = "Account maken en meedoen" }).ClickAsync();
        await resident.WaitForAddressAsync($"**/projects/{project.Id}");
        Assert.Contains("bewoner", await resident.Locator("main").InnerTextAsync());

        await resident.GotoAsync("/");
        Assert.Contains("Werk in Houten", await resident.Locator("main").InnerTextAsync());
        await resident.AssertAccessibleAsync();
        await resident.ScreenshotAsync("home-390");
    }

    [Fact]
    public async Task An_administrator_creates_a_project_on_the_admin_page()
    {
        var admin = await browser.App.CreatePersonAsync($"admin-{Guid.NewGuid():N}@example.org", administrator: true);
        var page = await browser.NewPageAsync(1280, 800);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mailadres").FillAsync(admin.Email!);
        await page.GetByLabel("Wachtwoord").FillAsync(Storytelling.Tests.Infrastructure.TestApp.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Nieuw traject" }).ClickAsync();
        await page.AssertAccessibleAsync();
        await page.GetByLabel("Naam").FillAsync("Wat betekent werk voor jou?");
        await page.GetByLabel("Hoofdvraag").FillAsync("Wat betekent werk voor jou?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Traject aanmaken" }).ClickAsync();
        await page.WaitForAddressAsync("**/projects/*");
        Assert.Contains("beheerder", await page.Locator("main").InnerTextAsync());
        await page.AssertAccessibleAsync();
        await page.ScreenshotAsync("admin-project-1280");
    }
}
