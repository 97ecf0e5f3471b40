using System.Net;
using System.Net.Http.Headers;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Translation;

/// <summary>Staff pages start in Dutch, switch to English by choice and remember it; resident pages follow the phone.</summary>
public sealed class StaffLanguageTests : IAsyncLifetime
{
    private readonly TestApp _app = new();

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var anna = await _app.CreatePersonAsync("anna@example.org");
        await _app.CreateProjectAsync("Buurt 7", (anna.Id, ProjectRole.Begeleider));
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_login_page_is_Dutch_by_default_even_for_an_English_browser_and_English_when_chosen()
    {
        var browser = _app.AnonymousClient();
        browser.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("en-US"));
        var dutch = await browser.GetStringAsync("/account/login");
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", dutch);
        Assert.Contains("Inloggen", dutch);

        var english = await browser.GetAsync("/account/login?lang=en");
        var html = await english.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html);
        Assert.Contains("<h1>Log in</h1>", html);
        Assert.Empty(DutchWords.Find(html, "Storytelling"));
        Assert.Contains(english.Headers.GetValues("Set-Cookie"), c => c.StartsWith("storytelling-lang=", StringComparison.Ordinal) && c.Contains("path=/", StringComparison.OrdinalIgnoreCase));

        // The choice is remembered: the next page without ?lang= stays English, also after a failed sign-in.
        var failed = await Forms.PostAsync(browser, "/account/login", html, null, new() { ["Email"] = "anna@example.org", ["Password"] = "wrong password!" });
        var failedHtml = await failed.Content.ReadAsStringAsync();
        Assert.Contains("This email address or password is not right, or there were too many attempts.", failedHtml);
        Assert.Empty(DutchWords.Find(failedHtml, "Storytelling", "anna@example.org"));
    }

    [Fact]
    public async Task A_language_staff_pages_do_not_speak_falls_back_to_Dutch_and_a_hostile_value_is_ignored()
    {
        var browser = _app.AnonymousClient();
        var arabic = await browser.GetStringAsync("/account/login?lang=ar");
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", arabic);
        var hostile = await browser.GetAsync("/account/login?lang=%3Cscript%3E");
        Assert.Equal(HttpStatusCode.OK, hostile.StatusCode);
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", await hostile.Content.ReadAsStringAsync());
        Assert.False(hostile.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("storytelling-lang=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_language_links_keep_the_rest_of_the_address()
    {
        var browser = _app.AnonymousClient();
        var html = await browser.GetStringAsync("/account/login?ReturnUrl=%2Fprojects");
        Assert.Contains("href=\"/account/login?ReturnUrl=%2Fprojects&amp;lang=en\"", html);
    }

    [Fact]
    public async Task A_signed_in_person_sees_their_projects_in_English_with_roles_translated()
    {
        var browser = await _app.SignedInClientAsync("anna@example.org");
        var html = await browser.GetStringAsync("/?lang=en");
        Assert.Contains("<h1>My projects</h1>", html);
        Assert.Contains("Your role: facilitator", html);
        Assert.Contains(">Log out<", html);
        Assert.Empty(DutchWords.Find(html, "Storytelling", "Buurt 7", "Wat betekent werk voor jou?"));
        var dutch = await browser.GetStringAsync("/?lang=nl");
        Assert.Contains("Jouw rol: begeleider", dutch);
    }

    [Fact]
    public async Task Resident_pages_follow_the_phone_language_while_staff_pages_stay_Dutch()
    {
        var browser = _app.AnonymousClient();
        browser.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("ar"));
        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", await browser.GetStringAsync("/verhaal"));
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", await browser.GetStringAsync("/account/login"));
    }
}
