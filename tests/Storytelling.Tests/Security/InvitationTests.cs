using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

public sealed class InvitationTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _project;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org");
        _project = (await _app.CreateProjectAsync("Werk", (facilitator.Id, ProjectRole.Begeleider))).Id;
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<string> CreateLinkAsync(object body) => (await CreateInvitationAsync(body)).Url;

    private async Task<(Guid Id, string Url)> CreateInvitationAsync(object body)
    {
        var response = await _facilitator.PostAsJsonAsync($"/api/projects/{_project}/invitations", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("id").GetGuid(), json.GetProperty("url").GetString()!);
    }

    private static string TokenOf(string url) => url[(url.LastIndexOf('/') + 1)..];

    [Fact]
    public async Task An_invited_person_joins_with_the_role_of_the_link_and_the_link_works_only_once()
    {
        var url = await CreateLinkAsync(new { kind = "Membership", role = "Beleidsmedewerker" });
        Assert.Contains("/invite/", url);
        await _app.CreatePersonAsync("beleid@example.org");
        await _app.CreatePersonAsync("tweede@example.org");
        var officer = await _app.SignedInClientAsync("beleid@example.org");
        var second = await _app.SignedInClientAsync("tweede@example.org");

        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync($"/api/projects/{_project}/stories")).StatusCode);
        var accepted = await officer.PostAsync($"/api/invitations/{TokenOf(url)}/accept", null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync($"/api/projects/{_project}/stories")).StatusCode);

        var again = await second.PostAsync($"/api/invitations/{TokenOf(url)}/accept", null);
        Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await second.GetAsync($"/api/projects/{_project}/stories")).StatusCode);

        await _app.WithDbAsync(async db =>
        {
            var entries = await db.AuditLog.Where(a => a.ProjectId == _project).Select(a => a.Action).ToListAsync();
            Assert.Contains("invitation.created", entries);
            Assert.Contains("invitation.accepted", entries);
        });
    }

    [Fact]
    public async Task An_expired_or_revoked_link_is_refused_with_410()
    {
        var expiring = await CreateLinkAsync(new { kind = "Membership", role = "Bewoner", expiresInDays = 1 });
        var (revokedId, revoked) = await CreateInvitationAsync(new { kind = "Membership", role = "Bewoner" });
        Assert.Equal(HttpStatusCode.NoContent, (await _facilitator.DeleteAsync($"/api/projects/{_project}/invitations/{revokedId}")).StatusCode);
        var list = await _facilitator.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{_project}/invitations");
        Assert.True(list!.Single(i => i.GetProperty("id").GetGuid() == revokedId).GetProperty("revoked").GetBoolean());

        _app.Time.Advance(TimeSpan.FromDays(2));
        await _app.CreatePersonAsync("laat@example.org");
        var late = await _app.SignedInClientAsync("laat@example.org");
        Assert.Equal(HttpStatusCode.Gone, (await late.PostAsync($"/api/invitations/{TokenOf(expiring)}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await late.PostAsync($"/api/invitations/{TokenOf(revoked)}/accept", null)).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("'%20OR%201=1--")]
    [InlineData("%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    public async Task Unknown_or_hostile_tokens_get_404(string token)
    {
        await _app.CreatePersonAsync("iemand@example.org");
        var client = await _app.SignedInClientAsync("iemand@example.org");
        var accept = await client.PostAsync($"/api/invitations/{token}/accept", null);
        Assert.True(accept.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"got {accept.StatusCode}");
        var capture = await _app.AnonymousClient().GetAsync($"/api/capture/{token}");
        Assert.True(capture.StatusCode is HttpStatusCode.NotFound, $"got {capture.StatusCode}");
    }

    [Fact]
    public async Task A_capture_link_shows_an_anonymous_teller_the_question_and_nothing_more()
    {
        var url = await CreateLinkAsync(new { kind = "Capture", role = "Bewoner" });
        Assert.Contains("/c/", url);
        var response = await _app.AnonymousClient().GetAsync($"/api/capture/{TokenOf(url)}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("Wat betekent werk voor jou?", body);
        Assert.DoesNotContain("begeleider@example.org", body);

        // A capture link grants no membership, and a membership link is no capture link.
        var anonymous = await _app.AnonymousClient().PostAsync($"/api/invitations/{TokenOf(url)}/accept", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var membership = await CreateLinkAsync(new { kind = "Membership", role = "Bewoner" });
        Assert.Equal(HttpStatusCode.NotFound, (await _app.AnonymousClient().GetAsync($"/api/capture/{TokenOf(membership)}")).StatusCode);
    }

    [Theory]
    [InlineData("""{"kind":"Membership","role":"Koning"}""")]
    [InlineData("""{"kind":"Membership","role":"Bewoner","expiresInDays":0}""")]
    [InlineData("""{"kind":"Membership","role":"Bewoner","expiresInDays":100000}""")]
    [InlineData("""{"kind":"Membership","role":"Bewoner","maxUses":-1}""")]
    [InlineData("{\"kind\":\"Membership\",")]
    [InlineData("")]
    public async Task Malformed_invitation_requests_get_400_and_create_nothing(string json)
    {
        var response = await _facilitator.PostAsync($"/api/projects/{_project}/invitations",
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await _app.WithDbAsync(async db => Assert.Equal(0, await db.Invitations.CountAsync()));
    }

    [Fact]
    public async Task A_new_person_registers_through_the_invite_page_and_lands_in_the_project()
    {
        var url = await CreateLinkAsync(new { kind = "Membership", role = "Bewoner" });
        var path = new Uri(url).AbsolutePath;
        var browser = _app.AnonymousClient();
        var page = await browser.GetStringAsync(path);
        Assert.Contains("Uitnodiging voor Werk", page);

        var form = await Forms.PostAsync(browser, path, page, "Register", new()
        {
            ["DisplayName"] = "Fatima",
            ["Email"] = "fatima@example.org",
            ["Password"] = "een lang wachtwoord",
        });
        Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
        Assert.Equal($"/projects/{_project}", form.Headers.Location!.OriginalString);
        var projectPage = await browser.GetAsync($"/projects/{_project}");
        Assert.Equal(HttpStatusCode.OK, projectPage.StatusCode);
        Assert.Contains("bewoner", await projectPage.Content.ReadAsStringAsync());
    }
}
