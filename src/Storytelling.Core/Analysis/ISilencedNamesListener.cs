namespace Storytelling.Core.Analysis;

/// <summary>
/// Told after a pseudonym marked "silence audio" was added or removed, so copies of recordings made for the old set
/// of silenced names are deleted (and made again for the new set when someone listens).
/// </summary>
public interface ISilencedNamesListener
{
    /// <param name="storyId">The story the pseudonym belongs to; null for a project-wide pseudonym.</param>
    Task OnSilencedNamesChangedAsync(Guid projectId, Guid? storyId, CancellationToken cancellationToken);
}
