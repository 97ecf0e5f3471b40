using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Tellers;

/// <summary>The published update after a save, or why not: field errors (a 400) or no such project (a 404).</summary>
public sealed record PublishedUpdateResult(PublishedUpdateDto? Update, Dictionary<string, string[]>? Errors = null, bool NotFound = false)
{
    public static PublishedUpdateResult Invalid(string message) => new(null, new() { ["text"] = [message] });
}

/// <summary>
/// What the project does for its tellers, for the API, the facilitator's page and the teller's own page alike: the
/// published update ("what happened with the stories"), and a withdrawal or consent change on a teller's behalf.
/// The project is the one the caller's address named (or, on the teller's page, the story's own); a story of
/// another project is not found through it and stays as it was.
/// </summary>
public sealed class TellersService(StorytellingDbContext db, StoryWithdrawal withdrawal, StoryConsentChange consent, TimeProvider time)
{
    public const int MaxPublishedUpdateLength = 8000;

    public Task<PublishedUpdateDto?> GetUpdateAsync(Guid projectId, CancellationToken ct) =>
        db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new PublishedUpdateDto(p.PublishedUpdate, p.PublishedUpdateAt)).SingleOrDefaultAsync(ct);

    /// <summary>Publishes (or, with empty text, takes down) the page tellers see. Plain text: paragraphs split by blank lines.</summary>
    public async Task<PublishedUpdateResult> PublishUpdateAsync(Guid projectId, string? text, Guid? by, CancellationToken ct)
    {
        text = text?.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text is { Length: > MaxPublishedUpdateLength })
            return PublishedUpdateResult.Invalid($"Het bericht mag hoogstens {MaxPublishedUpdateLength} tekens lang zijn.");
        if (text is not null && text.Any(c => char.IsControl(c) && c != '\n'))
            return PublishedUpdateResult.Invalid("Het bericht mag geen stuurtekens bevatten; gewone tekst met witregels is goed.");
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return new PublishedUpdateResult(null, NotFound: true);
        var empty = string.IsNullOrEmpty(text);
        if (project.PublishedUpdate != (empty ? null : text))
        {
            project.PublishedUpdate = empty ? null : text;
            project.PublishedUpdateAt = empty ? null : time.GetUtcNow();
            db.Record(time, empty ? "project.update-withdrawn" : "project.update-published", by, projectId, "project", projectId);
            await db.SaveChangesAsync(ct);
        }
        return new PublishedUpdateResult(new PublishedUpdateDto(project.PublishedUpdate, project.PublishedUpdateAt));
    }

    /// <summary>The story of this project with the receipt code a teller read out, or null (unknown, malformed, or another project's).</summary>
    public async Task<Guid?> StoryByReceiptCodeAsync(Guid projectId, string? code, CancellationToken ct)
    {
        // Codes are stored as their SHA-256 only; the lookup hashes what the facilitator typed.
        var normalized = ReceiptCode.Normalize(code);
        var hash = normalized is null ? null : ReceiptCode.Hash(normalized);
        return hash is null ? null : await db.Stories.Where(s => s.ReceiptCodeHash == hash && s.ProjectId == projectId)
            .Select(s => (Guid?)s.Id).SingleOrDefaultAsync(ct);
    }

    /// <summary>Withdraws the story for good; false when there is no such story in this project. <paramref name="by"/> is null for the teller themselves.</summary>
    public async Task<bool> WithdrawAsync(Guid projectId, Guid storyId, Guid? by, CancellationToken ct) =>
        await StoryOfProjectExistsAsync(projectId, storyId, ct) && await withdrawal.WithdrawAsync(storyId, by, ct);

    /// <summary>
    /// Quotes and playback on or off (analysis consent ends only by withdrawal); the consent as it now stands, or null
    /// when there is no such story in this project. <paramref name="by"/> is null for the teller themselves.
    /// </summary>
    public async Task<ConsentDto?> ChangeConsentAsync(Guid projectId, Guid storyId, bool quotesInReports, bool audioInWorkshops, Guid? by,
        CancellationToken ct)
    {
        if (!await StoryOfProjectExistsAsync(projectId, storyId, ct)) return null;
        var wanted = (quotesInReports ? ConsentScopes.QuotesInReports : 0) | (audioInWorkshops ? ConsentScopes.AudioInWorkshops : 0);
        if (!await consent.ChangeAsync(storyId, wanted, by, ct)) return null;
        var scopes = await db.Stories.AsNoTracking().Where(s => s.Id == storyId).Select(s => s.Consent.Scopes).SingleOrDefaultAsync(ct);
        return new ConsentDto(scopes.AllowsAnalysis(), scopes.HasFlag(ConsentScopes.QuotesInReports), scopes.HasFlag(ConsentScopes.AudioInWorkshops));
    }

    /// <summary>Paragraphs of a published update, for rendering as plain &lt;p&gt; elements (never as HTML).</summary>
    public static IReadOnlyList<string> Paragraphs(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] :
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The one ownership check of this feature: the story is one of this project's.</summary>
    private Task<bool> StoryOfProjectExistsAsync(Guid projectId, Guid storyId, CancellationToken ct) =>
        db.Stories.AnyAsync(s => s.Id == storyId && s.ProjectId == projectId, ct);
}
