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
public sealed class PhaseModel(StorytellingDbContext db, PhasesService phases) : ProjectPageModel
{
    public string ProjectName { get; private set; } = "";
    public PhaseOverviewDto Overview { get; private set; } = null!;
    public bool CanLead { get; private set; }
    /// <summary>Resource keys of the page (Phase.resx) for what was wrong with a move.</summary>
    public List<string> Errors { get; private set; } = [];
    /// <summary>The phase just moved to, for the confirmation.</summary>
    public ProjectPhase? MovedTo { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(ProjectPhase? to, string? note, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanLead) return Forbid();
        var outcome = await phases.MoveAsync(ProjectId, new MovePhaseRequest(to, note), User.PersonId(), ct);
        if (outcome.Errors is { } errors) Errors = Describe(errors, to, note);
        else if (outcome.Conflict) Errors = ["ErrorConflict"];
        else MovedTo = outcome.To;
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>The service's checks by field, as the page's own messages in the reader's language.</summary>
    private static List<string> Describe(Dictionary<string, string[]> errors, ProjectPhase? to, string? note)
    {
        var keys = new List<string>();
        if (errors.ContainsKey("to")) keys.Add(to is { } phase && Enum.IsDefined(phase) ? "ErrorSamePhase" : "ErrorChoosePhase");
        if (errors.ContainsKey("note")) keys.Add(note?.Trim().Length > PhasesService.MaxNoteLength ? "ErrorNoteTooLong" : "ErrorNoteRequired");
        return keys;
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        Overview = (await phases.OverviewAsync(ProjectId, ct))!;
        var roles = await MyRolesAsync(ct);
        CanLead = roles.Any(Policies.ProjectRoles[Policies.LeadEvaluation].Contains);
        return true;
    }
}
