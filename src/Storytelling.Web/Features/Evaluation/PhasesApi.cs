using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

public sealed record MovePhaseRequest(ProjectPhase? To, string? Note);

public sealed record PhaseChangeDto(Guid Id, ProjectPhase From, ProjectPhase To, string? ByName, DateTimeOffset At, string? Note);

/// <summary>One phase on the timeline: when it was last entered and left (null when never reached or still running).</summary>
public sealed record PhaseStepDto(ProjectPhase Phase, bool Current, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, bool Reached);

public sealed record PhaseOverviewDto(ProjectPhase Current, IReadOnlyList<PhaseStepDto> Steps, IReadOnlyList<PhaseChangeDto> History);

public static class PhasesApi
{
    public static RouteGroupBuilder MapPhasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/phase").WithTags("Evaluation");
        // Everyone in the project sees where it stands; only the facilitator moves it.
        group.MapGet("/", Get).RequireAuthorization(Policies.ProjectMember);
        group.MapPost("/", Move).RequireAuthorization(Policies.LeadEvaluation);
        return group;
    }

    private static async Task<Results<Ok<PhaseOverviewDto>, NotFound>> Get(Guid projectId, PhasesService phases, CancellationToken ct) =>
        await phases.OverviewAsync(projectId, ct) is { } overview ? TypedResults.Ok(overview) : TypedResults.NotFound();

    private static async Task<Results<Ok<PhaseOverviewDto>, ValidationProblem, NotFound, ProblemHttpResult>> Move(
        Guid projectId, MovePhaseRequest request, HttpContext http, PhasesService phases, CancellationToken ct)
    {
        var outcome = await phases.MoveAsync(projectId, request, http.User.PersonId(), ct);
        if (outcome.NotFound) return TypedResults.NotFound();
        if (outcome.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        if (outcome.Conflict) return TypedResults.Problem("Someone else moved the phase at the same moment; reload and try again.", statusCode: 409);
        return TypedResults.Ok((await phases.OverviewAsync(projectId, ct))!);
    }
}
