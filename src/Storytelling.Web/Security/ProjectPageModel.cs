using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Security;

/// <summary>
/// Base of every page under <c>/projects/{projectId}</c>. Ids are read from the address only: the authorization policy
/// checked the caller's role in the project the address names, so a form field or query value must never be able to
/// name another project (or another project's story, report or session). Model binding lets a posted field win over a
/// route value, which is why these are read-only properties over <see cref="PageModel.RouteData"/> and not bound.
/// </summary>
public abstract class ProjectPageModel : PageModel
{
    public Guid ProjectId => RouteId("projectId");

    /// <summary>The caller's roles in this page's project, from the request's <see cref="CurrentMember"/> (loaded once).</summary>
    protected Task<IReadOnlyList<ProjectRole>> MyRolesAsync(CancellationToken ct) =>
        HttpContext.RequestServices.GetRequiredService<CurrentMember>().RolesAsync(ProjectId, ct);

    /// <summary>A Guid route value of this page's address; <see cref="Guid.Empty"/> (matches nothing) when absent.</summary>
    protected Guid RouteId(string name) =>
        Guid.TryParse(RouteData.Values.TryGetValue(name, out var value) ? value?.ToString() : null, out var id) ? id : Guid.Empty;
}
