using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Storytelling.Core.People;

namespace Storytelling.Web.Security;

/// <summary>Adds the administrator flag and display name to the cookie; project roles stay in the database.</summary>
internal sealed class PersonClaimsFactory(UserManager<Person> users, RoleManager<IdentityRole<Guid>> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<Person, IdentityRole<Guid>>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(Person user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim("display_name", user.DisplayName));
        if (user.IsAdministrator) identity.AddClaim(new Claim(Policies.AdministratorClaim, "true"));
        return identity;
    }
}
