using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Web.Pages.Workshop;

/// <summary>
/// "/w/{code}": the phone page. Not yet in the session → a form asking only for a name (no account needed);
/// in the session → the room, driven by workshop.js over the hub.
/// </summary>
public sealed class RoomModel(WorkshopService workshops, WorkshopJoinLimiter limiter) : PageModel
{
    // From the address only, never from a posted field (see ProjectPageModel).
    public string Code => RouteData.Values["code"]?.ToString() ?? "";
    [BindProperty] public string? DisplayName { get; set; }

    public WorkshopSession? Session { get; private set; }
    public bool Joined { get; private set; }
    /// <summary>The resource key of the message to show (Room.resx); NameLength takes the longest name as {0}.</summary>
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Session = await workshops.FindOpenByCodeAsync(Code, ct);
        if (Session is null)
        {
            // An unknown or closed code costs a try from the join budget, so this page is no faster oracle than the join.
            if (await limiter.TryAcquireAsync(HttpContext.Connection.RemoteIpAddress, ct)) Response.StatusCode = StatusCodes.Status404NotFound;
            else
            {
                Error = "TooManyTries";
                Response.StatusCode = StatusCodes.Status429TooManyRequests;
            }
            return Page();
        }
        Joined = await workshops.ParticipantAsync(Session.Id, User, Request.Cookies[WorkshopService.GuestCookie], ct) is not null;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // Limited before the code is looked up, like the API's join and the hub's: every try counts.
        if (!await limiter.TryAcquireAsync(HttpContext.Connection.RemoteIpAddress, ct))
        {
            Error = "TooManyTries";
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        Session = await workshops.FindOpenByCodeAsync(Code, ct);
        if (Session is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        var outcome = await workshops.JoinAsync(Session, DisplayName, User, ct);
        if (outcome.Joined is null)
        {
            Error = ErrorKey(outcome.Status);
            Response.StatusCode = outcome.Status;
            return Page();
        }
        if (outcome.Token is not null) WorkshopLinks.SetGuestCookie(HttpContext, outcome.Token);
        return Redirect($"/w/{Session.Code}");
    }

    /// <summary>The service explains a refusal in Dutch; the page shows its own text for the status in the phone's language.</summary>
    private static string ErrorKey(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "NameLength",
        StatusCodes.Status403Forbidden => "RoleCannotJoin",
        _ => "JoinFailed",
    };
}
