using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

/// <summary>
/// "The beheerder reads no story": nobody gives themselves a role through their own link, every reader of a project is
/// listed for its facilitators, and the installation administrator reads a story only after someone else invites them.
/// </summary>
public sealed class SelfInvitationTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _project;
    private HttpClient _beheerder = null!;
    private HttpClient _facilitator = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var beheerder = await _app.CreatePersonAsync("beheerder@example.org", name: "Bob Beheerder");
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org", name: "Bea Begeleider");
        _project = (await _app.CreateProjectAsync("Werk", (beheerder.Id, ProjectRole.Beheerder), (facilitator.Id, ProjectRole.Begeleider))).Id;
        _beheerder = await _app.SignedInClientAsync("beheerder@example.org");
        _facilitator = await _app.SignedInClientAsync("begeleider@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private static async Task<string> TokenAsync(HttpClient inviter, Guid project, string role)
    {
        var response = await inviter.PostAsJsonAsync($"/api/projects/{project}/invitations", new { kind = "Membership", role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var url = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        return url[(url.LastIndexOf('/') + 1)..];
    }

    [Fact]
    public async Task A_beheerder_who_invites_themselves_as_begeleider_is_refused_and_still_reads_no_story()
    {
        var token = await TokenAsync(_beheerder, _project, "Begeleider");

        var accepted = await _beheerder.PostAsync($"/api/invitations/{token}/accept", null);
        Assert.Equal(HttpStatusCode.Conflict, accepted.StatusCode);
        var problem = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("own_invitation", problem.GetProperty("code").GetString());
        Assert.Contains("Ask another facilitator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var page = await _beheerder.GetAsync($"/invite/{token}");
        Assert.Equal(HttpStatusCode.Conflict, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Deze uitnodiging heb je zelf gemaakt", html, StringComparison.Ordinal);
        Assert.DoesNotContain("handler=Accept", html, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Forbidden, (await _beheerder.GetAsync($"/api/projects/{_project}/stories")).StatusCode);
        await _app.WithDbAsync(async db => Assert.Equal(1, await db.Memberships.CountAsync(m => m.ProjectId == _project && m.Role == ProjectRole.Begeleider)));
        // The link stays unused, so the facilitators can see it and revoke it.
        var list = await _facilitator.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{_project}/invitations");
        Assert.Equal(0, list!.Single().GetProperty("useCount").GetInt32());
    }

    [Fact]
    public async Task A_new_reader_appears_to_the_facilitators_with_role_date_and_who_invited_them()
    {
        await _app.CreatePersonAsync("nieuw@example.org", name: "Nina Nieuw");
        var newcomer = await _app.SignedInClientAsync("nieuw@example.org");
        var token = await TokenAsync(_beheerder, _project, "Begeleider");
        _app.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.OK, (await newcomer.PostAsync($"/api/invitations/{token}/accept", null)).StatusCode);

        var readers = await _facilitator.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{_project}/readers");
        var newest = readers![0];
        Assert.Equal(("Nina Nieuw", "Begeleider", "Bob Beheerder"),
            (newest.GetProperty("displayName").GetString(), newest.GetProperty("role").GetString(), newest.GetProperty("invitedBy").GetString()));
        Assert.Equal(_app.Time.GetUtcNow(), newest.GetProperty("since").GetDateTimeOffset());
        Assert.DoesNotContain(readers, r => r.GetProperty("displayName").GetString() == "Bob Beheerder");

        var page = await _facilitator.GetStringAsync($"/projects/{_project}/people");
        var section = page[page.IndexOf("Wie leest de verhalen", StringComparison.Ordinal)..];
        Assert.Contains("Nina Nieuw", section, StringComparison.Ordinal);
        Assert.Contains("Bob Beheerder", section, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_administrator_creates_a_project_and_reads_its_stories_only_when_a_facilitator_invites_them()
    {
        await _app.CreatePersonAsync("admin@example.org", administrator: true, name: "Ada Admin");
        var admin = await _app.SignedInClientAsync("admin@example.org");
        var created = await admin.PostAsJsonAsync("/api/projects",
            new { name = "Nieuw traject", guidingQuestion = "Wat is er voor jou veranderd?", allowedLanguages = new[] { "nl" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var project = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/projects/{project}/stories")).StatusCode);
        // Nor in a project they are not part of: being administrator opens no project.
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync($"/api/projects/{_project}")).StatusCode);

        // Their own link as begeleider does not work; a facilitator's does.
        var own = await TokenAsync(admin, project, "Begeleider");
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync($"/api/invitations/{own}/accept", null)).StatusCode);
        var facilitatorsLink = await TokenAsync(_facilitator, _project, "Begeleider");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/invitations/{facilitatorsLink}/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/projects/{_project}/stories")).StatusCode);
        var readers = await _facilitator.GetFromJsonAsync<List<JsonElement>>($"/api/projects/{_project}/readers");
        Assert.Contains(readers!, r => r.GetProperty("displayName").GetString() == "Ada Admin" && r.GetProperty("invitedBy").GetString() == "Bea Begeleider");
    }
}
