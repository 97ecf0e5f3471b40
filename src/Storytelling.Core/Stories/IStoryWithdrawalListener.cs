namespace Storytelling.Core.Stories;

/// <summary>
/// Told, inside the withdrawal's transaction and on its scoped DbContext, that a teller takes a story back — before
/// the story's rows are deleted. Features that keep copies of a story's material elsewhere (reports with quotes,
/// exports) remove those copies and mark what used them here, so the withdrawal leaves no trace.
/// </summary>
public interface IStoryWithdrawalListener
{
    Task OnStoryWithdrawingAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken);

    /// <summary>Told after the withdrawal committed, so a listener can tell open pages (a workshop's board) what went.</summary>
    Task OnStoryWithdrawnAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken) => Task.CompletedTask;
}
