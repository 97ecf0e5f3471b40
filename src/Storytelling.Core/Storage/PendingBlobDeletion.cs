namespace Storytelling.Core.Storage;

/// <summary>
/// A blob that must go but could not be deleted yet (the store was unreachable when its story was withdrawn).
/// Holds only the generated blob name; a background sweep retries until the store confirms, so audio is never
/// left behind silently.
/// </summary>
public sealed class PendingBlobDeletion
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string BlobName { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
}
