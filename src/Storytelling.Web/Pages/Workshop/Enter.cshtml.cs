using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Workshop;

/// <summary>"/w": type the code from the screen. Works without script (a plain GET form).</summary>
[EnableRateLimiting(RateLimits.Anonymous)]
public sealed class EnterModel : PageModel
{
    /// <summary>The resource key of the message to show (Enter.resx).</summary>
    public string? Error { get; private set; }
    public string? Typed { get; private set; }

    public IActionResult OnGet(string? code)
    {
        if (code is null) return Page();
        Typed = code.Length > 20 ? code[..20] : code;
        if (WorkshopCodes.Normalize(code) is { } normal) return Redirect($"/w/{normal}");
        Error = "CodeInvalid";
        return Page();
    }
}
