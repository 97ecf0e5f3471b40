using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Invitations;

public sealed record CreateInvitationRequest(InvitationKind Kind, ProjectRole Role, int? ExpiresInDays, int? MaxUses);

/// <summary>The link is returned once, at creation; the server keeps only its hash.</summary>
public sealed record CreatedInvitationDto(Guid Id, InvitationKind Kind, ProjectRole Role, string Url, DateTimeOffset ExpiresAt, int? MaxUses);

public sealed record InvitationDto(Guid Id, InvitationKind Kind, ProjectRole Role, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    int? MaxUses, int UseCount, bool Revoked);

public sealed record AcceptedInvitationDto(Guid ProjectId, ProjectRole Role, bool AlreadyMember);

/// <summary>What a capture link reveals to an anonymous teller: the question and the languages, nothing else.</summary>
public sealed record CaptureInvitationDto(Guid ProjectId, string ProjectName, string GuidingQuestion, string DefaultLanguage,
    IReadOnlyList<string> AllowedLanguages, bool AllowVideo, long MaxRecordingBytes, int MaxRecordingSeconds);

public static class InvitationsApi
{
    public static IEndpointRouteBuilder MapInvitationsApi(this IEndpointRouteBuilder app)
    {
        var project = app.MapGroup("/api/projects/{projectId:guid}/invitations")
            .RequireAuthorization(Policies.ManageProject).WithTags("Invitations");
        project.MapPost("/", Create);
        project.MapGet("/", List);
        project.MapDelete("/{invitationId:guid}", Revoke);

        app.MapPost("/api/invitations/{token}/accept", Accept).RequireAuthorization().WithTags("Invitations");
        app.MapGet("/api/capture/{token}", ResolveCapture).AllowAnonymous().WithTags("Capture")
            .RequireRateLimiting(RateLimits.Anonymous);
        return app;
    }

    private static async Task<Results<Created<CreatedInvitationDto>, ValidationProblem, ForbidHttpResult>> Create(
        Guid projectId, CreateInvitationRequest request, HttpContext http, InvitationService invitations,
        IAuthorizationService authorization, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Enum.IsDefined(request.Kind)) errors["kind"] = ["Kind must be 'Membership' or 'Capture'."];
        if (!Enum.IsDefined(request.Role)) errors["role"] = ["Unknown role."];
        if (request.ExpiresInDays is { } days && (days < 1 || days > 365)) errors["expiresInDays"] = ["A link can live between 1 and 365 days."];
        if (request.MaxUses is { } uses && (uses < 1 || uses > 10_000)) errors["maxUses"] = ["Uses must be between 1 and 10000, or empty for no limit."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var me = http.User.PersonId()!.Value;
        // Nobody hands out more power than they hold (the invite rule: only a project beheerder invites a beheerder).
        if (!(await authorization.AuthorizeAsync(http.User, new InvitationScope(projectId, request.Kind, request.Role), Policies.Invite)).Succeeded)
            return TypedResults.Forbid();

        var lifetime = request.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : (TimeSpan?)null;
        var (invitation, token) = await invitations.CreateAsync(projectId, request.Kind, request.Role, lifetime, request.MaxUses, me, ct);
        var path = request.Kind == InvitationKind.Capture ? $"/c/{token}" : $"/invite/{token}";
        var url = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{path}";
        return TypedResults.Created($"/api/projects/{projectId}/invitations/{invitation.Id}",
            new CreatedInvitationDto(invitation.Id, invitation.Kind, invitation.Role, url, invitation.ExpiresAt, invitation.MaxUses));
    }

    private static async Task<Ok<List<InvitationDto>>> List(Guid projectId, StorytellingDbContext db, CancellationToken ct)
    {
        var rows = await db.Invitations.AsNoTracking().Where(i => i.ProjectId == projectId).ToListAsync(ct);
        return TypedResults.Ok(rows.OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvitationDto(i.Id, i.Kind, i.Role, i.CreatedAt, i.ExpiresAt, i.MaxUses, i.UseCount, i.RevokedAt is not null))
            .ToList());
    }

    private static async Task<Results<NoContent, NotFound>> Revoke(
        Guid projectId, Guid invitationId, HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId && i.ProjectId == projectId, ct);
        if (invitation is null) return TypedResults.NotFound();
        invitation.RevokedAt ??= time.GetUtcNow();
        db.Record(time, "invitation.revoked", http.User.PersonId(), projectId, "invitation", invitation.Id);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AcceptedInvitationDto>, ProblemHttpResult>> Accept(
        string token, HttpContext http, InvitationService invitations, CancellationToken ct)
    {
        var (outcome, invitation) = await invitations.AcceptAsync(token, http.User.PersonId()!.Value, ct);
        return outcome switch
        {
            AcceptOutcome.Accepted or AcceptOutcome.AlreadyMember =>
                TypedResults.Ok(new AcceptedInvitationDto(invitation!.ProjectId, invitation.Role, outcome == AcceptOutcome.AlreadyMember)),
            AcceptOutcome.Expired => TypedResults.Problem("This invitation has expired, was revoked or has been used up; ask your facilitator for a new link.", statusCode: 410),
            AcceptOutcome.OwnInvitation => TypedResults.Problem(
                "You made this invitation yourself, and nobody can give themselves a role. Ask another facilitator of the project to invite you.",
                statusCode: StatusCodes.Status409Conflict, extensions: new Dictionary<string, object?> { ["code"] = "own_invitation" }),
            _ => TypedResults.Problem("This invitation link is not known; check that it was copied whole.", statusCode: 404),
        };
    }

    private static async Task<Results<Ok<CaptureInvitationDto>, ProblemHttpResult>> ResolveCapture(
        string token, InvitationService invitations, Evaluation.CaptureWindow window, CancellationToken ct)
    {
        var (invitation, problem) = await invitations.FindAsync(token, InvitationKind.Capture, ct);
        if (invitation is null)
        {
            return problem == AcceptOutcome.Expired
                ? TypedResults.Problem("This link has expired. Ask the person who gave it to you for a new one.", statusCode: 410)
                : TypedResults.Problem("This link is not known. Check that it was copied whole.", statusCode: 404);
        }
        var p = invitation.Project!;
        // A round's link asks the round's question; outside gathering and open rounds nothing is collected.
        var open = await window.ForLinkAsync(invitation, p, ct);
        if (!open.Open)
            return TypedResults.Problem("This project is not collecting stories at the moment.", statusCode: 409,
                extensions: new Dictionary<string, object?> { ["code"] = "not_collecting" });
        return TypedResults.Ok(new CaptureInvitationDto(p.Id, p.Name, open.Question, p.DefaultLanguage, p.AllowedLanguages, p.AllowVideo,
            p.MaxRecordingBytes, p.MaxRecordingSeconds));
    }
}
