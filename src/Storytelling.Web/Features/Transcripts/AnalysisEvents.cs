namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// Listeners to analysis changes (new or removed codings, codebook changes). The live workshop registers one that
/// pushes each change to everyone in the project's open sessions; with no listener registered nothing is pushed.
/// </summary>
public interface IAnalysisEvents
{
    Task CodingAddedAsync(Guid projectId, CodingDto coding, CancellationToken cancellationToken);
    Task CodingRemovedAsync(Guid projectId, Guid codingId, CancellationToken cancellationToken);
    Task CodebookChangedAsync(Guid projectId, CancellationToken cancellationToken);
}

/// <summary>A coding as every client sees it. <see cref="Text"/> is pseudonymised unless the reader may see originals.</summary>
public sealed record CodingDto(Guid Id, Guid StoryId, Guid TranscriptId, Guid ThemeId, int StartChar, int EndChar,
    long StartMs, long EndMs, string Text, string AuthorRole, string? AuthorName, DateTimeOffset CreatedAt, string? Memo,
    Guid? WorkshopSessionId);
