using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Workspace;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Tellers;

public sealed record PublishedUpdateRequest(string? Text);

public sealed record PublishedUpdateDto(string? Text, DateTimeOffset? PublishedAt);

public static class TellerApi
{
    public const int MaxPublishedUpdateLength = 8000;

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

    private static async Task<Results<NoContent, NotFound>> Withdraw(Guid projectId, Guid storyId, HttpContext http, StorytellingDbContext db,
        StoryWithdrawal withdrawal, CancellationToken ct)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return TypedResults.NotFound();
        return await withdrawal.WithdrawAsync(storyId, http.User.PersonId(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>A facilitator records what a teller told them: quotes and playback on or off (analysis consent ends only by withdrawal).</summary>
    private static async Task<Results<Ok<ConsentDto>, NotFound>> ChangeConsent(Guid projectId, Guid storyId, ConsentChangeRequest request,
        HttpContext http, StorytellingDbContext db, StoryConsentChange change, CancellationToken ct)
    {
        if (!await db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct)) return TypedResults.NotFound();
        var wanted = (request.QuotesInReports ? ConsentScopes.QuotesInReports : 0) | (request.AudioInWorkshops ? ConsentScopes.AudioInWorkshops : 0);
        if (!await change.ChangeAsync(storyId, wanted, http.User.PersonId(), ct)) return TypedResults.NotFound();
        var scopes = await db.Stories.AsNoTracking().Where(s => s.Id == storyId).Select(s => s.Consent.Scopes).SingleAsync(ct);
        return TypedResults.Ok(new ConsentDto(scopes.HasFlag(ConsentScopes.Analysis), scopes.HasFlag(ConsentScopes.QuotesInReports), scopes.HasFlag(ConsentScopes.AudioInWorkshops)));
    }

    private static async Task<Results<Ok<PublishedUpdateDto>, NotFound>> GetUpdate(Guid projectId, StorytellingDbContext db, CancellationToken ct)
    {
        var dto = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new PublishedUpdateDto(p.PublishedUpdate, p.PublishedUpdateAt)).SingleOrDefaultAsync(ct);
        return dto is null ? TypedResults.NotFound() : TypedResults.Ok(dto);
    }

    /// <summary>Publishes (or, with empty text, takes down) the page tellers see. Plain text: paragraphs split by blank lines.</summary>
    public static async Task<Results<Ok<PublishedUpdateDto>, NotFound, ValidationProblem>> PutUpdate(Guid projectId, PublishedUpdateRequest request,
        HttpContext http, StorytellingDbContext db, TimeProvider time, CancellationToken ct)
    {
        var text = request.Text?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text is { Length: > MaxPublishedUpdateLength })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [$"Het bericht mag hoogstens {MaxPublishedUpdateLength} tekens lang zijn."] });
        if (text is not null && text.Any(c => char.IsControl(c) && c != '\n'))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["text"] = ["Het bericht mag geen stuurtekens bevatten; gewone tekst met witregels is goed."] });
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return TypedResults.NotFound();
        var empty = string.IsNullOrEmpty(text);
        if (project.PublishedUpdate != (empty ? null : text))
        {
            project.PublishedUpdate = empty ? null : text;
            project.PublishedUpdateAt = empty ? null : time.GetUtcNow();
            db.Record(time, empty ? "project.update-withdrawn" : "project.update-published", http.User.PersonId(), projectId, "project", projectId);
            await db.SaveChangesAsync(ct);
        }
        return TypedResults.Ok(new PublishedUpdateDto(project.PublishedUpdate, project.PublishedUpdateAt));
    }

    /// <summary>Paragraphs of a published update, for rendering as plain &lt;p&gt; elements (never as HTML).</summary>
    public static IReadOnlyList<string> Paragraphs(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] :
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed record ConsentChangeRequest(bool QuotesInReports, bool AudioInWorkshops);

public sealed record ConsentDto(bool Analysis, bool QuotesInReports, bool AudioInWorkshops);
