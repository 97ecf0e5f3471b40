using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.People;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security;

/// <summary>Sign-in and registration answer alike whether or not an address has an account; common passwords are refused.</summary>
public sealed class AccountAnswersTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _project;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org");
        await _app.CreatePersonAsync("anna@example.org");
        await _app.CreatePersonAsync("locked@example.org");
        _project = (await _app.CreateProjectAsync("Werk", (facilitator.Id, ProjectRole.Begeleider))).Id;
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task LockOutAsync(string email)
    {
        var client = _app.AnonymousClient();
        for (var i = 0; i < 8; i++) await client.PostAsJsonAsync("/api/account/login", new { email, password = "nope nope nope" });
        await _app.WithDbAsync(async db => Assert.NotNull((await db.Users.SingleAsync(u => u.Email == email)).LockoutEnd));
    }

    [Fact]
    public async Task The_json_login_answers_an_unknown_address_a_wrong_password_and_a_locked_account_alike()
    {
        await LockOutAsync("locked@example.org");
        var client = _app.AnonymousClient();
        var unknown = await client.PostAsJsonAsync("/api/account/login", new { email = "nobody@example.org", password = TestApp.Password });
        var wrong = await client.PostAsJsonAsync("/api/account/login", new { email = "anna@example.org", password = "not her password" });
        // Locked out: even the right password gets the same answer as the two above, and no cookie.
        var locked = await client.PostAsJsonAsync("/api/account/login", new { email = "locked@example.org", password = TestApp.Password });

        foreach (var response in new[] { unknown, wrong, locked })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"));
        }
        var details = new[] { unknown, wrong, locked }.Select(r => r.Content.ReadFromJsonAsync<JsonElement>().Result.GetProperty("detail").GetString()).ToList();
        Assert.Single(details.Distinct());
    }

    [Fact]
    public async Task The_login_page_answers_an_unknown_address_a_wrong_password_and_a_locked_account_alike()
    {
        await LockOutAsync("locked@example.org");
        var answers = new List<string>();
        foreach (var (email, password) in new[] { ("nobody@example.org", TestApp.Password), ("anna@example.org", "not her password"), ("locked@example.org", TestApp.Password) })
        {
            var browser = _app.AnonymousClient();
            var page = await browser.GetStringAsync("/account/login");
            var response = await Forms.PostAsync(browser, "/account/login", page, null, new() { ["Email"] = email, ["Password"] = password });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            var error = System.Text.RegularExpressions.Regex.Match(html, "<p class=\"error\" role=\"alert\">([^<]+)</p>").Groups[1].Value;
            Assert.Contains("klopt niet", error, StringComparison.Ordinal);
            answers.Add(error);
        }
        Assert.Single(answers.Distinct());
    }

    private async Task<(HttpClient Browser, string Path, string Page)> InvitePageAsync()
    {
        var response = await _facilitator.PostAsJsonAsync($"/api/projects/{_project}/invitations", new { kind = "Membership", role = "Bewoner" });
        var url = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var path = new Uri(url).AbsolutePath;
        var browser = _app.AnonymousClient();
        return (browser, path, await browser.GetStringAsync(path));
    }

    private static string ErrorOf(string html) =>
        System.Text.RegularExpressions.Regex.Match(WebUtility.HtmlDecode(html), "<p class=\"error\" role=\"alert\">([^<]+)</p>").Groups[1].Value;

    [Fact]
    public async Task Registering_through_an_invitation_does_not_reveal_that_an_address_has_an_account()
    {
        var (browser, path, page) = await InvitePageAsync();
        var taken = await Forms.PostAsync(browser, path, page, "Register", new()
        {
            ["DisplayName"] = "Iemand", ["Email"] = "anna@example.org", ["Password"] = "een ander lang wachtwoord",
        });
        var (other, otherPath, otherPage) = await InvitePageAsync();
        var unusable = await Forms.PostAsync(other, otherPath, otherPage, "Register", new()
        {
            ["DisplayName"] = "Iemand", ["Email"] = "geen adres", ["Password"] = "een ander lang wachtwoord",
        });

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, unusable.StatusCode);
        var takenError = ErrorOf(await taken.Content.ReadAsStringAsync());
        Assert.Contains("Heb je al een account? Log dan in", takenError, StringComparison.Ordinal);
        Assert.Equal(takenError, ErrorOf(await unusable.Content.ReadAsStringAsync()));
        Assert.DoesNotContain("Er is al een account", takenError, StringComparison.Ordinal);
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.Memberships.CountAsync(m => m.ProjectId == _project && m.Role == ProjectRole.Bewoner)));
    }

    [Fact]
    public async Task Registering_with_the_address_and_password_of_an_existing_account_signs_in_and_joins()
    {
        var (browser, path, page) = await InvitePageAsync();
        var joined = await Forms.PostAsync(browser, path, page, "Register", new()
        {
            ["DisplayName"] = "Anna", ["Email"] = "anna@example.org", ["Password"] = TestApp.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        Assert.Equal($"/projects/{_project}", joined.Headers.Location!.OriginalString);
        await _app.WithDbAsync(async db => Assert.Equal(1, await db.Users.CountAsync(u => u.Email == "anna@example.org")));
    }

    [Theory]
    [InlineData("aaaaaaaaaa")]
    [InlineData("password12")]
    [InlineData("Password2024!")]
    [InlineData("welkom01")]
    [InlineData("Welkom2025")]
    [InlineData("qwertyuiop")]
    [InlineData("1234567890")]
    [InlineData("abcdefghij")]
    [InlineData("P@ssw0rd123")]
    [InlineData("amsterdam1990")]
    [InlineData("wachtwoord!!")]
    [InlineData("abcabcabcabc")]
    [InlineData("ajaxajaxajax")]
    [InlineData("fatima@example.org")]
    public void Common_and_patterned_passwords_are_refused(string password) =>
        Assert.True(CommonPasswordValidator.IsCommon(password, "fatima@example.org", "Fatima"), password);

    [Theory]
    [InlineData("correct horse battery")]
    [InlineData("mijn fiets is blauw en oud")]
    [InlineData("kx7!tWq9zR")]
    [InlineData("een lang wachtwoord")]
    public void Passphrases_and_random_passwords_are_accepted(string password) =>
        Assert.False(CommonPasswordValidator.IsCommon(password, "fatima@example.org", "Fatima"), password);

    [Fact]
    public async Task An_account_cannot_be_made_with_a_common_password_and_the_page_says_why_in_Dutch()
    {
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<Person>>();
            var refused = await users.CreateAsync(new Person { UserName = "x@example.org", Email = "x@example.org", DisplayName = "X" }, "password12");
            Assert.Contains(refused.Errors, e => e.Code == CommonPasswordValidator.ErrorCode);
            Assert.Contains(refused.Errors, e => e.Description.Contains("veel gebruikt", StringComparison.Ordinal) && e.Description.Contains("commonly used", StringComparison.Ordinal));
        }

        var (browser, path, page) = await InvitePageAsync();
        var response = await Forms.PostAsync(browser, path, page, "Register", new()
        {
            ["DisplayName"] = "Fatima", ["Email"] = "fatima@example.org", ["Password"] = "aaaaaaaaaa",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("wordt veel gebruikt", ErrorOf(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        await _app.WithDbAsync(async db => Assert.False(await db.Users.AnyAsync(u => u.Email == "fatima@example.org")));
    }

    [Fact]
    public void The_shipped_list_holds_a_few_thousand_lower_case_entries()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, "src", "Storytelling.Web", "Security", "common-passwords.txt"));
        Assert.InRange(lines.Length, 2000, 20000);
        Assert.All(lines, l => Assert.Equal(l.ToLowerInvariant(), l));
        Assert.Contains("welkom01", lines);
    }
}
