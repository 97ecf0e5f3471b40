using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Features.Stories;

/// <summary>
/// What a person sees about a story's transcription: a state code for scripts, a label in the request's language, the percentage while
/// it runs and, for "failed" and "waiting for model", the reason in one sentence (the worker's reason is stored in Dutch).
/// </summary>
public sealed record TranscriptionStatusDto(string State, int? Percent, string Label, string? Reason)
{
    /// <summary>The job's state, said together with what the transcript is: the computer's, imported, corrected.</summary>
    public static TranscriptionStatusDto? From(TranscriptionJobStatus? status, int percent, string? lastError, TranscriptKind? transcript) =>
        (status, transcript) switch
        {
            // An imported transcript has no job: it arrived written out.
            (null, { Origin: TranscriptOrigin.Imported } t) => new("ready", 100, t.Corrected ? SharedText.Format("Transcript_ImportedCorrected", t.Version) : SharedText.Get("Transcript_Imported"), null),
            (null, { } t) => new("ready", 100, t.Corrected ? SharedText.Format("Transcript_WrittenCorrected", t.Version) : SharedText.Get("Transcript_Written"), null),
            (null, null) => new("none", null, SharedText.Get("Transcript_None"), null),
            (TranscriptionJobStatus.Succeeded, { Corrected: true } t) => new("ready", 100, SharedText.Format("Transcript_MachineCorrected", t.Version), null),
            (TranscriptionJobStatus.Succeeded, _) => new("ready", 100, SharedText.Get("Transcript_Machine"), null),
            _ => From(status, percent, lastError),
        };

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

/// <summary>Where a story's text came from (its first version) and how far it has been corrected (its latest version).</summary>
public sealed record TranscriptKind(TranscriptOrigin Origin, int Version)
{
    public bool Corrected => Version > 1;
}
