using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Web.Features.Invitations;

public enum AcceptOutcome { Accepted, AlreadyMember, NotFound, Expired, WrongKind, OwnInvitation }

/// <summary>Creating and redeeming invitation links; used by the API and by the invite page.</summary>
public sealed class InvitationService(StorytellingDbContext db, TimeProvider time)
{
    public static readonly TimeSpan DefaultMembershipLifetime = TimeSpan.FromDays(14);
    public static readonly TimeSpan DefaultCaptureLifetime = TimeSpan.FromDays(90);

    /// <summary>Returns the invitation and its token; the token is shown once and never stored.</summary>
    public async Task<(Invitation Invitation, string Token)> CreateAsync(
        Guid projectId, InvitationKind kind, ProjectRole role, TimeSpan? lifetime, int? maxUses, Guid createdBy, CancellationToken ct)
    {
        var token = InvitationTokens.New();
        var now = time.GetUtcNow();
        var invitation = new Invitation
        {
            ProjectId = projectId,
            Kind = kind,
            Role = kind == InvitationKind.Membership ? role : ProjectRole.Bewoner,
            TokenHash = InvitationTokens.Hash(token),
            CreatedByPersonId = createdBy,
            CreatedAt = now,
            ExpiresAt = now + (lifetime ?? (kind == InvitationKind.Capture ? DefaultCaptureLifetime : DefaultMembershipLifetime)),
            // A membership link is personal unless the facilitator says otherwise; a capture QR code is for anyone.
            MaxUses = maxUses ?? (kind == InvitationKind.Membership ? 1 : null),
        };
        db.Invitations.Add(invitation);
        db.Record(time, "invitation.created", createdBy, projectId, "invitation", invitation.Id);
        await db.SaveChangesAsync(ct);
        return (invitation, token);
    }

    /// <summary>Finds a usable invitation of the given kind, or says why there is none.</summary>
    public async Task<(Invitation? Invitation, AcceptOutcome Problem)> FindAsync(string token, InvitationKind kind, CancellationToken ct)
    {
        if (!InvitationTokens.LooksValid(token)) return (null, AcceptOutcome.NotFound);
        var hash = InvitationTokens.Hash(token);
        var invitation = await db.Invitations.Include(i => i.Project).AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, ct);
        if (invitation is null) return (null, AcceptOutcome.NotFound);
        if (invitation.Kind != kind) return (null, AcceptOutcome.WrongKind);
        if (!invitation.IsUsable(time.GetUtcNow())) return (null, AcceptOutcome.Expired);
        return (invitation, AcceptOutcome.Accepted);
    }

    public async Task<(AcceptOutcome Outcome, Invitation? Invitation)> AcceptAsync(string token, Guid personId, CancellationToken ct)
    {
        var (invitation, problem) = await FindAsync(token, InvitationKind.Membership, ct);
        if (invitation is null) return (problem, null);
        // Nobody grants themselves a role: a project beheerder (who reads no story) could otherwise become a
        // begeleider and read every story and the names behind the pseudonyms. Someone else must invite them.
        if (invitation.CreatedByPersonId == personId) return (AcceptOutcome.OwnInvitation, null);

        var already = await db.Memberships.AnyAsync(
            m => m.ProjectId == invitation.ProjectId && m.PersonId == personId && m.Role == invitation.Role, ct);
        if (already) return (AcceptOutcome.AlreadyMember, invitation);

        var now = time.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Counting the use in the database, conditioned on the limit, keeps a single-use link single-use
        // even when two people open it at the same moment.
        var claimed = await db.Invitations
            .Where(i => i.Id == invitation.Id && i.RevokedAt == null && (i.MaxUses == null || i.UseCount < i.MaxUses))
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UseCount, i => i.UseCount + 1), ct);
        if (claimed == 0) return (AcceptOutcome.Expired, null);

        db.Memberships.Add(new ProjectMembership
        {
            ProjectId = invitation.ProjectId,
            PersonId = personId,
            Role = invitation.Role,
            GrantedAt = now,
            GrantedByPersonId = invitation.CreatedByPersonId,
        });
        db.Record(time, "invitation.accepted", personId, invitation.ProjectId, "invitation", invitation.Id);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return (AcceptOutcome.Accepted, invitation);
    }
}
