using Storytelling.Core.Transcription;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Features.Stories;

/// <summary>
/// What a person sees about a story's transcription: a state code for scripts, a label in the request's language, the percentage while
/// it runs and, for "failed" and "waiting for model", the reason in one sentence (the worker's reason is stored in Dutch).
/// </summary>
public sealed record TranscriptionStatusDto(string State, int? Percent, string Label, string? Reason)
{
    public static TranscriptionStatusDto? From(TranscriptionJobStatus? status, int percent, string? lastError) => status switch
    {
        null => null,
        TranscriptionJobStatus.Queued => new("queued", null, SharedText.Get(lastError is null ? "Transcription_Queued" : "Transcription_QueuedRetry"), lastError),
        TranscriptionJobStatus.Running => new("transcribing", percent, SharedText.Format("Transcription_Running", percent), null),
        TranscriptionJobStatus.WaitingForModel => new("waiting-for-model", null, SharedText.Get("Transcription_WaitingForModel"), lastError),
        TranscriptionJobStatus.Succeeded => new("ready", 100, SharedText.Get("Transcription_Succeeded"), null),
        TranscriptionJobStatus.NoSpeech => new("no-speech", 100, SharedText.Get("Transcription_NoSpeech"), SharedText.Get("Transcription_NoSpeechReason")),
        TranscriptionJobStatus.Failed => new("failed", null, SharedText.Get("Transcription_Failed"), lastError),
        _ => null,
    };
}
