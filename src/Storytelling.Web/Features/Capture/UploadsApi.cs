using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Evaluation;
using Storytelling.Web.Features.Invitations;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// The resumable upload API, for the capture page and any other client:
/// create a session (declared size, media type, optional SHA-256, consent) → PUT chunks at the confirmed offset →
/// GET how much arrived (after a broken connection) → POST complete, which returns the teller's receipt code, once
/// (a repeated complete gets a fresh code only with the recording's SHA-256 in its body; the status never shows one).
/// </summary>
public static class UploadsApi
{
    public static IEndpointRouteBuilder MapUploadsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/capture/{token}/uploads", CreateAnonymous).AllowAnonymous().WithTags("Capture")
            .WithSummary("Start sending a story through a capture link (no account).");
        app.MapPost("/api/projects/{projectId:guid}/uploads", CreateOnBehalf).RequireAuthorization(Policies.Capture).WithTags("Capture")
            .WithSummary("An interviewer or facilitator starts sending a story recorded with a teller.");

        var uploads = app.MapGroup("/api/uploads/{uploadId}").AllowAnonymous().WithTags("Capture");
        uploads.MapGet("/", Get).WithSummary("How much of the upload arrived.");
        uploads.MapPut("/chunks", Append).WithSummary("Send the bytes at ?offset=N (the offset the server confirmed).");
        uploads.MapPost("/complete", Complete).WithSummary("Finish: the content is checked and the story is created.");
        return app;
    }

    private static async Task<IResult> CreateAnonymous(string token, CreateUploadRequest request, HttpContext http,
        InvitationService invitations, UploadService uploads, CaptureRateLimiter limiter, CaptureWindow window, CancellationToken ct)
    {
        var (invitation, problem) = await invitations.FindAsync(token, InvitationKind.Capture, ct);
        if (invitation is null)
            return CaptureErrors.Problem(http, problem == AcceptOutcome.Expired ? CaptureErrors.LinkExpired : CaptureErrors.LinkUnknown);
        var open = await window.ForLinkAsync(invitation, invitation.Project!, ct);
        if (!open.Open) return CaptureErrors.Problem(http, CaptureErrors.NotCollecting);
        if (!await limiter.TryAcquireAsync(invitation.Id.ToString(), http.Connection.RemoteIpAddress, ct))
            return TypedResults.Problem("Too many new uploads; wait a minute.", statusCode: StatusCodes.Status429TooManyRequests);
        var outcome = await uploads.CreateAsync(invitation.Project!, request with { ConsentGivenVerbally = null }, invitation.Id, null, ct,
            open.EvaluationRoundId);
        return Created(http, outcome);
    }

    private static async Task<IResult> CreateOnBehalf(Guid projectId, CreateUploadRequest request, HttpContext http,
        StorytellingDbContext db, UploadService uploads, CaptureWindow window, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return TypedResults.NotFound();
        var open = await window.ForInterviewerAsync(project, ct);
        if (!open.Open) return CaptureErrors.Problem(http, CaptureErrors.NotCollecting);
        var outcome = await uploads.CreateAsync(project, request, null, http.User.PersonId(), ct, open.EvaluationRoundId);
        return Created(http, outcome);
    }

    private static IResult Created(HttpContext http, Outcome<UploadDto> outcome) =>
        outcome.Error is { } error
            ? CaptureErrors.Problem(http, error, outcome.Extra)
            : TypedResults.Created($"/api/uploads/{outcome.Value!.UploadId}", outcome.Value);

    private static async Task<IResult> Get(string uploadId, HttpContext http, UploadService uploads, CancellationToken ct) =>
        Answer(http, await uploads.GetAsync(uploadId, ct));

    private static async Task<IResult> Append(string uploadId, long? offset, HttpContext http, UploadService uploads, CancellationToken ct) =>
        Answer(http, await uploads.AppendAsync(uploadId, offset, http.Request.ContentLength, http.Request.BodyReader, ct));

    private static async Task<IResult> Complete(string uploadId, CompleteUploadRequest? request, HttpContext http, UploadService uploads, CancellationToken ct) =>
        Answer(http, await uploads.CompleteAsync(uploadId, request?.Sha256, ct));

    private static IResult Answer<T>(HttpContext http, Outcome<T> outcome) =>
        outcome.Error is { } error ? CaptureErrors.Problem(http, error, outcome.Extra) : TypedResults.Ok(outcome.Value);
}
