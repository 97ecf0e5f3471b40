using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Stories;

public sealed record StorySummaryDto(Guid Id, string TellerPseudonym, StoryStatus Status, string? Language,
    ConsentScopes Consent, long? DurationMs, DateTimeOffset CreatedAt, TranscriptionStatusDto? Transcription);

public static class StoriesApi
{
    public static RouteGroupBuilder MapStoriesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/stories")
            .RequireAuthorization(Policies.Analyse).WithTags("Stories");
        group.MapGet("/", List);
        return group;
    }

    /// <summary>
    /// Stories whose teller agreed to analysis. The facilitator also sees the others, so they can follow up on
    /// consent, but no one else does. Never includes the receipt code: that belongs to the teller.
    /// </summary>
    private static async Task<Ok<List<StorySummaryDto>>> List(Guid projectId, HttpContext http, StorytellingDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ListAsync(db, projectId, http.User.PersonId(), ct));

    public static async Task<List<StorySummaryDto>> ListAsync(StorytellingDbContext db, Guid projectId, Guid? personId, CancellationToken ct)
    {
        var roles = await ProjectsApi.MyRolesAsync(db, projectId, personId, ct);
        var seesAll = roles.Contains(ProjectRole.Begeleider);
        var stories = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == projectId)
            .Where(s => seesAll || (s.Consent.Scopes & ConsentScopes.Analysis) == ConsentScopes.Analysis)
            .Select(s => new
            {
                s.Id, s.TellerPseudonym, s.Status, s.Language, s.Consent.Scopes, s.CreatedAt,
                Duration = s.Recordings.Select(r => (long?)r.DurationMs).FirstOrDefault(),
                Job = db.TranscriptionJobs.Where(j => j.Recording!.StoryId == s.Id)
                    .Select(j => new { j.Status, j.ProgressPercent, j.LastError }).FirstOrDefault(),
            })
            .ToListAsync(ct);
        return stories.OrderByDescending(s => s.CreatedAt)
            .Select(s => new StorySummaryDto(s.Id, s.TellerPseudonym, s.Status, s.Language, s.Scopes, s.Duration, s.CreatedAt,
                TranscriptionStatusDto.From(s.Job?.Status, s.Job?.ProgressPercent ?? 0, s.Job?.LastError)))
            .ToList();
    }
}
