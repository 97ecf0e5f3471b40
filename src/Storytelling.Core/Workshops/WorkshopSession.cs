using Storytelling.Core.Projects;

namespace Storytelling.Core.Workshops;

/// <summary>
/// A live analysis session (the "verandersessie"): a facilitator opens it, people join on their phones with a short
/// code (guests need no account), tag and vote together, and a projector shows the theme board.
/// </summary>
public sealed class WorkshopSession
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Title { get; set; }
    /// <summary>Short code people type or scan (e.g. "K7QM4T"); unique among open sessions.</summary>
    public required string Code { get; set; }
    public Guid OpenedByPersonId { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>Dot-voting: how many votes each participant may place.</summary>
    public int VotesPerParticipant { get; set; } = 3;
    /// <summary>The fragment the facilitator put in the spotlight for the room, if any.</summary>
    public Guid? SpotlightCodingId { get; set; }
}

/// <summary>Someone in a session: a member (with their project role) or a guest resident (role Bewoner, no account).</summary>
public sealed class WorkshopParticipant
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid SessionId { get; set; }
    public WorkshopSession? Session { get; set; }
    public required string DisplayName { get; set; }
    public Guid? PersonId { get; set; }
    public ProjectRole Role { get; set; } = ProjectRole.Bewoner;
    /// <summary>SHA-256 of the guest's bearer token; null for members, who use their sign-in.</summary>
    public string? TokenHash { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
}

/// <summary>One dot on the theme board.</summary>
public sealed class ThemeVote
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid SessionId { get; set; }
    public Guid ParticipantId { get; set; }
    public Guid ThemeId { get; set; }
    public DateTimeOffset At { get; set; }
}
