using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Security;

/// <summary>
/// The caller of this request (or of this hub call: SignalR gives every invocation its own scope) as a member of
/// projects. Roles are loaded once per project, when first asked, and never outlive the request, so a removed member
/// loses access with their next request. Pages, endpoints, services and the authorization handlers share it instead
/// of each querying the memberships again.
/// </summary>
public sealed class CurrentMember(StorytellingDbContext db, IHttpContextAccessor accessor)
{
    private readonly Dictionary<(Guid Person, Guid Project), IReadOnlyList<ProjectRole>> _roles = [];

    public Guid? PersonId => accessor.HttpContext?.User.PersonId();

    /// <summary>The {projectId} of the request's address, if it has one.</summary>
    public Guid? ProjectId => RouteProjectId(accessor.HttpContext);

    /// <summary>The caller's roles in the project the address names (none outside a project's address).</summary>
    public Task<IReadOnlyList<ProjectRole>> RolesAsync(CancellationToken ct) =>
        ProjectId is { } projectId ? RolesAsync(projectId, ct) : Task.FromResult<IReadOnlyList<ProjectRole>>([]);

    public Task<IReadOnlyList<ProjectRole>> RolesAsync(Guid projectId, CancellationToken ct) => RolesOfAsync(PersonId, projectId, ct);

    /// <summary>Whether the caller holds this right (a name from <see cref="Policies"/>) in the project.</summary>
    public async Task<bool> MayAsync(string policy, Guid projectId, CancellationToken ct) =>
        Policies.Allows(policy, await RolesAsync(projectId, ct));

    /// <summary>Someone's roles in a project, sorted; the caller's come from the same cache.</summary>
    public async Task<IReadOnlyList<ProjectRole>> RolesOfAsync(Guid? personId, Guid projectId, CancellationToken ct)
    {
        if (personId is not { } id) return [];
        if (_roles.TryGetValue((id, projectId), out var known)) return known;
        var roles = await db.Memberships.AsNoTracking()
            .Where(m => m.ProjectId == projectId && m.PersonId == id)
            .Select(m => m.Role).ToListAsync(ct);
        // Sorted here: roles are stored by name, so the database would sort them alphabetically.
        IReadOnlyList<ProjectRole> sorted = roles.Order().ToList();
        _roles[(id, projectId)] = sorted;
        return sorted;
    }

    public static Guid? RouteProjectId(HttpContext? http) =>
        Guid.TryParse(http?.GetRouteValue("projectId")?.ToString(), out var id) ? id : null;
}
