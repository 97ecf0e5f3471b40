using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
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
    private static async Task<Ok<List<ProjectDto>>> ListMine(HttpContext http, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await MineAsync(db, http.User.PersonId(), ct));

    /// <summary>Only projects the person is a member of; an administrator is no exception.</summary>
    internal static async Task<List<ProjectDto>> MineAsync(StorytellingDbContext db, Guid? personId, CancellationToken ct)
    {
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.PersonId == personId)
            .Select(m => new { m.Project, m.Role })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.Project!.Id)
            .Select(g => ProjectDto.From(g.First().Project!, g.Select(r => r.Role).Order().ToList()))
            .OrderBy(p => p.Name, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    private static async Task<Results<Created<ProjectDto>, ValidationProblem>> Create(
        ProjectInput input, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = input.Validate();
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var project = await CreateProjectAsync(db, time, input, http.User.PersonId()!.Value, ct);
        return TypedResults.Created($"/api/projects/{project.Id}", ProjectDto.From(project, [ProjectRole.Beheerder]));
    }

    /// <summary>The creator becomes the project's beheerder: they manage it, but get no analysis rights;
    /// those come by invitation.</summary>
    internal static async Task<Project> CreateProjectAsync(StorytellingDbContext db, TimeProvider time, ProjectInput input, Guid creator, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var project = new Project { Name = "", GuidingQuestion = "", CreatedAt = now };
        input.ApplyTo(project);
        db.Projects.Add(project);
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = creator, Role = ProjectRole.Beheerder, GrantedAt = now, GrantedByPersonId = creator });
        db.Record(time, "project.created", creator, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        return project;
    }

    private static async Task<Results<Ok<ProjectDto>, NotFound>> Get(Guid projectId, CurrentMember member, StorytellingDbContext db, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return TypedResults.NotFound();
        return TypedResults.Ok(ProjectDto.From(project, await member.RolesAsync(projectId, ct)));
    }

    private static async Task<Results<Ok<ProjectDto>, NotFound, ValidationProblem>> Update(
        Guid projectId, ProjectInput input, HttpContext http, CurrentMember member, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var errors = input.Validate();
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return TypedResults.NotFound();
        input.ApplyTo(project);
        var me = http.User.PersonId();
        db.Record(time, "project.updated", me, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ProjectDto.From(project, await member.RolesAsync(projectId, ct)));
    }

    private static async Task<Ok<List<MemberDto>>> Members(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await MembersAsync(db, projectId, ct));

    internal static async Task<List<MemberDto>> MembersAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.ProjectId == projectId)
            .Select(m => new { m.PersonId, m.Person!.DisplayName, m.Person.Email, m.Role })
            .ToListAsync(ct);
        return rows.GroupBy(r => r.PersonId)
            .Select(g => new MemberDto(g.Key, g.First().DisplayName, g.First().Email, g.Select(r => r.Role).Order().ToList()))
            .OrderBy(m => m.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .ToList();
    }

    private static async Task<Ok<List<ReaderDto>>> Readers(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ReadersAsync(db, projectId, ct));

    /// <summary>
    /// Everyone holding a role that reads stories here, newest first, with since when and who invited them: the
    /// project's facilitators (and beheerder) see at once who joined as a reader, also through a link they did not make.
    /// </summary>
    internal static async Task<List<ReaderDto>> ReadersAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var reading = RoleClasses.StoryReaders;
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.ProjectId == projectId && reading.Contains(m.Role))
            .Select(m => new
            {
                m.PersonId, m.Person!.DisplayName, m.Role, m.GrantedAt,
                InvitedBy = db.Users.Where(u => u.Id == m.GrantedByPersonId).Select(u => u.DisplayName).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return rows.OrderByDescending(r => r.GrantedAt).ThenBy(r => r.DisplayName, StringComparer.CurrentCultureIgnoreCase)
            .Select(r => new ReaderDto(r.PersonId, r.DisplayName, r.Role, r.GrantedAt, r.InvitedBy)).ToList();
    }

    /// <summary>For static helpers that have no request; pages, endpoints and services use <see cref="CurrentMember"/>.</summary>
    internal static async Task<List<ProjectRole>> MyRolesAsync(StorytellingDbContext db, Guid projectId, Guid? personId, CancellationToken ct) =>
        await db.Memberships.AsNoTracking()
            .Where(m => m.ProjectId == projectId && m.PersonId == personId)
            .Select(m => m.Role).OrderBy(r => r).ToListAsync(ct);
}
