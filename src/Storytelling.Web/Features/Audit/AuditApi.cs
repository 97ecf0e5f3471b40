using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Audit;

public sealed record AuditEntryDto(DateTimeOffset At, Guid? ActorPersonId, string Action, string? SubjectType, Guid? SubjectId);

public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/audit").RequireAuthorization(Policies.ReadAudit).WithTags("Audit");
        group.MapGet("/", List);
        return group;
    }

    private static async Task<Ok<List<AuditEntryDto>>> List(Guid projectId, StorytellingDbContext db, int? take, CancellationToken ct)
    {
        var limit = Math.Clamp(take ?? 200, 1, 1000);
        var rows = await db.AuditLog.AsNoTracking()
            .Where(a => a.ProjectId == projectId)
            .OrderByDescending(a => a.Id)
            .Take(limit)
            .Select(a => new AuditEntryDto(a.At, a.ActorPersonId, a.Action, a.SubjectType, a.SubjectId))
            .ToListAsync(ct);
        return TypedResults.Ok(rows);
    }
}
