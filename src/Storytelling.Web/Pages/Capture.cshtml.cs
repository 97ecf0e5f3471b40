using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Pages.Shared;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages;

/// <summary>
/// The page behind a capture QR code. No account: the token is the only key. The question is rendered on the server
/// so a resident sees it even before (or without) the script; recording and sending need the script.
/// </summary>
[AllowAnonymous]
[EnableRateLimiting(RateLimits.Anonymous)]
public sealed class CaptureModel(InvitationService invitations, Features.Evaluation.CaptureWindow window) : PageModel
{
    // From the address only, never from a posted field (see ProjectPageModel).
    public string Token => RouteData.Values["token"]?.ToString() ?? "";

    public RecorderView? Recorder { get; private set; }
    public bool Expired { get; private set; }
    /// <summary>The link is fine but the project is not collecting stories in its current phase.</summary>
    public bool NotCollecting { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? chunkKb, CancellationToken ct)
    {
        var (invitation, problem) = await invitations.FindAsync(Token, InvitationKind.Capture, ct);
        if (invitation?.Project is not { } project)
        {
            Expired = problem == AcceptOutcome.Expired;
            // The friendly page still needs the right status, so nothing caches or indexes a dead link as a live one.
            Response.StatusCode = Expired ? StatusCodes.Status410Gone : StatusCodes.Status404NotFound;
            return Page();
        }
        var open = await window.ForLinkAsync(invitation, project, ct);
        if (!open.Open)
        {
            NotCollecting = true;
            return Page();
        }
        Recorder = new RecorderView(RecorderView.TellerMode, Token, project.Id, project.Name, open.Question,
            project.AllowVideo, project.MaxRecordingBytes, project.MaxRecordingSeconds, RecorderView.ChunkBytesFrom(chunkKb), open.Questions);
        return Page();
    }
}
