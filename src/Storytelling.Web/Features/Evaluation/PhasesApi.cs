using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
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
    public const int MaxNoteLength = 1000;

    public static RouteGroupBuilder MapPhasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/phase").WithTags("Evaluation");
        // Everyone in the project sees where it stands; only the facilitator moves it.
        group.MapGet("/", Get).RequireAuthorization(Policies.ProjectMember);
        group.MapPost("/", Move).RequireAuthorization(Policies.LeadEvaluation);
        return group;
    }

    private static async Task<Results<Ok<PhaseOverviewDto>, NotFound>> Get(Guid projectId, StorytellingDbContext db, CancellationToken ct) =>
        await OverviewAsync(db, projectId, ct) is { } overview ? TypedResults.Ok(overview) : TypedResults.NotFound();

    public static async Task<PhaseOverviewDto?> OverviewAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.Phase, p.CreatedAt }).FirstOrDefaultAsync(ct);
        if (project is null) return null;
        var rows = await db.ProjectPhaseChanges.AsNoTracking().Where(c => c.ProjectId == projectId).ToListAsync(ct);
        var changes = rows.OrderBy(c => c.At).ThenBy(c => c.Id).ToList();
        var personIds = changes.Where(c => c.ByPersonId is not null).Select(c => c.ByPersonId!.Value).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => personIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.DisplayName, ct);

        var steps = Enum.GetValues<ProjectPhase>().Select(phase =>
        {
            // The latest stay in a phase is what the timeline shows; earlier stays remain in the history below it.
            var entered = changes.LastOrDefault(c => c.To == phase)?.At
                ?? (phase == ProjectPhase.Gather ? project.CreatedAt : (DateTimeOffset?)null);
            var current = phase == project.Phase;
            var left = entered is { } start && !current ? changes.FirstOrDefault(c => c.From == phase && c.At >= start)?.At : null;
            return new PhaseStepDto(phase, current, entered, left, entered is not null || current);
        }).ToList();
        var history = changes.AsEnumerable().Reverse()
            .Select(c => new PhaseChangeDto(c.Id, c.From, c.To, c.ByPersonId is { } by ? names.GetValueOrDefault(by) : null, c.At, c.Note))
            .ToList();
        return new PhaseOverviewDto(project.Phase, steps, history);
    }

    private static async Task<Results<Ok<PhaseOverviewDto>, ValidationProblem, NotFound, ProblemHttpResult>> Move(
        Guid projectId, MovePhaseRequest request, HttpContext http, StorytellingDbContext db, TimeProvider time,
        ILogger<PhaseMoveLog> logger, CancellationToken ct)
    {
        var outcome = await MoveAsync(db, time, projectId, request, http.User.PersonId(), ct);
        if (outcome.NotFound) return TypedResults.NotFound();
        if (outcome.Errors is { } errors) return TypedResults.ValidationProblem(errors);
        if (outcome.Conflict) return TypedResults.Problem("Someone else moved the phase at the same moment; reload and try again.", statusCode: 409);
        PhaseMoveLog.Moved(logger, projectId, outcome.From, outcome.To);
        return TypedResults.Ok((await OverviewAsync(db, projectId, ct))!);
    }

    public sealed record MoveOutcome(bool NotFound = false, Dictionary<string, string[]>? Errors = null, bool Conflict = false,
        ProjectPhase From = default, ProjectPhase To = default);

    /// <summary>
    /// Moves the project forward or back (skipping is allowed: a pilot may go straight from gathering to experiments).
    /// Moving back needs a note, so the timeline explains itself later.
    /// </summary>
    public static async Task<MoveOutcome> MoveAsync(StorytellingDbContext db, TimeProvider time, Guid projectId, MovePhaseRequest request,
        Guid? by, CancellationToken ct)
    {
        var current = await db.Projects.Where(p => p.Id == projectId).Select(p => (ProjectPhase?)p.Phase).FirstOrDefaultAsync(ct);
        if (current is not { } from) return new MoveOutcome(NotFound: true);
        var errors = new Dictionary<string, string[]>();
        var note = string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim();
        if (request.To is not { } to || !Enum.IsDefined(to)) errors["to"] = ["Choose the phase to move to: Gather, Analyse, Experiment or CoEvaluate."];
        else if (to == from) errors["to"] = ["The project is already in that phase."];
        else if (to < from && note is null) errors["note"] = ["Say in a note why the project goes back to an earlier phase."];
        if (note is { Length: > MaxNoteLength }) errors["note"] = [$"A note can be at most {MaxNoteLength} characters."];
        if (errors.Count > 0) return new MoveOutcome(Errors: errors);

        var target = request.To!.Value;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Conditional on the phase we read, so two facilitators moving at once cannot write a history that skips a step.
        var moved = await db.Projects.Where(p => p.Id == projectId && p.Phase == from)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Phase, target), ct);
        if (moved == 0) return new MoveOutcome(Conflict: true);
        var change = new ProjectPhaseChange { ProjectId = projectId, From = from, To = target, ByPersonId = by, At = time.GetUtcNow(), Note = note };
        db.ProjectPhaseChanges.Add(change);
        db.Record(time, "project.phase-moved", by, projectId, "phase-change", change.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return new MoveOutcome(From: from, To: target);
    }
}

public sealed partial class PhaseMoveLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} moved from phase {From} to {To}")]
    public static partial void Moved(ILogger logger, Guid projectId, ProjectPhase from, ProjectPhase to);
}
