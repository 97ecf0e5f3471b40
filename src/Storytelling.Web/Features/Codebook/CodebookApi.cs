using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Core.Analysis;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Codebook;

/// <summary>
/// A theme with its place in the tree and how much it is used: its own codings and distinct stories, and the same for
/// the theme with all its sub-themes (a story counted once however many of them it carries).
/// </summary>
public sealed record ThemeDto(Guid Id, Guid? ParentId, string Name, string? Description, string Colour, ThemeKind Kind,
    DateTimeOffset CreatedAt, Guid? MergedIntoId, int Depth = 0, int CodingCount = 0, int StoryCount = 0,
    int SubtreeCodingCount = 0, int SubtreeStoryCount = 0);

public sealed record ProposeThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, Guid? ParentId);

/// <summary>Only the fields sent change; <see cref="MoveToRoot"/> moves a theme to the top level (ParentId null means "keep").</summary>
public sealed record EditThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, Guid? ParentId, bool MoveToRoot = false);

public sealed record MergeThemeRequest(Guid IntoThemeId);

public sealed record SplitThemeRequest(string? Name, string? Description, string? Colour, ThemeKind? Kind, IReadOnlyList<Guid>? CodingIds);

public sealed record ThemeEventDto(Guid Id, Guid ThemeId, ThemeEventKind Kind, Guid? OtherThemeId, string? Before, string? After,
    string? ByName, DateTimeOffset At);

/// <summary>The codebook's endpoints: each calls <see cref="CodebookService"/> for the project in the address and says its answer in HTTP.</summary>
public static class CodebookApi
{
    public static RouteGroupBuilder MapCodebookApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/themes").RequireAuthorization(Policies.Analyse).WithTags("Codebook");
        group.MapGet("/", List);
        // Everyone who analyses may propose a theme; reshaping the codebook is the facilitator's.
        group.MapPost("/", Propose);
        group.MapGet("/{themeId:guid}/history", History);
        group.MapPatch("/{themeId:guid}", Edit).RequireAuthorization(Policies.CurateCodebook);
        group.MapPost("/{themeId:guid}/merge", Merge).RequireAuthorization(Policies.CurateCodebook);
        group.MapPost("/{themeId:guid}/split", Split).RequireAuthorization(Policies.CurateCodebook);
        return group;
    }

    private static async Task<Ok<List<ThemeDto>>> List(Guid projectId, CodebookService codebook, CancellationToken ct) =>
        TypedResults.Ok(await codebook.ListAsync(projectId, ct));

    private static async Task<Results<Created<ThemeDto>, ValidationProblem>> Propose(
        Guid projectId, ProposeThemeRequest request, HttpContext http, CodebookService codebook, CancellationToken ct)
    {
        var result = await codebook.ProposeAsync(projectId, request, http.User.PersonId(), ct);
        if (result.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Created($"/api/projects/{projectId}/themes/{result.Theme!.Id}", result.Theme);
    }

    private static async Task<Results<Ok<ThemeDto>, ValidationProblem, NotFound>> Edit(
        Guid projectId, Guid themeId, EditThemeRequest request, HttpContext http, CodebookService codebook, CancellationToken ct) =>
        Changed(await codebook.EditAsync(projectId, themeId, request, http.User.PersonId(), ct));

    private static async Task<Results<Ok<ThemeDto>, ValidationProblem, NotFound>> Merge(
        Guid projectId, Guid themeId, MergeThemeRequest request, HttpContext http, CodebookService codebook, CancellationToken ct) =>
        Changed(await codebook.MergeAsync(projectId, themeId, request, http.User.PersonId(), ct));

    private static async Task<Results<Created<ThemeDto>, ValidationProblem, NotFound>> Split(
        Guid projectId, Guid themeId, SplitThemeRequest request, HttpContext http, CodebookService codebook, CancellationToken ct)
    {
        var result = await codebook.SplitAsync(projectId, themeId, request, http.User.PersonId(), ct);
        if (result is null) return TypedResults.NotFound();
        if (result.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Created($"/api/projects/{projectId}/themes/{result.Theme!.Id}", result.Theme);
    }

    private static async Task<Results<Ok<List<ThemeEventDto>>, NotFound>> History(
        Guid projectId, Guid themeId, CodebookService codebook, CancellationToken ct) =>
        await codebook.HistoryAsync(projectId, themeId, ct) is { } events ? TypedResults.Ok(events) : TypedResults.NotFound();

    private static Results<Ok<ThemeDto>, ValidationProblem, NotFound> Changed(ThemeResult? result) =>
        result is null ? TypedResults.NotFound()
        : result.Errors is { } errors ? TypedResults.ValidationProblem(errors)
        : TypedResults.Ok(result.Theme!);
}
