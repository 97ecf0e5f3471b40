using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security;

/// <summary>Edges of the rights table that Stryker found untested: a request that names no project, a person with
/// two roles, and the role labels that stand in for names where names must not travel.</summary>
public sealed class RightsEdgeTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _person;
    private Guid _project;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        _person = (await _app.CreatePersonAsync("twee-rollen@example.org")).Id;
        _project = (await _app.CreateProjectAsync("Werk", (_person, ProjectRole.Beheerder), (_person, ProjectRole.Bewoner))).Id;
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_request_that_names_no_project_is_refused_without_an_error()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, _person.ToString())], "test"));

        // No {projectId} in the address: no project, so no role, so no right (and no exception on the way).
        var result = await authorization.AuthorizeAsync(user, new DefaultHttpContext(), Policies.ProjectMember);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task A_person_with_two_roles_gets_them_in_the_roles_own_order()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var roles = await scope.ServiceProvider.GetRequiredService<CurrentMember>().RolesOfAsync(_person, _project, CancellationToken.None);

        // Stored by name, the database would give Beheerder before Bewoner; pages show the roles in the table's order.
        Assert.Equal([ProjectRole.Bewoner, ProjectRole.Beheerder], roles);
    }

    [Theory]
    [InlineData(ProjectRole.Bewoner, "Bewoner")]
    [InlineData(ProjectRole.Begeleider, "Begeleider")]
    [InlineData(ProjectRole.Beleidsmedewerker, "Beleidsmedewerker")]
    [InlineData(ProjectRole.Interviewer, "Interviewer")]
    [InlineData(ProjectRole.Beheerder, RoleClasses.UnknownLabel)]
    public void A_person_appears_by_their_role_where_names_must_not_travel(ProjectRole role, string label) =>
        Assert.Equal(label, RoleClasses.Label(role));
}
