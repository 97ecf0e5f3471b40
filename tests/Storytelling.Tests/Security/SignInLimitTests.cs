using System.Net;
using System.Net.Http.Json;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security;

/// <summary>The sign-in limit counts attempts, not looks at the form.</summary>
public sealed class SignInLimitTests : IAsyncLifetime
{
    private readonly TestApp _app = new(new Dictionary<string, string?> { [RateLimits.AttemptsSetting] = "3" });

    public async Task InitializeAsync() => await _app.MigrateAsync();

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Showing_the_form_never_counts_and_the_attempt_after_the_limit_gets_429()
    {
        using var client = _app.AnonymousClient();
        for (var i = 0; i < 10; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode);

        for (var i = 0; i < 3; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/account/login", new LoginAttempt("niemand@example.org", "fout-wachtwoord-123"));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, wrong.StatusCode);
            Assert.NotEqual(HttpStatusCode.OK, wrong.StatusCode);
        }
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await client.PostAsJsonAsync("/api/account/login", new LoginAttempt("niemand@example.org", "fout-wachtwoord-123"))).StatusCode);
        // The form still shows, so the person reads why instead of a blank error.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/account/login")).StatusCode);
    }

    private sealed record LoginAttempt(string Email, string Password);
}
