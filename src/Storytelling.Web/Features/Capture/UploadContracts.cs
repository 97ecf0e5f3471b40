using Storytelling.Core.Capture;

namespace Storytelling.Web.Features.Capture;

public sealed record ConsentInput(bool Analysis, bool QuotesInReports, bool AudioInWorkshops);

/// <param name="ConsentGivenVerbally">Only for a signed-in interviewer or facilitator recording on a teller's behalf.</param>
public sealed record CreateUploadRequest(long? SizeBytes, string? MediaType, string? Sha256, ConsentInput? Consent,
    string? Language, string? TellerPseudonym, bool? ConsentGivenVerbally);

public sealed record UploadDto(string UploadId, long SizeBytes, long ReceivedBytes, int MaxChunkBytes, DateTimeOffset ExpiresAt,
    UploadStatus Status, Guid? StoryId, string? ReceiptCode);

public sealed record ChunkAcceptedDto(long ReceivedBytes);

public sealed record CompletedUploadDto(Guid StoryId, string ReceiptCode, long DurationMs, string Format);

/// <summary>Either a value or a refusal a teller can read.</summary>
public sealed record Outcome<T>(T? Value, CaptureErrors.Error? Error = null, Dictionary<string, object?>? Extra = null)
{
    public static implicit operator Outcome<T>(T value) => new(value);
    public static implicit operator Outcome<T>(CaptureErrors.Error error) => new(default, error);
}
