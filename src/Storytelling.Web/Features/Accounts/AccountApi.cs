using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Storytelling.Core.People;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Accounts;

public sealed record LoginRequest(string? Email, string? Password);

public sealed record AntiforgeryDto(string Token, string HeaderName);

public sealed record MeDto(Guid Id, string DisplayName, string? Email, bool IsAdministrator);

/// <summary>JSON sign-in for other clients and tests; people use the /account/login page. Both set the same cookie.</summary>
public static class AccountApi
{
    public static RouteGroupBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account").WithTags("Account");
        group.MapPost("/login", Login).AllowAnonymous().RequireRateLimiting(RateLimits.Login);
        group.MapPost("/logout", Logout).RequireAuthorization();
        group.MapGet("/me", Me).RequireAuthorization();
        // For API clients that post multipart (story import): the token goes in the RequestVerificationToken header.
        group.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
            TypedResults.Ok(new AntiforgeryDto(antiforgery.GetAndStoreTokens(http).RequestToken!, CrossSiteForms.TokenHeader))).RequireAuthorization();
        return group;
    }

    private static async Task<Results<Ok<MeDto>, ProblemHttpResult>> Login(LoginRequest request, PasswordSignIn signIn, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password)
            || request.Email.Length > 256 || request.Password.Length > 512)
        {
            return TypedResults.Problem("Give an e-mail address and a password.", statusCode: 400);
        }
        var person = await signIn.SignInAsync(request.Email, request.Password, ct);
        if (person is null) return Refused();
        return TypedResults.Ok(new MeDto(person.Id, person.DisplayName, person.Email, person.IsAdministrator));
    }

    // One answer for "no such account", "wrong password" and "locked out", so the endpoint does not reveal who has an account.
    private static ProblemHttpResult Refused() =>
        TypedResults.Problem("The e-mail address or password is not right, or there were too many attempts: try again in a few minutes.", statusCode: 401);

    private static async Task<NoContent> Logout(SignInManager<Person> signIn)
    {
        await signIn.SignOutAsync();
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeDto>, UnauthorizedHttpResult>> Me(HttpContext http, UserManager<Person> users)
    {
        var person = await users.GetUserAsync(http.User);
        if (person is null) return TypedResults.Unauthorized();
        return TypedResults.Ok(new MeDto(person.Id, person.DisplayName, person.Email, person.IsAdministrator));
    }
}
