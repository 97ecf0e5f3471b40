using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>A step the reader can take now: the page's resource key for its text and where it leads.</summary>
public sealed record NextStep(string Key, string Href);

/// <summary>
/// The project's overview: the phase and its timeline, what to do next in this phase (only what the reader's role may
/// open, decided by the rights table), counts and recent activity. The stories list lives on its own page (Verhalen),
/// people and links on theirs (Mensen en instellingen); the project navigation leads to every part.
/// </summary>
[Authorize(Policy = Policies.ProjectMember)]
public sealed class DetailsModel(StorytellingDbContext db, ProjectOverview overview) : ProjectPageModel
{
    public ProjectDto Project { get; private set; } = null!;
    public ProjectCounts Counts { get; private set; } = null!;
    public List<ActivityDto> Recent { get; private set; } = [];
    public List<NextStep> NextSteps { get; private set; } = [];
    /// <summary>Which of the counted things the reader may open, by the rights table.</summary>
    public bool CanAnalyse { get; private set; }
    public bool CanExport { get; private set; }
    public bool CanRunWorkshop { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == ProjectId, ct);
        if (project is null) return NotFound();
        var roles = await MyRolesAsync(ct);
        Project = ProjectDto.From(project, roles);
        CanAnalyse = Policies.Allows(Policies.Analyse, roles);
        CanExport = Policies.Allows(Policies.Export, roles);
        CanRunWorkshop = Policies.Allows(Policies.RunWorkshop, roles);
        Counts = await overview.CountsAsync(ProjectId, ct);
        Recent = await overview.RecentAsync(ProjectId, 8, ct);
        NextSteps = StepsFor(project.Phase).Where(s => Policies.Allows(s.Policy, roles))
            .Select(s => new NextStep(s.Key, $"/projects/{ProjectId}{s.Path}")).ToList();
        return Page();
    }

    /// <summary>What each phase asks of the people in it, most urgent first; the reader sees those their role may do.</summary>
    internal static IEnumerable<(string Key, string Path, string Policy)> StepsFor(ProjectPhase phase) => phase switch
    {
        ProjectPhase.Gather =>
        [
            ("Next_ShareLink", "/people", Policies.ManageProject),
            ("Next_Record", "/record", Policies.Capture),
            ("Next_ReadStories", "/stories", Policies.Analyse),
            ("Next_Codebook", "/codebook", Policies.Analyse),
            ("Next_ToAnalyse", "/phase", Policies.LeadEvaluation),
        ],
        ProjectPhase.Analyse =>
        [
            ("Next_Code", "/stories", Policies.Analyse),
            ("Next_Workshop", "/workshops", Policies.RunWorkshop),
            ("Next_Tussenruimte", "/tussenruimte", Policies.Analyse),
            ("Next_Report", "/reports", Policies.Export),
            ("Next_ToExperiment", "/phase", Policies.LeadEvaluation),
            ("Next_People", "/people", Policies.ManageProject),
        ],
        ProjectPhase.Experiment =>
        [
            ("Next_Experiments", "/experiments", Policies.Analyse),
            ("Next_Report", "/reports", Policies.Export),
            ("Next_ToCoEvaluate", "/phase", Policies.LeadEvaluation),
            ("Next_People", "/people", Policies.ManageProject),
        ],
        _ =>
        [
            ("Next_OpenRound", "/rounds", Policies.LeadEvaluation),
            ("Next_CompareRounds", "/rounds", Policies.Analyse),
            ("Next_Report", "/reports", Policies.Export),
            ("Next_People", "/people", Policies.ManageProject),
        ],
    };
}
