using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Tellers;

public sealed record PublishedUpdateRequest(string? Text);

public sealed record PublishedUpdateDto(string? Text, DateTimeOffset? PublishedAt);

public static class TellerApi
{
    public static IEndpointRouteBuilder MapTellerApi(this IEndpointRouteBuilder app)
    {
        // The teller's own recording, opened by the teller cookie (no account). Streamed one range at a time.
        app.MapGet("/verhaal/mijn/audio", Audio).AllowAnonymous().RequireRateLimiting(RateLimits.Anonymous).WithTags("Teller");

        var project = app.MapGroup("/api/projects/{projectId:guid}").RequireAuthorization(Policies.Facilitate).WithTags("Teller");
        // A facilitator withdraws on the teller's behalf, e.g. when asked by phone; audited with the facilitator's id.
        project.MapPost("/stories/{storyId:guid}/withdrawal", Withdraw);
        project.MapPut("/stories/{storyId:guid}/consent", ChangeConsent);
        project.MapGet("/published-update", GetUpdate);
        project.MapPut("/published-update", PutUpdate);
        return app;
    }

    private static async Task<IResult> Audio(HttpContext http, TellerAccess access, StorytellingDbContext db, IMediaStore store, CancellationToken ct)
    {
        var story = await access.CurrentStoryAsync(http.Request, ct);
        if (story is null) return TypedResults.NotFound();
        var recording = await db.Recordings.AsNoTracking().Where(r => r.StoryId == story.Id)
            .OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        if (recording is null || recording.AudioDeletedAt is not null) return TypedResults.NotFound();
        var properties = await store.GetPropertiesAsync(recording.BlobName, ct);
        if (properties is null) return TypedResults.NotFound();
        return new RangeStreamResult(store, recording.BlobName, properties.SizeBytes, recording.MediaType);
    }

    private static async Task<Results<NoContent, NotFound>> Withdraw(Guid projectId, Guid storyId, HttpContext http, TellersService tellers,
        CancellationToken ct) =>
        await tellers.WithdrawAsync(projectId, storyId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>A facilitator records what a teller told them: quotes and playback on or off (analysis consent ends only by withdrawal).</summary>
    private static async Task<Results<Ok<ConsentDto>, NotFound>> ChangeConsent(Guid projectId, Guid storyId, ConsentChangeRequest request,
        HttpContext http, TellersService tellers, CancellationToken ct) =>
        await tellers.ChangeConsentAsync(projectId, storyId, request.QuotesInReports, request.AudioInWorkshops, http.User.PersonId(), ct) is { } consent
            ? TypedResults.Ok(consent) : TypedResults.NotFound();

    private static async Task<Results<Ok<PublishedUpdateDto>, NotFound>> GetUpdate(Guid projectId, TellersService tellers, CancellationToken ct) =>
        await tellers.GetUpdateAsync(projectId, ct) is { } dto ? TypedResults.Ok(dto) : TypedResults.NotFound();

    private static async Task<Results<Ok<PublishedUpdateDto>, NotFound, ValidationProblem>> PutUpdate(Guid projectId, PublishedUpdateRequest request,
        HttpContext http, TellersService tellers, CancellationToken ct)
    {
        var result = await tellers.PublishUpdateAsync(projectId, request.Text, http.User.PersonId(), ct);
        if (result.Update is { } update) return TypedResults.Ok(update);
        return result.NotFound ? TypedResults.NotFound() : TypedResults.ValidationProblem(result.Errors!);
    }
}

public sealed record ConsentChangeRequest(bool QuotesInReports, bool AudioInWorkshops);

public sealed record ConsentDto(bool Analysis, bool QuotesInReports, bool AudioInWorkshops);
