namespace Storytelling.Core.Projects;

/// <summary>
/// A link that grants something in one project. Only the SHA-256 of the token is stored, so a database
/// leak does not leak usable links.
/// </summary>
public sealed class Invitation
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid ProjectId { get; set; }
    public Project? Project { get; set; }
    public InvitationKind Kind { get; set; }
    /// <summary>The role a <see cref="InvitationKind.Membership"/> invitation grants; ignored for capture links.</summary>
    public ProjectRole Role { get; set; }
    public required string TokenHash { get; set; }
    public Guid? CreatedByPersonId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    /// <summary>Null means unlimited (a capture QR code on a poster); memberships default to one use.</summary>
    public int? MaxUses { get; set; }
    public int UseCount { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    public bool IsUsable(DateTimeOffset now) =>
        RevokedAt is null && now < ExpiresAt && (MaxUses is null || UseCount < MaxUses);
}

public enum InvitationKind
{
    /// <summary>Joins the person who opens it to the project with <see cref="Invitation.Role"/>.</summary>
    Membership,
    /// <summary>Lets anyone holding it tell a story in the project, without an account (QR code at the food bank).</summary>
    Capture,
}
