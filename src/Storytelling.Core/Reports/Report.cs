using Storytelling.Core.Projects;

namespace Storytelling.Core.Reports;

/// <summary>
/// A theme report: the themes a policy officer chose, in priority order, with the quotes chosen for each, drafted as
/// Markdown the team may edit. The Markdown is what every export (HTML, Word) is made from, so edits count everywhere.
/// </summary>
public sealed class Report
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    /// <summary>The editable draft. Quotes in it are pseudonymised when generated; nobody's original text is stored here.</summary>
    public required string Markdown { get; set; }
    /// <summary>Raised on every save of the Markdown; a save must name the version it edited (optimistic concurrency).</summary>
    public int Version { get; set; } = 1;
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public Guid? UpdatedByPersonId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When the Markdown was last drafted from the chosen themes and quotes.</summary>
    public DateTimeOffset GeneratedAt { get; set; }
    /// <summary>Set when material it used is gone (a withdrawn story); the reason is a Dutch sentence for the page.</summary>
    public DateTimeOffset? StaleAt { get; set; }
    public string? StaleReason { get; set; }
    /// <summary>The report this one was regenerated from; that one stays as it was (stale or not) for comparison.</summary>
    public Guid? RegeneratedFromId { get; set; }

    public List<ReportTheme> Themes { get; set; } = [];
    public List<ReportQuote> Quotes { get; set; } = [];
}

/// <summary>A chosen theme and its place in the report (0 = most important).</summary>
public sealed class ReportTheme
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ReportId { get; set; }
    public Guid ThemeId { get; set; }
    public int Position { get; set; }
}

/// <summary>
/// A chosen quote: the coding it came from and the story it belongs to (so a withdrawal finds every report that
/// quoted the story), plus the pseudonymised text as drafted, so the withdrawal can also find it where an editor
/// moved it in the Markdown. No foreign keys: codings and stories may go while the report stays as history.
/// </summary>
public sealed class ReportQuote
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ReportId { get; set; }
    public Guid ThemeId { get; set; }
    public Guid CodingId { get; set; }
    public Guid StoryId { get; set; }
    public int Position { get; set; }
    public required string Text { get; set; }
}
