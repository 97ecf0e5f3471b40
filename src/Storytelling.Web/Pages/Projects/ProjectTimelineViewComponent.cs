using Microsoft.AspNetCore.Mvc;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

public sealed record ProjectTimelineView(Guid ProjectId, PhaseOverviewDto Overview, bool CanLead, bool CanAnalyse, RoundDto? OpenRound);

/// <summary>
/// The project's four phases as a compact timeline on the project page. A view component so the project page needs
/// one line and no data of its own; it renders the partial <c>_ProjectTimeline.cshtml</c>.
/// </summary>
public sealed class ProjectTimelineViewComponent(PhasesService phases, RoundsService rounds, CurrentMember member) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(Guid projectId)
    {
        var ct = HttpContext.RequestAborted;
        var overview = await phases.OverviewAsync(projectId, ct);
        if (overview is null) return Content("");
        var roles = await member.RolesAsync(projectId, ct);
        var canAnalyse = roles.Any(Policies.ProjectRoles[Policies.Analyse].Contains);
        var openRound = canAnalyse ? (await rounds.ListAsync(projectId, ct)).LastOrDefault(r => r.IsOpen) : null;
        return View("~/Pages/Projects/_ProjectTimeline.cshtml",
            new ProjectTimelineView(projectId, overview, roles.Any(Policies.ProjectRoles[Policies.LeadEvaluation].Contains), canAnalyse, openRound));
    }
}
