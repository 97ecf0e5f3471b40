using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Web.Features.Accounts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Account;

[EnableRateLimiting(RateLimits.Login)]
public sealed class LoginModel(PasswordSignIn signIn) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    /// <summary>The key of the problem to show (its words are in Login.resx).</summary>
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password) || Email.Length > 256 || Password.Length > 512)
        {
            Error = "ErrorEmpty";
            return Page();
        }
        // One answer for an unknown address, a wrong password and a locked-out account (see PasswordSignIn).
        if (await signIn.SignInAsync(Email, Password, ct) is null)
        {
            Error = "ErrorWrong";
            return Page();
        }
        // Only local addresses: a crafted link must not bounce a freshly signed-in person to another site.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
