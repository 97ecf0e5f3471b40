using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Projects;

/// <summary>One person's reading role in a project: since when, and who invited them (null: the command line).</summary>
public sealed record ReaderDto(Guid PersonId, string DisplayName, ProjectRole Role, DateTimeOffset Since, string? InvitedBy);

public static class ProjectsApi
{
    public static RouteGroupBuilder MapProjectsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects").RequireAuthorization().WithTags("Projects");

        group.MapGet("/", ListMine);
        group.MapPost("/", Create).RequireAuthorization(Policies.Administrator);
        group.MapGet("/{projectId:guid}", Get).RequireAuthorization(Policies.ProjectMember);
        group.MapPut("/{projectId:guid}", Update).RequireAuthorization(Policies.ManageProject);
        group.MapGet("/{projectId:guid}/members", Members).RequireAuthorization(Policies.ManageProject);
        group.MapGet("/{projectId:guid}/readers", Readers).RequireAuthorization(Policies.ManageProject);
        return group;
    }

    /// <summary>Only projects the caller is a member of: an administrator sees the others on the admin page,
    /// without their content.</summary>
    private static async Task<Ok<List<ProjectDto>>> ListMine(HttpContext http, ProjectsService projects, CancellationToken ct) =>
        TypedResults.Ok(await projects.MineAsync(http.User.PersonId(), ct));

    private static async Task<Results<Created<ProjectDto>, ValidationProblem>> Create(
        ProjectInput input, HttpContext http, ProjectsService projects, CancellationToken ct)
    {
        var result = await projects.CreateAsync(input, http.User.PersonId()!.Value, ct);
        if (result.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Created($"/api/projects/{result.Project!.Id}", result.Project);
    }

    private static async Task<Results<Ok<ProjectDto>, NotFound>> Get(Guid projectId, ProjectsService projects, CancellationToken ct) =>
        await projects.GetAsync(projectId, ct) is { } project ? TypedResults.Ok(project) : TypedResults.NotFound();

    private static async Task<Results<Ok<ProjectDto>, NotFound, ValidationProblem>> Update(
        Guid projectId, ProjectInput input, HttpContext http, ProjectsService projects, CancellationToken ct)
    {
        var result = await projects.UpdateAsync(projectId, input, http.User.PersonId(), ct);
        if (result is null) return TypedResults.NotFound();
        if (result.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(result.Project!);
    }

    private static async Task<Ok<List<MemberDto>>> Members(Guid projectId, ProjectsService projects, CancellationToken ct) =>
        TypedResults.Ok(await projects.MembersAsync(projectId, ct));

    private static async Task<Ok<List<ReaderDto>>> Readers(Guid projectId, ProjectsService projects, CancellationToken ct) =>
        TypedResults.Ok(await projects.ReadersAsync(projectId, ct));
}
