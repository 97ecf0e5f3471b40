using Storytelling.Core.Projects;

namespace Storytelling.Core.Evaluation;

/// <summary>
/// One move of a project from one phase to another. The history is what the project timeline shows, so it is never
/// edited; moving back (e.g. from analysing to gathering again) is a new row with a note saying why.
/// </summary>
public sealed class ProjectPhaseChange
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public ProjectPhase From { get; set; }
    public ProjectPhase To { get; set; }
    public Guid? ByPersonId { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>Why the facilitator moved the phase; required when moving back.</summary>
    public string? Note { get; set; }
}
