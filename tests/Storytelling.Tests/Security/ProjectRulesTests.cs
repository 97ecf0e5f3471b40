using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security;

/// <summary>
/// The named rules of the rights table as endpoints, pages and the hub use them: through the app's own
/// IAuthorizationService against real memberships, and through the endpoints that apply them.
/// </summary>
public sealed class ProjectRulesTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private readonly Dictionary<ProjectRole, Guid> _people = [];
    private Guid _project;
    private Guid _otherProject;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        foreach (var role in Enum.GetValues<ProjectRole>())
            _people[role] = (await _app.CreatePersonAsync($"{role.ToString().ToLowerInvariant()}@example.org")).Id;
        _project = (await _app.CreateProjectAsync("Werk", _people.Select(p => (p.Value, p.Key)).ToArray())).Id;
        var outsider = await _app.CreatePersonAsync("ander@example.org");
        _otherProject = (await _app.CreateProjectAsync("Elders", (outsider.Id, ProjectRole.Begeleider))).Id;
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private async Task<bool> AllowedAsync(Guid personId, object resource, string policy)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, personId.ToString())], "test"));
        return (await authorization.AuthorizeAsync(user, resource, policy)).Succeeded;
    }

    public static TheoryData<string, ProjectRole, bool> TableCases()
    {
        var data = new TheoryData<string, ProjectRole, bool>();
        foreach (var role in Enum.GetValues<ProjectRole>())
        {
            data.Add(Policies.RunWorkshop, role, role == ProjectRole.Begeleider);
            data.Add(Policies.SeeAllStories, role, role == ProjectRole.Begeleider);
            data.Add(Policies.SeeOriginals, role, role == ProjectRole.Begeleider);
            data.Add(Policies.ManageProject, role, role is ProjectRole.Begeleider or ProjectRole.Beheerder);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TableCases))]
    public async Task Each_role_holds_a_named_rule_in_its_own_project_only(string policy, ProjectRole role, bool allowed)
    {
        Assert.Equal(allowed, await AllowedAsync(_people[role], new ProjectScope(_project), policy));
        Assert.False(await AllowedAsync(_people[role], new ProjectScope(_otherProject), policy));
    }

    public static TheoryData<ProjectRole, InvitationKind, ProjectRole, bool> InviteCases() => new()
    {
        { ProjectRole.Beheerder, InvitationKind.Membership, ProjectRole.Beheerder, true },
        { ProjectRole.Beheerder, InvitationKind.Membership, ProjectRole.Begeleider, true },
        { ProjectRole.Begeleider, InvitationKind.Membership, ProjectRole.Beheerder, false },
        { ProjectRole.Begeleider, InvitationKind.Membership, ProjectRole.Beleidsmedewerker, true },
        { ProjectRole.Begeleider, InvitationKind.Capture, ProjectRole.Bewoner, true },
        { ProjectRole.Beleidsmedewerker, InvitationKind.Membership, ProjectRole.Bewoner, false },
        { ProjectRole.Bewoner, InvitationKind.Capture, ProjectRole.Bewoner, false },
        { ProjectRole.Interviewer, InvitationKind.Membership, ProjectRole.Interviewer, false },
    };

    [Theory]
    [MemberData(nameof(InviteCases))]
    public async Task Only_those_who_manage_invite_and_only_a_beheerder_hands_out_beheerder(ProjectRole inviter, InvitationKind kind, ProjectRole role, bool allowed)
    {
        Assert.Equal(allowed, await AllowedAsync(_people[inviter], new InvitationScope(_project, kind, role), Policies.Invite));
        Assert.False(await AllowedAsync(_people[inviter], new InvitationScope(_otherProject, kind, role), Policies.Invite));
    }

    [Theory]
    [InlineData(ProjectRole.Begeleider, false, true)]   // the curator moderates everyone's
    [InlineData(ProjectRole.Begeleider, true, true)]
    [InlineData(ProjectRole.Bewoner, true, true)]       // the author takes back their own
    [InlineData(ProjectRole.Bewoner, false, false)]
    [InlineData(ProjectRole.Beleidsmedewerker, true, true)]
    [InlineData(ProjectRole.Beleidsmedewerker, false, false)]
    [InlineData(ProjectRole.Beheerder, true, false)]    // reads no stories, so codes none and removes none
    [InlineData(ProjectRole.Interviewer, true, false)]
    public async Task A_coding_is_removed_by_its_author_or_the_curator(ProjectRole role, bool ownCoding, bool allowed)
    {
        var author = ownCoding ? _people[role] : Guid.NewGuid();
        Assert.Equal(allowed, await AllowedAsync(_people[role], new CodingResource(_project, author), Policies.RemoveCoding));
        Assert.False(await AllowedAsync(_people[role], new CodingResource(_otherProject, author), Policies.RemoveCoding));
    }

    [Fact]
    public void Residents_and_professionals_are_one_classification_for_tussenruimte_reports_and_experiments()
    {
        Assert.Equal([ProjectRole.Bewoner], Enum.GetValues<ProjectRole>().Where(RoleClasses.IsResident));
        Assert.Equal([ProjectRole.Interviewer, ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker], Enum.GetValues<ProjectRole>().Where(RoleClasses.IsProfessional));
        Assert.Equal([ProjectRole.Interviewer, ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker, ProjectRole.Beheerder], Enum.GetValues<ProjectRole>().Where(RoleClasses.IsStaff));
        Assert.Equal([ProjectRole.Bewoner, ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker], RoleClasses.StoryReaders);
    }

    [Fact]
    public async Task An_experiment_is_owned_by_staff_never_by_a_resident()
    {
        var officer = await _app.SignedInClientAsync("beleidsmedewerker@example.org");
        var path = $"/api/projects/{_project}/experiments";
        var resident = await officer.PostAsJsonAsync(path, new { title = "Spreekuur", ownerPersonId = _people[ProjectRole.Bewoner] });
        Assert.Equal(HttpStatusCode.BadRequest, resident.StatusCode);
        Assert.Contains("not a resident", await resident.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var staff = await officer.PostAsJsonAsync(path, new { title = "Spreekuur", ownerPersonId = _people[ProjectRole.Beheerder] });
        Assert.Equal(HttpStatusCode.Created, staff.StatusCode);
    }

    [Fact]
    public async Task A_removed_member_loses_access_with_the_next_request()
    {
        var officer = await _app.SignedInClientAsync("beleidsmedewerker@example.org");
        Assert.Equal(HttpStatusCode.OK, (await officer.GetAsync($"/api/projects/{_project}/stories")).StatusCode);
        await _app.WithDbAsync(db => db.Memberships.Where(m => m.PersonId == _people[ProjectRole.Beleidsmedewerker]).ExecuteDeleteAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync($"/api/projects/{_project}/stories")).StatusCode);
    }
}

