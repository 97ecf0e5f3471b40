using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Translation;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>The phase history for everyone in the project; the facilitator moves the phase here, with a note.</summary>
[Authorize(Policy = Policies.ProjectMember)]
public sealed class PhaseModel(StorytellingDbContext db, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)] public Guid ProjectId { get; set; }
    public string ProjectName { get; private set; } = "";
    public PhaseOverviewDto Overview { get; private set; } = null!;
    public bool CanLead { get; private set; }
    public Dictionary<string, string[]> Errors { get; private set; } = [];
    public string? Message { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(ProjectPhase? to, string? note, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var outcome = await PhasesApi.MoveAsync(db, time, ProjectId, new MovePhaseRequest(to, note), User.PersonId(), ct);
        if (outcome.Errors is { } errors) Errors = errors;
        else if (outcome.Conflict) Errors["to"] = ["Iemand anders wijzigde de fase tegelijk. Kijk hieronder en probeer het opnieuw."];
        else Message = $"De fase is nu: {SharedText.Phase(outcome.To)}.";
        await LoadAsync(ct);
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        Overview = (await PhasesApi.OverviewAsync(db, ProjectId, ct))!;
        var roles = await ProjectsApi.MyRolesAsync(db, ProjectId, User.PersonId(), ct);
        CanLead = roles.Any(Policies.ProjectRoles[Policies.LeadEvaluation].Contains);
        return true;
    }
}
