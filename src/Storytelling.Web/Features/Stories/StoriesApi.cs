using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Stories;

/// <summary>A story in the overview. <see cref="Snippet"/> is set for a text search and is pseudonymised for the reader.</summary>
public sealed record StorySummaryDto(Guid Id, string TellerPseudonym, StoryStatus Status, string? Language,
    ConsentScopes Consent, long? DurationMs, DateTimeOffset CreatedAt, TranscriptionStatusDto? Transcription,
    IReadOnlyList<StoryThemeDto>? Themes = null, string? Snippet = null);

public sealed record StoryThemeDto(Guid Id, string Name, string Colour);

/// <summary>Filters of the overview; all optional. Status is a story status name (Received, Transcribing, Transcribed, NoSpeech, Failed).
/// Round is "first" (the first gathering) or a co-evaluation round's number.</summary>
public sealed record StoryFilter(string? Status = null, string? Language = null, Guid? ThemeId = null, string? Q = null, int? Page = null, int? PageSize = null,
    string? Round = null);

public sealed record StoryPage(List<StorySummaryDto> Items, int Total, int Page, int PageSize);

/// <summary>The overview's endpoint: calls <see cref="StoriesService"/> for the project in the address and says its answer in HTTP.</summary>
public static class StoriesApi
{
    public static RouteGroupBuilder MapStoriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/stories")
            .RequireAuthorization(Policies.Analyse).WithTags("Stories");
        group.MapGet("/", List);
        return group;
    }

    /// <summary>The body stays a plain array (the project page polls it); the total for paging is in X-Total-Count.</summary>
    private static async Task<Results<Ok<List<StorySummaryDto>>, ValidationProblem>> List(
        Guid projectId, [AsParameters] StoryFilter filter, HttpContext http, StoriesService stories, CancellationToken ct)
    {
        var result = await stories.SearchAsync(projectId, http.User.PersonId(), filter, ct);
        if (result.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        http.Response.Headers["X-Total-Count"] = result.Page!.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Ok(result.Page.Items);
    }
}