/// <summary>The remove-coding rule through the real endpoint, on a story with codings by several people.</summary>
public sealed class CodingRemovalTests
{
    [Fact]
    public async Task Authors_take_back_their_own_codings_and_only_the_begeleider_removes_anyones()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        Guid bewonerId = default, beleidId = default;
        await world.App.WithDbAsync(async db =>
        {
            bewonerId = await db.Users.Where(u => u.Email == WorkshopWorld.Bewoner).Select(u => u.Id).SingleAsync();
            beleidId = await db.Users.Where(u => u.Email == WorkshopWorld.Beleid).Select(u => u.Id).SingleAsync();
        });
        var residents = (await world.CodeAsync(world.StoryId, world.ThemeWerk, 0, 10, ProjectRole.Bewoner, bewonerId)).Coding!.Id;
        var officers = (await world.CodeAsync(world.StoryId, world.ThemeWerk, 11, 20, ProjectRole.Beleidsmedewerker, beleidId)).Coding!.Id;
        var path = (Guid id) => $"/api/projects/{world.Project.Id}/stories/{world.StoryId}/codings/{id}";

        var officer = await world.App.SignedInClientAsync(WorkshopWorld.Beleid);
        Assert.Equal(HttpStatusCode.Forbidden, (await officer.DeleteAsync(path(residents))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await officer.DeleteAsync(path(officers))).StatusCode);

        var resident = await world.App.SignedInClientAsync(WorkshopWorld.Bewoner);
        var another = (await world.CodeAsync(world.StoryId, world.ThemeSchulden, 11, 20, ProjectRole.Beleidsmedewerker, beleidId)).Coding!.Id;
        Assert.Equal(HttpStatusCode.Forbidden, (await resident.DeleteAsync(path(another))).StatusCode);

        var facilitator = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        Assert.Equal(HttpStatusCode.NoContent, (await facilitator.DeleteAsync(path(another))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await resident.DeleteAsync(path(residents))).StatusCode);
        await world.App.WithDbAsync(async db => Assert.False(await db.Codings.AnyAsync(c => c.TranscriptId != Guid.Empty && c.Theme!.ProjectId == world.Project.Id)));
    }
}
