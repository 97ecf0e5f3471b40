using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Core.Audit;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Accounts;
using Storytelling.Web.Features.Translation;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages;

[EnableRateLimiting(RateLimits.Login)]
public sealed class InviteModel(InvitationService invitations, UserManager<Person> users, SignInManager<Person> signIn,
    PasswordSignIn passwordSignIn, StorytellingDbContext db, TimeProvider time) : PageModel
{
    // From the address only, never from a posted field (see ProjectPageModel).
    public string Token => RouteData.Values["token"]?.ToString() ?? "";
    [BindProperty] public string? DisplayName { get; set; }
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }

    public string? ProjectName { get; private set; }
    public string? GuidingQuestion { get; private set; }
    public string? RoleName { get; private set; }
    /// <summary>Resource keys of the page (Invite.resx).</summary>
    public string? Problem { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAcceptAsync(CancellationToken ct)
    {
        var me = User.PersonId();
        if (me is null) return Challenge();
        var (outcome, invitation) = await invitations.AcceptAsync(Token, me.Value, ct);
        if (invitation is not null) return Redirect($"/projects/{invitation.ProjectId}");
        Problem = Describe(outcome);
        if (outcome == AcceptOutcome.OwnInvitation) Response.StatusCode = StatusCodes.Status409Conflict;
        return Page();
    }

    public async Task<IActionResult> OnPostRegisterAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Page();
        var name = DisplayName?.Trim();
        var email = Email?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200 || string.IsNullOrEmpty(email) || email.Length > 256 || string.IsNullOrEmpty(Password))
        {
            Error = "ErrorMissing";
            return Page();
        }
        var person = new Person { UserName = email, Email = email, DisplayName = name, CreatedAt = time.GetUtcNow() };
        // The password is judged first, the same way whether or not the address has an account.
        foreach (var validator in users.PasswordValidators)
        {
            var judged = await validator.ValidateAsync(users, person, Password);
            if (!judged.Succeeded)
            {
                Error = judged.Errors.Any(e => e.Code == CommonPasswordValidator.ErrorCode) ? "ErrorCommonPassword" : "ErrorPassword";
                return Page();
            }
        }
        // An address that already has an account gets no answer of its own: with that account's password this is
        // a sign-in (what the person meant), otherwise the same sentence as an address that cannot be used.
        if (await users.FindByEmailAsync(email) is not null)
        {
            if (await passwordSignIn.SignInAsync(email, Password, ct) is not { } existing)
            {
                Error = "ErrorNotCreated";
                return Page();
            }
            return await JoinAsync(existing.Id, ct);
        }
        var created = await users.CreateAsync(person, Password);
        if (!created.Succeeded)
        {
            Error = created.Errors.Any(e => e.Code.StartsWith("Password", StringComparison.Ordinal)) ? "ErrorPassword" : "ErrorNotCreated";
            return Page();
        }
        db.Record(time, "person.registered", person.Id, null, "person", person.Id);
        await db.SaveChangesAsync(ct);
        await signIn.SignInAsync(person, isPersistent: false);
        return await JoinAsync(person.Id, ct);
    }

    private async Task<IActionResult> JoinAsync(Guid personId, CancellationToken ct)
    {
        var (outcome, invitation) = await invitations.AcceptAsync(Token, personId, ct);
        if (invitation is not null) return Redirect($"/projects/{invitation.ProjectId}");
        Problem = Describe(outcome);
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var (invitation, problem) = await invitations.FindAsync(Token, InvitationKind.Membership, ct);
        if (invitation is null)
        {
            Problem = Describe(problem);
            return false;
        }
        if (invitation.CreatedByPersonId == User.PersonId())
        {
            Problem = Describe(AcceptOutcome.OwnInvitation);
            Response.StatusCode = StatusCodes.Status409Conflict;
            return false;
        }
        ProjectName = invitation.Project!.Name;
        GuidingQuestion = invitation.Project.GuidingQuestion;
        RoleName = SharedText.Role(invitation.Role);
        return true;
    }

    private static string Describe(AcceptOutcome outcome) => outcome switch
    {
        AcceptOutcome.Expired => "ProblemExpired",
        AcceptOutcome.OwnInvitation => "ProblemOwnInvitation",
        _ => "ProblemUnknown",
    };
}
