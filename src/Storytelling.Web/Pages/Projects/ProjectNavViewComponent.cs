using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>One page of the project navigation: its resource key, its address below the project and the rule that opens it.</summary>
public sealed record ProjectNavPage(string Key, string Path, string Policy);

/// <summary>A step of the process with the pages it holds; the first page the reader may open is where the step leads.</summary>
public sealed record ProjectNavSection(string Key, IReadOnlyList<ProjectNavPage> Pages);

public sealed record ProjectNavLink(string Key, string Href, bool Current);

public sealed record ProjectNavItem(string Key, string Href, bool Current, IReadOnlyList<ProjectNavLink> Pages);

public sealed record ProjectNavView(Guid ProjectId, string ProjectName, IReadOnlyList<ProjectNavItem> Sections);

/// <summary>
/// The navigation of every project page, in the order of the process (verhalen, analyseren, werksessies, rapporten,
/// evaluatie, mensen en instellingen). It shows only what the reader may open: each page is asked of the rights table
/// through <see cref="IAuthorizationService"/> with the same rule its page model declares, so the menu and the doors
/// can never disagree.
/// </summary>
public sealed class ProjectNavViewComponent(StorytellingDbContext db, IAuthorizationService authorization) : ViewComponent
{
    public static readonly IReadOnlyList<ProjectNavSection> Sections =
    [
        new("Overview", [new("Overview", "", Policies.ProjectMember)]),
        new("Stories", [
            new("StoryList", "/stories", Policies.Analyse),
            new("Record", "/record", Policies.Capture),
            new("Tellers", "/vertellers", Policies.Facilitate)]),
        new("Analyse", [
            new("Codebook", "/codebook", Policies.Analyse),
            new("Tussenruimte", "/tussenruimte", Policies.Analyse)]),
        new("Workshops", [new("Workshops", "/workshops", Policies.RunWorkshop)]),
        new("Reports", [new("Reports", "/reports", Policies.Export)]),
        new("Evaluation", [
            new("Phase", "/phase", Policies.ProjectMember),
            new("Experiments", "/experiments", Policies.Analyse),
            new("Rounds", "/rounds", Policies.Analyse)]),
        new("People", [
            new("People", "/people", Policies.ManageProject),
            new("Questions", "/questions", Policies.Facilitate),
            new("Retention", "/retention", Policies.ManageProject),
            new("Import", "/import", Policies.Import),
            new("Exchange", "/exchange", Policies.Analyse)]),
    ];

    public async Task<IViewComponentResult> InvokeAsync()
    {
        if (CurrentMember.RouteProjectId(HttpContext) is not { } projectId) return Content("");
        var ct = HttpContext.RequestAborted;
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return Content("");
        var scope = new ProjectScope(projectId);
        var allowed = new Dictionary<string, bool>();
        var root = $"/projects/{projectId}";
        var path = HttpContext.Request.Path.Value?.TrimEnd('/') ?? "";
        var current = CurrentPath(root, path);
        var items = new List<ProjectNavItem>();
        foreach (var section in Sections)
        {
            var links = new List<ProjectNavLink>();
            foreach (var page in section.Pages)
            {
                if (!allowed.TryGetValue(page.Policy, out var may))
                    allowed[page.Policy] = may = (await authorization.AuthorizeAsync(UserClaimsPrincipal, scope, page.Policy)).Succeeded;
                if (may) links.Add(new ProjectNavLink(page.Key, root + page.Path, page.Path == current));
            }
            if (links.Count == 0) continue;
            items.Add(new ProjectNavItem(section.Key, links[0].Href, links.Any(l => l.Current), links));
        }
        // Nothing to find your way in for someone who may open only the overview (a member without a right besides it).
        return View("~/Pages/Projects/_ProjectNav.cshtml", new ProjectNavView(projectId, name, items));
    }

    /// <summary>The nav page the address belongs to: a story's transcript belongs to the story list, a report and a
    /// workshop board to their lists.</summary>
    internal static string? CurrentPath(string root, string path)
    {
        if (string.Equals(path, root, StringComparison.OrdinalIgnoreCase)) return "";
        if (!path.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase)) return null;
        var rest = path[root.Length..];
        var first = "/" + rest.Split('/', StringSplitOptions.RemoveEmptyEntries)[0].ToLowerInvariant();
        return Sections.SelectMany(s => s.Pages).Any(p => p.Path == first) ? first : null;
    }
}
