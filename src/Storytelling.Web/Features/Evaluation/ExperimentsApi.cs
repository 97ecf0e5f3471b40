using Microsoft.AspNetCore.Http.HttpResults;
using Storytelling.Core.Evaluation;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>Create or replace an experiment. Links are the complete set: ids left out are unlinked.</summary>
public sealed record ExperimentRequest(string? Title, string? Description, Guid? OwnerPersonId, string? OwnerName,
    ExperimentStatus? Status, DateOnly? StartsOn, DateOnly? EndsOn, string? Results,
    IReadOnlyList<Guid>? ThemeIds, IReadOnlyList<Guid>? StoryIds);

public sealed record ExperimentThemeDto(Guid Id, string Name, string Colour, bool Merged);

/// <summary>A linked story, shown by its teller's pseudonym only.</summary>
public sealed record ExperimentStoryDto(Guid Id, string TellerPseudonym);

public sealed record ExperimentDto(Guid Id, string Title, string? Description, Guid? OwnerPersonId, string? OwnerName,
    ExperimentStatus Status, DateOnly? StartsOn, DateOnly? EndsOn, string? Results,
    IReadOnlyList<ExperimentThemeDto> Themes, IReadOnlyList<ExperimentStoryDto> Stories,
    string? CreatedByName, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public static class ExperimentsApi
{
    public static RouteGroupBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        // Everyone who analyses reads the experiments their stories led to; facilitators and policy officers write them.
        var group = app.MapGroup("/api/projects/{projectId:guid}/experiments").RequireAuthorization(Policies.Analyse).WithTags("Evaluation");
        group.MapGet("/", List);
        group.MapGet("/{experimentId:guid}", Get);
        group.MapPost("/", Create).RequireAuthorization(Policies.ManageExperiments);
        group.MapPut("/{experimentId:guid}", Update).RequireAuthorization(Policies.ManageExperiments);
        group.MapDelete("/{experimentId:guid}", Delete).RequireAuthorization(Policies.ManageExperiments);
        return group;
    }

    private static async Task<Ok<List<ExperimentDto>>> List(Guid projectId, ExperimentsService experiments, CancellationToken ct) =>
        TypedResults.Ok(await experiments.ListAsync(projectId, ct));

    private static async Task<Results<Ok<ExperimentDto>, NotFound>> Get(Guid projectId, Guid experimentId, ExperimentsService experiments,
        CancellationToken ct) =>
        await experiments.GetAsync(projectId, experimentId, ct) is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    private static async Task<Results<Created<ExperimentDto>, ValidationProblem>> Create(
        Guid projectId, ExperimentRequest request, HttpContext http, ExperimentsService experiments, CancellationToken ct)
    {
        var result = await experiments.SaveAsync(projectId, null, request, http.User.PersonId(), ct);
        if (result.Experiment is not { } dto) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Created($"/api/projects/{projectId}/experiments/{dto.Id}", dto);
    }

    private static async Task<Results<Ok<ExperimentDto>, ValidationProblem, NotFound>> Update(
        Guid projectId, Guid experimentId, ExperimentRequest request, HttpContext http, ExperimentsService experiments, CancellationToken ct)
    {
        var result = await experiments.SaveAsync(projectId, experimentId, request, http.User.PersonId(), ct);
        if (result.NotFound) return TypedResults.NotFound();
        if (result.Experiment is not { } dto) return TypedResults.ValidationProblem(result.Errors!);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<NoContent, NotFound>> Delete(
        Guid projectId, Guid experimentId, HttpContext http, ExperimentsService experiments, CancellationToken ct) =>
        await experiments.DeleteAsync(projectId, experimentId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();
}
