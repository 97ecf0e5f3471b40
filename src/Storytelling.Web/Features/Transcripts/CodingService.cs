using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Pseudonyms;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>Who applies a theme: a member with their role in the project, or a guest in a live workshop (no account).</summary>
public sealed record CodingAuthor(Guid? PersonId, ProjectRole Role, string DisplayName, Guid? WorkshopSessionId = null, Guid? ParticipantId = null);

public sealed record NewCoding(Guid StoryId, Guid ThemeId, int StartChar, int EndChar, string? Memo);

/// <summary>Either the coding or field errors for a 400, never both.</summary>
public sealed record CodingResult(CodingDto? Coding, Dictionary<string, string[]>? Errors);

/// <summary>
/// The one place a coding is made or removed, whether from the transcript page, the API or a phone in a workshop:
/// it checks that story, theme and character range belong together, derives the time range from the segments,
/// records it in the audit log (ids only) and tells the listeners (the live workshop).
/// </summary>
public sealed class CodingService(StorytellingDbContext db, TimeProvider time, PseudonymService pseudonyms, IEnumerable<IAnalysisEvents> listeners)
{
    public const int MaxMemoLength = 4000;
    public const int MaxCodedChars = 5000;

    public async Task<CodingResult> CreateAsync(Guid projectId, NewCoding input, CodingAuthor author, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var story = await db.Stories.AsNoTracking()
            .Where(s => s.Id == input.StoryId && s.ProjectId == projectId).Analysable()
            .Select(s => new { s.Id })
            .SingleOrDefaultAsync(ct);
        if (story is null) errors["storyId"] = ["This story is not in the project, or its teller did not agree to analysis."];
        var theme = await db.Themes.AsNoTracking().Where(t => t.Id == input.ThemeId && t.ProjectId == projectId)
            .Select(t => new { t.Id, t.MergedIntoId }).SingleOrDefaultAsync(ct);
        if (theme is null) errors["themeId"] = ["This theme is not in the project's codebook."];
        else if (theme.MergedIntoId is not null) errors["themeId"] = ["This theme was merged into another; apply that one."];
        if (input.Memo is { Length: > MaxMemoLength }) errors["memo"] = [$"A memo can be at most {MaxMemoLength} characters."];
        if (errors.Count > 0) return new CodingResult(null, errors);

        var transcript = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == input.StoryId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (transcript is null) return Fail("storyId", "This story has no transcript yet.");
        var text = TranscriptText.From(transcript.Segments);
        if (input.StartChar < 0 || input.EndChar > text.Text.Length || input.StartChar >= input.EndChar)
            return Fail("range", $"The selection must lie within the transcript (0–{text.Text.Length}) and not be empty.");
        if (input.EndChar - input.StartChar > MaxCodedChars)
            return Fail("range", $"A coded fragment can be at most {MaxCodedChars} characters.");
        if (string.IsNullOrWhiteSpace(text.Text[input.StartChar..input.EndChar]))
            return Fail("range", "The selection holds only white space.");

        var now = time.GetUtcNow();
        var coding = new Coding
        {
            ThemeId = input.ThemeId,
            TranscriptId = transcript.Id,
            StartChar = input.StartChar,
            EndChar = input.EndChar,
            StartMs = text.MsAt(input.StartChar),
            EndMs = Math.Max(text.MsAt(input.StartChar), text.MsAt(input.EndChar)),
            AuthorPersonId = author.PersonId,
            AuthorRole = author.Role,
            CreatedAt = now,
            Memo = string.IsNullOrWhiteSpace(input.Memo) ? null : input.Memo.Trim(),
            WorkshopSessionId = author.WorkshopSessionId,
            ParticipantId = author.ParticipantId,
        };
        db.Codings.Add(coding);
        db.Record(time, "coding.created", author.PersonId, projectId, "coding", coding.Id);
        await db.SaveChangesAsync(ct);

        // Listeners may reach guests, so they get the pseudonymised fragment.
        var filter = await pseudonyms.ForReaderAsync(projectId, input.StoryId, seesOriginals: false, ct);
        var dto = ToDto(coding, input.StoryId, filter.Apply(text.Text[input.StartChar..input.EndChar]), author.DisplayName);
        foreach (var listener in listeners) await listener.CodingAddedAsync(projectId, dto, ct);
        return new CodingResult(dto, null);
    }

    /// <summary>Removes a coding of this project; false when there is none. Who may remove is the caller's decision.</summary>
    public async Task<bool> RemoveAsync(Guid projectId, Guid codingId, Guid? byPersonId, CancellationToken ct)
    {
        var rows = await db.Codings.Where(c => c.Id == codingId && c.Theme!.ProjectId == projectId).ExecuteDeleteAsync(ct);
        if (rows == 0) return false;
        db.Record(time, "coding.removed", byPersonId, projectId, "coding", codingId);
        await db.SaveChangesAsync(ct);
        foreach (var listener in listeners) await listener.CodingRemovedAsync(projectId, codingId, ct);
        return true;
    }

    public static CodingDto ToDto(Coding c, Guid storyId, string text, string? authorName) =>
        new(c.Id, storyId, c.TranscriptId, c.ThemeId, c.StartChar, c.EndChar, c.StartMs, c.EndMs, text,
            c.AuthorRole.ToString(), authorName, c.CreatedAt, c.Memo, c.WorkshopSessionId);

    private static CodingResult Fail(string field, string message) => new(null, new Dictionary<string, string[]> { [field] = [message] });
}
