using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Projects;

/// <summary>Either the project or field errors for a 400, never both. Methods on an existing project return null
/// instead when there is no such project (a 404).</summary>
public sealed record ProjectResult(ProjectDto? Project, Dictionary<string, string[]>? Errors);

/// <summary>
/// Projects and their members, for the API and the pages alike. A project is read or changed only by the id the
/// caller took from the address; the list of a person's projects holds only those they are a member of.
/// </summary>
public sealed class ProjectsService(StorytellingDbContext db, TimeProvider time, CurrentMember member)
{
    /// <summary>Only projects the person is a member of; an administrator is no exception (they see the others on
    /// the admin page, without their content).</summary>
    public async Task<List<ProjectDto>> MineAsync(Guid? personId, CancellationToken ct)
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

    /// <summary>The creator becomes the project's beheerder: they manage it, but get no analysis rights;
    /// those come by invitation.</summary>
    public async Task<ProjectResult> CreateAsync(ProjectInput input, Guid creator, CancellationToken ct)
    {
        var errors = input.Validate();
        if (errors.Count > 0) return new ProjectResult(null, errors);

        var now = time.GetUtcNow();
        var project = new Project { Name = "", GuidingQuestion = "", CreatedAt = now };
        input.ApplyTo(project);
        db.Projects.Add(project);
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = creator, Role = ProjectRole.Beheerder, GrantedAt = now, GrantedByPersonId = creator });
        db.Record(time, "project.created", creator, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        return new ProjectResult(ProjectDto.From(project, [ProjectRole.Beheerder]), null);
    }

    /// <summary>The project with the caller's roles in it; null when there is no such project.</summary>
    public async Task<ProjectDto?> GetAsync(Guid projectId, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        return ProjectDto.From(project, await member.RolesAsync(projectId, ct));
    }

    public async Task<ProjectResult?> UpdateAsync(Guid projectId, ProjectInput input, Guid? me, CancellationToken ct)
    {
        var errors = input.Validate();
        if (errors.Count > 0) return new ProjectResult(null, errors);
        var project = await db.Projects.FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return null;
        input.ApplyTo(project);
        db.Record(time, "project.updated", me, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);
        return new ProjectResult(ProjectDto.From(project, await member.RolesAsync(projectId, ct)), null);
    }

    public async Task<List<MemberDto>> MembersAsync(Guid projectId, CancellationToken ct)
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

    /// <summary>
    /// Everyone holding a role that reads stories here, newest first, with since when and who invited them: the
    /// project's facilitators (and beheerder) see at once who joined as a reader, also through a link they did not make.
    /// </summary>
    public async Task<List<ReaderDto>> ReadersAsync(Guid projectId, CancellationToken ct)
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
}
