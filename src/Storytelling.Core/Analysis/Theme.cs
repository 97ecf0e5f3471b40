using Storytelling.Core.Projects;

namespace Storytelling.Core.Analysis;

/// <summary>A code in the project's codebook. Themes form a tree through <see cref="ParentId"/>.</summary>
public sealed class Theme
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    public Guid? ParentId { get; set; }
    public Theme? Parent { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    /// <summary>"#RRGGBB", the form REFI-QDA exchanges.</summary>
    public string Colour { get; set; } = "#808080";
    public ThemeKind Kind { get; set; } = ThemeKind.Overig;
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When a facilitator merged this theme into another, it stays as history and points there.</summary>
    public Guid? MergedIntoId { get; set; }

    public List<Theme> Children { get; set; } = [];
}

public enum ThemeKind
{
    Knelpunt,  // bottleneck
    Wens,      // wish
    Kracht,    // strength
    Overig,    // other
}
