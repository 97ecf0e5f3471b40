namespace Storytelling.Core.Transcription;

/// <summary>
/// One row per running worker process, renewed every poll. The web app reads it to say whether transcription is
/// running and, when a worker lacks its model, the one sentence that tells an administrator how to fix it.
/// </summary>
public sealed class WorkerHeartbeat
{
    /// <summary>"machine:pid:random", unique per process start; also the jobs' lease owner.</summary>
    public required string Id { get; set; }
    public required string Machine { get; set; }
    public WorkerState State { get; set; }
    /// <summary>For <see cref="WorkerState.WaitingForModel"/>: how to fix it. Never personal data.</summary>
    public string? Message { get; set; }
    public string? ModelName { get; set; }
    /// <summary>The Whisper.net runtime the worker loaded ("cpu", "cuda", …); null until it loaded one.</summary>
    public string? Runtime { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
}

public enum WorkerState
{
    Idle,
    Transcribing,
    WaitingForModel,
    Stopped,
}
