using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

[Authorize(Policy = Policies.ProjectMember)]
public sealed class DetailsModel(StorytellingDbContext db, InvitationService invitations, StoriesService stories, CodebookService codebook,
    ProjectsService projects) : ProjectPageModel
{
    [BindProperty(SupportsGet = true, Name = "status")] public string? StatusFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "language")] public string? LanguageFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "themeId")] public Guid? ThemeFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "q")] public string? Query { get; set; }
    /// <summary>The ?page= of the address. Not bound: "page" is also Razor Pages' own route value (this page's name),
    /// which model binding prefers, so a bound property never saw the number and every page showed the first.</summary>
    public int? PageNumber { get; private set; }
    public int Total { get; private set; }
    public int PageSize { get; } = StoriesService.DefaultPageSize;
    public bool Filtered => !string.IsNullOrEmpty(StatusFilter) || !string.IsNullOrEmpty(LanguageFilter) || ThemeFilter is not null || !string.IsNullOrWhiteSpace(Query);
    public List<ThemeDto> Themes { get; private set; } = [];
    public Dictionary<string, string[]>? FilterErrors { get; private set; }
    [BindProperty] public InvitationKind Kind { get; set; }
    [BindProperty] public ProjectRole Role { get; set; }

    public ProjectDto Project { get; private set; } = null!;
    public bool CanManage { get; private set; }
    public bool CanCapture { get; private set; }
    public List<MemberDto> Members { get; private set; } = [];
    /// <summary>Who reads stories here, newest first (shown to those who manage the project).</summary>
    public List<ReaderDto> Readers { get; private set; } = [];
    /// <summary>Null when the person may not analyse this project (e.g. an interviewer only records).</summary>
    public List<StorySummaryDto>? Stories { get; private set; }
    public List<ProjectRole> InvitableRoles { get; private set; } = [];
    public string? NewLink { get; private set; }
    /// <summary>A resource key of the page (Details.resx), shown with the view localizer.</summary>
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanManage) return Forbid();
        if (!Enum.IsDefined(Kind) || (Kind == InvitationKind.Membership && !InvitableRoles.Contains(Role)))
        {
            Error = "ErrorKindAndRole";
            return Page();
        }
        var (_, token) = await invitations.CreateAsync(ProjectId, Kind, Role, null, null, User.PersonId()!.Value, ct);
        NewLink = $"{Request.Scheme}://{Request.Host}{Request.PathBase}{(Kind == InvitationKind.Capture ? "/c/" : "/invite/")}{token}";
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == ProjectId, ct);
        if (project is null) return false;
        var roles = await MyRolesAsync(ct);
        Project = ProjectDto.From(project, roles);
        CanManage = roles.Any(Policies.ProjectRoles[Policies.ManageProject].Contains);
        CanCapture = roles.Any(Policies.ProjectRoles[Policies.Capture].Contains);
        if (roles.Any(Policies.ProjectRoles[Policies.Analyse].Contains))
        {
            // A page number that is not a number (or does not fit one) counts as 0, which the filter refuses.
            if (Request.Query.TryGetValue("page", out var asked) && asked.Count > 0)
                PageNumber = int.TryParse(asked[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
            var filter = new StoryFilter(StatusFilter, LanguageFilter, ThemeFilter, Query, PageNumber ?? 1, PageSize);
            var result = await stories.SearchAsync(ProjectId, User.PersonId(), filter, ct);
            FilterErrors = result.Errors;
            if (FilterErrors is not null) PageNumber = null;
            // A filter that is not right shows every story below the message.
            var page = result.Page ?? (await stories.SearchAsync(ProjectId, User.PersonId(), new StoryFilter(PageSize: PageSize), ct)).Page!;
            Stories = page.Items;
            Total = page.Total;
            Themes = (await codebook.ListAsync(ProjectId, ct)).Where(t => t.MergedIntoId is null).ToList();
        }
        if (CanManage)
        {
            // The invite rule: only a project beheerder may hand out the beheerder role.
            InvitableRoles = Enum.GetValues<ProjectRole>()
                .Where(r => InviteRequirement.Allows(roles, InvitationKind.Membership, r)).ToList();
            Members = await projects.MembersAsync(ProjectId, ct);
            Readers = await projects.ReadersAsync(ProjectId, ct);
        }
        return true;
    }
}
