using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Core.Analysis;
using Storytelling.Core.Evaluation;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

public sealed record OpenRoundRequest(string? Question, DateTimeOffset? ClosesAt);

public sealed record RoundDto(Guid Id, int Number, string Question, DateTimeOffset OpensAt, DateTimeOffset? ClosesAt,
    EvaluationRoundStatus Status, bool IsOpen, int StoryCount);

/// <summary>The capture link is returned once, when the round is opened or its link renewed; only its hash is kept.</summary>
public sealed record RoundWithLinkDto(RoundDto Round, string CaptureUrl);

/// <summary>One column of the comparison: the first gathering (no round) or a round.</summary>
public sealed record ComparisonGroupDto(Guid? RoundId, int? Number, string Label, string Question, int Stories, int CodedStories);

/// <summary>A theme in one group: stories coded with it, their share of the group's coded stories, and whether it is new there.</summary>
public sealed record ComparisonCellDto(int Count, double? Percent, bool New);

/// <summary>Change is the latest round's share minus the first gathering's, in percentage points.</summary>
public sealed record ThemeComparisonDto(Guid ThemeId, string Name, string Colour, ThemeKind Kind, IReadOnlyList<ComparisonCellDto> Cells, double? Change);

public sealed record RoundComparisonDto(IReadOnlyList<ComparisonGroupDto> Groups, IReadOnlyList<ThemeComparisonDto> Themes);

public static class RoundsApi
{
    public static RouteGroupBuilder MapRoundsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/rounds").RequireAuthorization(Policies.Analyse).WithTags("Evaluation");
        group.MapGet("/", List);
        group.MapGet("/comparison", Compare);
        group.MapPost("/", Open).RequireAuthorization(Policies.LeadEvaluation);
        group.MapPost("/{roundId:guid}/close", Close).RequireAuthorization(Policies.LeadEvaluation);
        group.MapPost("/{roundId:guid}/link", RenewLink).RequireAuthorization(Policies.LeadEvaluation);
        return group;
    }

    private static async Task<Ok<List<RoundDto>>> List(Guid projectId, RoundsService rounds, CancellationToken ct) =>
        TypedResults.Ok(await rounds.ListAsync(projectId, ct));

    private static async Task<Results<Created<RoundWithLinkDto>, ValidationProblem, NotFound>> Open(
        Guid projectId, OpenRoundRequest request, HttpContext http, RoundsService rounds, CancellationToken ct)
    {
        var result = await rounds.OpenAsync(projectId, request, http.User.PersonId()!.Value, ct);
        if (result.NotFound) return TypedResults.NotFound();
        if (result.Round is not { } round) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Created($"/api/projects/{projectId}/rounds/{round.Id}", new RoundWithLinkDto(round, RoundsService.CaptureUrl(http, result.Token!)));
    }

    private static async Task<Results<Ok<RoundDto>, NotFound>> Close(Guid projectId, Guid roundId, HttpContext http, RoundsService rounds,
        CancellationToken ct) =>
        await rounds.CloseAsync(projectId, roundId, http.User.PersonId(), ct) is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    private static async Task<Results<Ok<RoundWithLinkDto>, ValidationProblem, NotFound>> RenewLink(Guid projectId, Guid roundId, HttpContext http,
        RoundsService rounds, CancellationToken ct)
    {
        var result = await rounds.RenewLinkAsync(projectId, roundId, http.User.PersonId()!.Value, ct);
        if (result.NotFound) return TypedResults.NotFound();
        if (result.Round is not { } round) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Ok(new RoundWithLinkDto(round, RoundsService.CaptureUrl(http, result.Token!)));
    }

    private static async Task<Ok<RoundComparisonDto>> Compare(Guid projectId, RoundsService rounds, CancellationToken ct) =>
        TypedResults.Ok(await rounds.CompareAsync(projectId, ct));
}
