using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Features.Evaluation;

/// <summary>What moving the phase came to: moved (from, to), field errors (a 400), no such project (a 404) or a move by someone else at the same moment (a 409).</summary>
public sealed record MoveOutcome(bool NotFound = false, Dictionary<string, string[]>? Errors = null, bool Conflict = false,
    ProjectPhase From = default, ProjectPhase To = default);

/// <summary>The phase of one project (the one the caller's address named): its timeline and the facilitator's moves, for the API and the pages.</summary>
public sealed partial class PhasesService(StorytellingDbContext db, TimeProvider time, ILogger<PhasesService> logger)
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId} moved from phase {From} to {To}")]
    private static partial void LogMoved(ILogger logger, Guid projectId, ProjectPhase from, ProjectPhase to);

    public const int MaxNoteLength = 1000;

    /// <summary>Where the project stands and how it got there; null when there is no such project.</summary>
    public async Task<PhaseOverviewDto?> OverviewAsync(Guid projectId, CancellationToken ct)
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

    /// <summary>
    /// Moves the project forward or back (skipping is allowed: a pilot may go straight from gathering to experiments).
    /// Moving back needs a note, so the timeline explains itself later.
    /// </summary>
    public async Task<MoveOutcome> MoveAsync(Guid projectId, MovePhaseRequest request, Guid? by, CancellationToken ct)
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
        LogMoved(logger, projectId, from, target);
        return new MoveOutcome(From: from, To: target);
    }
}
