namespace Storytelling.Web.Pages.Shared;

/// <summary>
/// What the shared recorder markup (<c>_Recorder.cshtml</c>) needs from either capture page. The same steps serve a
/// resident with a capture link and an interviewer who is signed in; only the endpoints and the consent step differ.
/// </summary>
public sealed record RecorderView(
    string Mode,
    string? Token,
    Guid ProjectId,
    string ProjectName,
    string GuidingQuestion,
    bool AllowVideo,
    long MaxRecordingBytes,
    int MaxRecordingSeconds,
    int ChunkBytes,
    IReadOnlyDictionary<string, string>? Questions = null)
{
    /// <summary>The question by language as JSON, for the script that switches language on the phone.</summary>
    public string QuestionsJson => System.Text.Json.JsonSerializer.Serialize(Questions ?? new Dictionary<string, string> { ["nl"] = GuidingQuestion });

    public const string TellerMode = "teller";
    public const string InterviewerMode = "interviewer";

    /// <summary>256 KB: small enough to get through a weak mobile connection, big enough to keep requests few.</summary>
    public const int DefaultChunkBytes = 256 * 1024;

    /// <summary>
    /// A test (or an organisation with very poor coverage) may ask for smaller chunks with <c>?chunkKb=</c>; it is
    /// clamped so nobody can make the phone send thousands of tiny requests or one huge one.
    /// </summary>
    public static int ChunkBytesFrom(string? chunkKb) =>
        int.TryParse(chunkKb, out var kb) ? Math.Clamp(kb, 4, 1024) * 1024 : DefaultChunkBytes;

    public bool IsInterviewer => Mode == InterviewerMode;
}
