using Storytelling.Core.Transcription;

namespace Storytelling.Web.Features.Stories;

/// <summary>
/// What a person sees about a story's transcription: a state code for scripts, a Dutch label, the percentage while
/// it runs and, for "failed" and "waiting for model", the reason in one sentence.
/// </summary>
public sealed record TranscriptionStatusDto(string State, int? Percent, string Label, string? Reason)
{
    public static TranscriptionStatusDto? From(TranscriptionJobStatus? status, int percent, string? lastError) => status switch
    {
        null => null,
        TranscriptionJobStatus.Queued => new("queued", null, lastError is null ? "In de wachtrij" : "In de wachtrij (wordt opnieuw geprobeerd)", lastError),
        TranscriptionJobStatus.Running => new("transcribing", percent, $"Wordt uitgeschreven: {percent}%", null),
        TranscriptionJobStatus.WaitingForModel => new("waiting-for-model", null, "Wacht op een spraakmodel", lastError),
        TranscriptionJobStatus.Succeeded => new("ready", 100, "Uitgeschreven", null),
        TranscriptionJobStatus.NoSpeech => new("no-speech", 100, "Geen spraak gevonden", "In deze opname is geen spraak gevonden; er is dus geen tekst gemaakt."),
        TranscriptionJobStatus.Failed => new("failed", null, "Uitschrijven mislukt", lastError),
        _ => null,
    };
}
