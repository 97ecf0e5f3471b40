using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// Improvement proposals and experiments with the themes and stories behind them. Everyone who analyses reads them;
/// facilitators and policy officers write them. Plain forms over the same service as the API: keyboard and no-script friendly.
/// </summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class ExperimentsModel(StorytellingDbContext db, ExperimentsService experiments, CodebookService codebook, ProjectsService projects) : ProjectPageModel
{
    /// <summary>The experiment whose form is open for editing; null shows the form for a new one.</summary>
    [BindProperty(SupportsGet = true)] public Guid? Edit { get; set; }

    public string ProjectName { get; private set; } = "";
    public bool CanWrite { get; private set; }
    public List<ExperimentDto> Experiments { get; private set; } = [];
    public List<ThemeDto> Themes { get; private set; } = [];
    public List<(Guid Id, string Pseudonym)> Stories { get; private set; } = [];
    public List<MemberDto> Owners { get; private set; } = [];
    public ExperimentDto? Editing { get; private set; }
    /// <summary>What was posted, so a refused form keeps what the person typed.</summary>
    public ExperimentRequest? Posted { get; private set; }
    /// <summary>Refused fields, each with the resource key of its message and the message's arguments.</summary>
    public Dictionary<string, (string Key, object[] Args)> Errors { get; private set; } = [];
    /// <summary>The resource key of the message after a save or delete, and its argument (the experiment's title).</summary>
    public string? Message { get; private set; }
    public string? MessageArg { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostSaveAsync(Guid? experimentId, string? title, string? description, string? owner, string? ownerName,
        ExperimentStatus? status, DateOnly? startsOn, DateOnly? endsOn, string? results, List<Guid>? themeIds, List<Guid>? storyIds, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanWrite) return Forbid();
        // The owner field is either a team member's id or empty, in which case the typed organisation name counts.
        Guid? ownerId = Guid.TryParse(owner, out var parsed) ? parsed : null;
        var request = new ExperimentRequest(title, description, ownerId, ownerName, status, startsOn, endsOn, results, themeIds, storyIds);
        var result = await experiments.SaveAsync(ProjectId, experimentId, request, User.PersonId(), ct);
        if (result.NotFound) return NotFound();
        if (result.Experiment is not { } saved)
        {
            Errors = (result.Errors ?? []).ToDictionary(x => x.Key, x => ErrorText(x.Key, request));
            Posted = request;
            Edit = experimentId;
            await LoadAsync(ct);
            return Page();
        }
        TempData["Message"] = experimentId is null ? "Added" : "Updated";
        TempData["MessageArg"] = saved.Title;
        return Redirect($"/projects/{ProjectId}/experiments#experiment-{saved.Id}");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid experimentId, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanWrite) return Forbid();
        if (!await experiments.DeleteAsync(ProjectId, experimentId, User.PersonId(), ct)) return NotFound();
        TempData["Message"] = "Deleted";
        return Redirect($"/projects/{ProjectId}/experiments");
    }

    /// <summary>
    /// The page's own message for a field the service refused (its messages are English for API clients); the page
    /// speaks the reader's language.
    /// </summary>
    private static (string Key, object[] Args) ErrorText(string field, ExperimentRequest request) => field switch
    {
        "title" => ("ErrorTitle", [ExperimentsService.MaxTitleLength]),
        "description" => ("ErrorDescription", [ExperimentsService.MaxDescriptionLength]),
        "results" => ("ErrorResults", [ExperimentsService.MaxResultsLength]),
        "ownerName" => ("ErrorOwnerName", [ExperimentsService.MaxOwnerNameLength]),
        "status" => ("ErrorStatus", []),
        "endsOn" => ("ErrorEndsOn", []),
        "ownerPersonId" => ("ErrorOwner", []),
        "themeIds" when (request.ThemeIds ?? []).Distinct().Count() > ExperimentsService.MaxThemeLinks => ("ErrorTooManyThemes", [ExperimentsService.MaxThemeLinks]),
        "themeIds" => ("ErrorThemes", []),
        "storyIds" when (request.StoryIds ?? []).Distinct().Count() > ExperimentsService.MaxStoryLinks => ("ErrorTooManyStories", [ExperimentsService.MaxStoryLinks]),
        "storyIds" => ("ErrorStories", []),
        _ => ("ErrorOther", []),
    };

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        Message = TempData["Message"] as string;
        MessageArg = TempData["MessageArg"] as string;
        var roles = await MyRolesAsync(ct);
        CanWrite = roles.Any(Policies.ProjectRoles[Policies.ManageExperiments].Contains);
        Experiments = await experiments.ListAsync(ProjectId, ct);
        Editing = Edit is { } id ? Experiments.FirstOrDefault(e => e.Id == id) : null;
        if (CanWrite)
        {
            Themes = (await codebook.ListAsync(ProjectId, ct)).Where(t => t.MergedIntoId is null).ToList();
            // Only stories whose teller agreed to the analysis can be linked; they are named by pseudonym.
            Stories = (await db.Stories.AsNoTracking()
                    .Where(s => s.ProjectId == ProjectId).Analysable()
                    .OrderBy(s => s.CreatedAt).Select(s => new { s.Id, s.TellerPseudonym }).ToListAsync(ct))
                .Select(s => (s.Id, s.TellerPseudonym)).ToList();
            Owners = (await projects.MembersAsync(ProjectId, ct)).Where(m => m.Roles.Any(r => r != ProjectRole.Bewoner)).ToList();
        }
        return true;
    }
}
