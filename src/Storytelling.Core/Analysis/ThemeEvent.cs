namespace Storytelling.Core.Analysis;

/// <summary>
/// One change to the codebook, kept so a merged, split or renamed theme can be traced: which theme, what happened,
/// the names before and after, who and when. Never deleted with the change it describes.
/// </summary>
public sealed class ThemeEvent
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Guid ThemeId { get; set; }
    public ThemeEventKind Kind { get; set; }
    /// <summary>For merges: the theme that absorbed this one; for splits: the new theme.</summary>
    public Guid? OtherThemeId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public Guid? ByPersonId { get; set; }
    public DateTimeOffset At { get; set; }
}

public enum ThemeEventKind
{
    Proposed,
    Renamed,
    Edited,
    Moved,
    Merged,
    Split,
}
