using System.Net;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

public sealed class LoginPageTests : IAsyncLifetime
{
    private readonly TestApp _app = new();

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        await _app.CreatePersonAsync("anna@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_person_signs_in_on_the_login_page_and_is_sent_back_where_they_were_going()
    {
        var browser = _app.AnonymousClient();
        var start = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var loginPath = start.Headers.Location!.PathAndQuery;
        var page = await browser.GetStringAsync(loginPath);
        Assert.Contains("<html lang=\"nl\"", page);
        Assert.Contains("Inloggen", page);

        var response = await Forms.PostAsync(browser, "/account/login", page, null, new()
        {
            ["Email"] = "anna@example.org", ["Password"] = TestApp.Password, ["ReturnUrl"] = "/",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
        var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Mijn trajecten", await home.Content.ReadAsStringAsync());

        var logoutPage = await browser.GetStringAsync("/account/logout");
        var logout = await Forms.PostAsync(browser, "/account/logout", logoutPage, null, []);
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/")).StatusCode);
    }

    [Theory]
    [InlineData("anna@example.org", "wrong password!", "klopt niet")]
    [InlineData("nobody@example.org", "correct horse battery", "klopt niet")]
    [InlineData("", "", "Vul je e-mailadres en wachtwoord in")]
    public async Task A_failed_sign_in_says_so_in_Dutch_without_revealing_which_part_was_wrong(string email, string password, string message)
    {
        var browser = _app.AnonymousClient();
        var page = await browser.GetStringAsync("/account/login");
        var response = await Forms.PostAsync(browser, "/account/login", page, null, new() { ["Email"] = email, ["Password"] = password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://evil.example/steal")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    public async Task A_return_address_outside_the_site_is_ignored(string returnUrl)
    {
        var browser = _app.AnonymousClient();
        var page = await browser.GetStringAsync("/account/login");
        var response = await Forms.PostAsync(browser, "/account/login", page, null, new()
        {
            ["Email"] = "anna@example.org", ["Password"] = TestApp.Password, ["ReturnUrl"] = returnUrl,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var response = await _app.AnonymousClient().PostAsync("/account/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = "anna@example.org", ["Password"] = TestApp.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_json_login_refuses_wrong_passwords_and_locks_out_after_repeated_failures()
    {
        var client = _app.AnonymousClient();
        for (var i = 0; i < 8; i++)
        {
            var wrong = await client.PostAsync("/api/account/login", Json("""{"email":"anna@example.org","password":"nope nope nope"}"""));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        // The eighth failure locked the account: for a while even the right password is refused, with the same answer
        // as a wrong one (a locked account must not tell a guesser that the address exists).
        var locked = await client.PostAsync("/api/account/login", Json($$"""{"email":"anna@example.org","password":"{{TestApp.Password}}"}"""));
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.False(locked.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"email":null,"password":null}""")]
    [InlineData("[1,2,3]")]
    public async Task Malformed_json_login_gets_400(string json)
    {
        var response = await _app.AnonymousClient().PostAsync("/api/account/login", Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_huge_login_body_is_refused_without_signing_in()
    {
        var huge = new string('a', 600_000);
        var response = await _app.AnonymousClient().PostAsync("/api/account/login", Json($$"""{"email":"{{huge}}@example.org","password":"{{huge}}"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
