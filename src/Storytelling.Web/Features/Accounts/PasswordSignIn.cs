using Microsoft.AspNetCore.Identity;
using Storytelling.Core.People;

namespace Storytelling.Web.Features.Accounts;

/// <summary>
/// Sign-in by e-mail and password for the login page, the JSON login and the invitation page. An unknown address, a
/// wrong password and a locked-out account all end in the same null, after the same work (one password hash checked),
/// so neither the answer nor its timing tells a guesser which addresses have an account. The lockout still counts.
/// </summary>
public sealed class PasswordSignIn(SignInManager<Person> signIn, UserManager<Person> users)
{
    private static string? s_dummyHash;
    private static readonly Person Nobody = new() { DisplayName = "nobody", UserName = "nobody" };

    /// <summary>The signed-in person, or null for every kind of refusal.</summary>
    public async Task<Person?> SignInAsync(string email, string password, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var person = await users.FindByEmailAsync(email.Trim());
        if (person is null || await users.IsLockedOutAsync(person))
        {
            HashAnyway(password);
            return null;
        }
        var result = await signIn.PasswordSignInAsync(person, password, isPersistent: false, lockoutOnFailure: true);
        return result.Succeeded ? person : null;
    }

    /// <summary>Checks the password against a hash of a random one, costing what a real check costs.</summary>
    private void HashAnyway(string password)
    {
        var dummy = LazyInitializer.EnsureInitialized(ref s_dummyHash,
            () => users.PasswordHasher.HashPassword(Nobody, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))));
        users.PasswordHasher.VerifyHashedPassword(Nobody, dummy, password);
    }
}
