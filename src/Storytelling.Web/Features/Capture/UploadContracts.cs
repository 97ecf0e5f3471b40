using Storytelling.Core.Capture;

namespace Storytelling.Web.Features.Capture;

public sealed record ConsentInput(bool Analysis, bool QuotesInReports, bool AudioInWorkshops);

/// <param name="ConsentGivenVerbally">Only for a signed-in interviewer or facilitator recording on a teller's behalf.</param>
public sealed record CreateUploadRequest(long? SizeBytes, string? MediaType, string? Sha256, ConsentInput? Consent,
    string? Language, string? TellerPseudonym, bool? ConsentGivenVerbally);

public sealed record UploadDto(string UploadId, long SizeBytes, long ReceivedBytes, int MaxChunkBytes, DateTimeOffset ExpiresAt,
    UploadStatus Status, Guid? StoryId);

public sealed record ChunkAcceptedDto(long ReceivedBytes);

/// <param name="ReceiptCode">Only in the answer that created the story, or to a repeated call that proves it holds the
/// recording (<see cref="CompleteUploadRequest"/>); never in the upload's status.</param>
public sealed record CompletedUploadDto(Guid StoryId, string? ReceiptCode, long DurationMs, string Format);

/// <param name="Sha256">The recording's SHA-256 (hex), sent by a phone that asks again after the first answer got lost.</param>
public sealed record CompleteUploadRequest(string? Sha256);

/// <summary>Either a value or a refusal a teller can read.</summary>
public sealed record Outcome<T>(T? Value, CaptureErrors.Error? Error = null, Dictionary<string, object?>? Extra = null)
{
    public static implicit operator Outcome<T>(T value) => new(value);
    public static implicit operator Outcome<T>(CaptureErrors.Error error) => new(default, error);
}
