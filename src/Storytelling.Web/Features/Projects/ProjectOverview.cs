using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Projects;

/// <summary>How far a project is, in numbers anyone taking part may see (no story text, no names).</summary>
public sealed record ProjectCounts(int Stories, int Transcribed, int Themes, int Workshops, int Experiments, int Reports);

public enum ActivityKind { StoryReceived, PhaseChanged, RoundOpened, WorkshopOpened, ExperimentAdded, ReportMade }

/// <summary>One thing that happened: what, when, and the id of what it is about (a round's number, a phase as text).</summary>
public sealed record ActivityDto(DateTimeOffset At, ActivityKind Kind, Guid? Id, string? Title, string? Detail);

/// <summary>
/// The project page's overview: counts and recent activity from what the database holds. Stories appear as "a story
/// came in" without teller or text, so the overview shows nothing a role without the stories could not know.
/// </summary>
public sealed class ProjectOverview(StorytellingDbContext db)
{
    public async Task<ProjectCounts> CountsAsync(Guid projectId, CancellationToken ct) => new(
        await db.Stories.CountAsync(s => s.ProjectId == projectId, ct),
        await db.Stories.CountAsync(s => s.ProjectId == projectId && s.Status == StoryStatus.Transcribed, ct),
        await db.Themes.CountAsync(t => t.ProjectId == projectId && t.MergedIntoId == null, ct),
        await db.WorkshopSessions.CountAsync(w => w.ProjectId == projectId, ct),
        await db.Experiments.CountAsync(e => e.ProjectId == projectId, ct),
        await db.Reports.CountAsync(r => r.ProjectId == projectId, ct));

    /// <summary>The newest <paramref name="take"/> events, newest first.</summary>
    public async Task<List<ActivityDto>> RecentAsync(Guid projectId, int take, CancellationToken ct)
    {
        var events = new List<ActivityDto>();
        events.AddRange((await db.Stories.AsNoTracking().Where(s => s.ProjectId == projectId)
                .OrderByDescending(s => s.CreatedAt).Take(take).Select(s => s.CreatedAt).ToListAsync(ct))
            .Select(at => new ActivityDto(at, ActivityKind.StoryReceived, null, null, null)));
        events.AddRange((await db.ProjectPhaseChanges.AsNoTracking().Where(c => c.ProjectId == projectId)
                .OrderByDescending(c => c.At).Take(take).Select(c => new { c.At, c.To }).ToListAsync(ct))
            .Select(c => new ActivityDto(c.At, ActivityKind.PhaseChanged, null, null, c.To.ToString())));
        events.AddRange((await db.EvaluationRounds.AsNoTracking().Where(r => r.ProjectId == projectId)
                .OrderByDescending(r => r.CreatedAt).Take(take).Select(r => new { r.CreatedAt, r.Id, r.Number }).ToListAsync(ct))
            .Select(r => new ActivityDto(r.CreatedAt, ActivityKind.RoundOpened, r.Id, null, r.Number.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        events.AddRange((await db.WorkshopSessions.AsNoTracking().Where(w => w.ProjectId == projectId)
                .OrderByDescending(w => w.OpenedAt).Take(take).Select(w => new { w.OpenedAt, w.Id, w.Title }).ToListAsync(ct))
            .Select(w => new ActivityDto(w.OpenedAt, ActivityKind.WorkshopOpened, w.Id, w.Title, null)));
        events.AddRange((await db.Experiments.AsNoTracking().Where(e => e.ProjectId == projectId)
                .OrderByDescending(e => e.CreatedAt).Take(take).Select(e => new { e.CreatedAt, e.Id, e.Title }).ToListAsync(ct))
            .Select(e => new ActivityDto(e.CreatedAt, ActivityKind.ExperimentAdded, e.Id, e.Title, null)));
        events.AddRange((await db.Reports.AsNoTracking().Where(r => r.ProjectId == projectId)
                .OrderByDescending(r => r.CreatedAt).Take(take).Select(r => new { r.CreatedAt, r.Id, r.Title }).ToListAsync(ct))
            .Select(r => new ActivityDto(r.CreatedAt, ActivityKind.ReportMade, r.Id, r.Title, null)));
        return events.OrderByDescending(e => e.At).Take(take).ToList();
    }
}
