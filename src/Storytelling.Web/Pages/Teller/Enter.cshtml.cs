using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Web.Features.Tellers;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Teller;

/// <summary>Where a teller types the receipt code. A right code becomes a short-lived cookie and a redirect, so the
/// code never travels in a URL; a wrong one gets one plain sentence and counts against the address's attempts.</summary>
[EnableRateLimiting(RateLimits.Anonymous)]
public sealed class EnterModel(TellerAccess access, TellerCodeLimiter limiter) : PageModel
{
    [BindProperty] public string? Code { get; set; }

    public TellerProblem? Problem { get; private set; }

    public void OnGet(bool closed = false)
    {
        if (closed) Problem = TellerProblem.Closed;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await limiter.TryAcquireAsync(HttpContext.Connection.RemoteIpAddress, ct))
        {
            Problem = TellerProblem.TooMany;
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Page();
        }
        if (await access.FindByCodeAsync(Code, ct) is not { } storyId)
        {
            Problem = TellerProblem.WrongCode;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        access.SignIn(Response, storyId);
        return Redirect("/verhaal/mijn");
    }
}

public enum TellerProblem
{
    WrongCode,
    TooMany,
    Closed,
}
