using Storytelling.Core.Stories;

namespace Storytelling.Core.Transcription;

/// <summary>
/// A durable queue entry: the worker claims it with a lease, renews the lease while it works, and a job whose
/// lease ran out (its worker died) is claimed again. The database is the queue, so no broker is needed.
/// </summary>
public sealed class TranscriptionJob
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public Guid RecordingId { get; set; }
    public Recording? Recording { get; set; }
    public TranscriptionJobStatus Status { get; set; } = TranscriptionJobStatus.Queued;
    public int Attempts { get; set; }
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public DateTimeOffset NotBefore { get; set; }
    public int ProgressPercent { get; set; }
    /// <summary>Reason a facilitator can read; never transcript text or file paths.</summary>
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
}

public enum TranscriptionJobStatus
{
    Queued,
    Running,
    WaitingForModel,
    Succeeded,
    NoSpeech,
    Failed,
}
