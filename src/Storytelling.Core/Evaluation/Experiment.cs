using Storytelling.Core.Analysis;
using Storytelling.Core.Stories;

namespace Storytelling.Core.Evaluation;

/// <summary>
/// An improvement proposal or experiment that came out of the analysis, linked to the themes and stories that
/// motivated it. The owner is a project member or the name of an organisation or staff member — never a teller.
/// </summary>
public sealed class Experiment
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public required string Title { get; set; }
    public string? Description { get; set; }
    public Guid? OwnerPersonId { get; set; }
    public string? OwnerName { get; set; }
    public ExperimentStatus Status { get; set; } = ExperimentStatus.Voorstel;
    public DateOnly? StartsOn { get; set; }
    public DateOnly? EndsOn { get; set; }
    public string? Results { get; set; }
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<ExperimentTheme> Themes { get; set; } = [];
    public List<ExperimentStory> Stories { get; set; } = [];
}

public enum ExperimentStatus
{
    Voorstel,  // proposal
    Lopend,    // running
    Afgerond,  // finished
    Gestopt,   // stopped
}

/// <summary>A theme that motivated an experiment.</summary>
public sealed class ExperimentTheme
{
    public Guid ExperimentId { get; set; }
    public Guid ThemeId { get; set; }
    public Theme? Theme { get; set; }
}

/// <summary>A story that motivated an experiment. Deleted with the story when a teller withdraws it.</summary>
public sealed class ExperimentStory
{
    public Guid ExperimentId { get; set; }
    public Guid StoryId { get; set; }
    public Story? Story { get; set; }
}
