namespace Storytelling.Core.Stories;

/// <summary>
/// Told, inside the consent change's transaction, that a teller no longer allows quotes from a story in reports.
/// Features that already copied quotes (reports) remove them and mark what used them, as for a withdrawal.
/// </summary>
public interface IStoryConsentListener
{
    Task OnQuotesConsentWithdrawnAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken);
}
