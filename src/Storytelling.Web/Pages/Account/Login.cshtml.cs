using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Storytelling.Core.People;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Account;

[EnableRateLimiting(RateLimits.Login)]
public sealed class LoginModel(SignInManager<Person> signIn, UserManager<Person> users) : PageModel
{
    [BindProperty] public string? Email { get; set; }
    [BindProperty] public string? Password { get; set; }
    [BindProperty(SupportsGet = true)] public string? ReturnUrl { get; set; }
    /// <summary>The key of the problem to show (its words are in Login.resx).</summary>
    public string? Error { get; private set; }

    public void OnGet() { }

    public async Task<IActionResult> OnPostAsync()
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password) || Email.Length > 256 || Password.Length > 512)
        {
            Error = "ErrorEmpty";
            return Page();
        }
        var person = await users.FindByEmailAsync(Email.Trim());
        var result = person is null
            ? Microsoft.AspNetCore.Identity.SignInResult.Failed
            : await signIn.PasswordSignInAsync(person, Password, isPersistent: false, lockoutOnFailure: true);
        if (result.IsLockedOut)
        {
            Error = "ErrorLockedOut";
            return Page();
        }
        if (!result.Succeeded)
        {
            Error = "ErrorWrong";
            return Page();
        }
        // Only local addresses: a crafted link must not bounce a freshly signed-in person to another site.
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
