using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// People and links: invitations to take part, capture links (with their QR code) for tellers, who takes part and who
/// reads the stories. A capture link made while the project does not gather stories says so at once, and points to the
/// open evaluation round's own link, since that is the link that takes stories then.
/// </summary>
[Authorize(Policy = Policies.ManageProject)]
public sealed class PeopleModel(StorytellingDbContext db, InvitationService invitations, ProjectsService projects, CaptureWindow window) : ProjectPageModel
{
    [BindProperty] public InvitationKind Kind { get; set; }
    [BindProperty] public ProjectRole Role { get; set; }

    public string ProjectName { get; private set; } = "";
    public ProjectPhase Phase { get; private set; }
    public int? AudioRetentionDays { get; private set; }
    /// <summary>The round whose own link takes stories now, when the project is past gathering.</summary>
    public int? OpenRound { get; private set; }
    public bool CanLeadEvaluation { get; private set; }
    public bool CanFacilitate { get; private set; }
    public List<MemberDto> Members { get; private set; } = [];
    /// <summary>Who reads stories here, newest first.</summary>
    public List<ReaderDto> Readers { get; private set; } = [];
    public List<ProjectRole> InvitableRoles { get; private set; } = [];
    /// <summary>A link just made; shown once, since only its hash is stored.</summary>
    public string? NewLink { get; private set; }
    public InvitationKind NewLinkKind { get; private set; }
    public string? NewLinkQr { get; private set; }
    /// <summary>A resource key of the page (People.resx), shown with the view localizer.</summary>
    public string? Error { get; private set; }

    /// <summary>A capture link now would open on "we are not collecting stories".</summary>
    public bool CaptureClosed => Phase != ProjectPhase.Gather;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!Enum.IsDefined(Kind) || (Kind == InvitationKind.Membership && !InvitableRoles.Contains(Role)))
        {
            Error = "ErrorKindAndRole";
            return Page();
        }
        var (_, token) = await invitations.CreateAsync(ProjectId, Kind, Role, null, null, User.PersonId()!.Value, ct);
        NewLink = $"{Request.Scheme}://{Request.Host}{Request.PathBase}{(Kind == InvitationKind.Capture ? "/c/" : "/invite/")}{token}";
        NewLinkKind = Kind;
        // A capture link is printed or shown on a screen for phones; an invitation is sent to one person.
        if (Kind == InvitationKind.Capture) NewLinkQr = Features.Workshops.WorkshopLinks.QrSvg(NewLink);
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => new { p.Name, p.Phase, p.AudioRetentionDays }).FirstOrDefaultAsync(ct);
        if (project is null) return false;
        ProjectName = project.Name;
        Phase = project.Phase;
        AudioRetentionDays = project.AudioRetentionDays;
        var roles = await MyRolesAsync(ct);
        CanLeadEvaluation = Policies.Allows(Policies.LeadEvaluation, roles);
        CanFacilitate = Policies.Allows(Policies.Facilitate, roles);
        if (CaptureClosed) OpenRound = (await window.OpenRoundAsync(ProjectId, ct))?.Number;
        // The invite rule: only a project beheerder may hand out the beheerder role.
        InvitableRoles = Enum.GetValues<ProjectRole>().Where(r => InviteRequirement.Allows(roles, InvitationKind.Membership, r)).ToList();
        Members = await projects.MembersAsync(ProjectId, ct);
        Readers = await projects.ReadersAsync(ProjectId, ct);
        return true;
    }
}
