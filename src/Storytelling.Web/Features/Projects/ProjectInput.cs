using Storytelling.Core.Projects;

namespace Storytelling.Web.Features.Projects;

/// <summary>What a facilitator or administrator may set on a project; shared by the API and the pages.</summary>
public sealed record ProjectInput(
    string? Name,
    string? GuidingQuestion,
    string? DefaultLanguage,
    IReadOnlyList<string>? AllowedLanguages,
    ProjectPhase? Phase,
    long? MaxRecordingBytes,
    int? MaxRecordingSeconds,
    bool? AllowVideo,
    int? AudioRetentionDays)
{
    public const long MaxRecordingBytesCeiling = 4L * 1024 * 1024 * 1024;
    public const int MaxRecordingSecondsCeiling = 6 * 60 * 60;

    /// <summary>Field → messages; empty when valid. Messages are plain English sentences a client can show.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        var name = Name?.Trim();
        if (string.IsNullOrEmpty(name)) errors["name"] = ["Give the project a name."];
        else if (name.Length > 200) errors["name"] = ["A project name can be at most 200 characters."];
        var question = GuidingQuestion?.Trim();
        if (string.IsNullOrEmpty(question)) errors["guidingQuestion"] = ["Give the guiding question tellers will answer."];
        else if (question.Length > 1000) errors["guidingQuestion"] = ["The guiding question can be at most 1000 characters."];

        var allowed = NormalisedLanguages();
        if (allowed.Count == 0 || allowed.Count > 50 || !allowed.All(IsLanguageCode))
            errors["allowedLanguages"] = ["List between 1 and 50 languages as ISO 639-1 codes, such as 'nl', 'en', 'ar'."];
        var defaultLanguage = (DefaultLanguage ?? "nl").Trim().ToLowerInvariant();
        if (defaultLanguage != "auto" && !IsLanguageCode(defaultLanguage))
            errors["defaultLanguage"] = ["The default language must be an ISO 639-1 code such as 'nl', or 'auto' to detect it."];
        else if (defaultLanguage != "auto" && !errors.ContainsKey("allowedLanguages") && !allowed.Contains(defaultLanguage))
            errors["defaultLanguage"] = ["The default language must be one of the allowed languages."];

        if (MaxRecordingBytes is { } bytes && (bytes < 1024 * 1024 || bytes > MaxRecordingBytesCeiling))
            errors["maxRecordingBytes"] = ["The size limit must be between 1 MB and 4 GB."];
        if (MaxRecordingSeconds is { } seconds && (seconds < 10 || seconds > MaxRecordingSecondsCeiling))
            errors["maxRecordingSeconds"] = ["The duration limit must be between 10 seconds and 6 hours."];
        if (AudioRetentionDays is { } days && (days < 1 || days > 3650))
            errors["audioRetentionDays"] = ["Audio retention must be between 1 and 3650 days, or empty to keep audio."];
        if (Phase is { } phase && !Enum.IsDefined(phase))
            errors["phase"] = ["Unknown phase."];
        return errors;
    }

    public void ApplyTo(Project project)
    {
        project.Name = Name!.Trim();
        project.GuidingQuestion = GuidingQuestion!.Trim();
        project.AllowedLanguages = NormalisedLanguages();
        project.DefaultLanguage = (DefaultLanguage ?? "nl").Trim().ToLowerInvariant();
        // The phase is not set here: it moves through /api/projects/{id}/phase, which keeps its history and audit.
        if (MaxRecordingBytes is { } bytes) project.MaxRecordingBytes = bytes;
        if (MaxRecordingSeconds is { } seconds) project.MaxRecordingSeconds = seconds;
        if (AllowVideo is { } video) project.AllowVideo = video;
        project.AudioRetentionDays = AudioRetentionDays;
    }

    private List<string> NormalisedLanguages() =>
        (AllowedLanguages is { Count: > 0 } ? AllowedLanguages : ["nl"])
            .Select(l => (l ?? "").Trim().ToLowerInvariant()).Distinct().ToList();

    private static bool IsLanguageCode(string code) => code.Length is 2 or 3 && code.All(char.IsAsciiLetterLower);
}

public sealed record ProjectDto(
    Guid Id,
    string Name,
    string GuidingQuestion,
    string DefaultLanguage,
    IReadOnlyList<string> AllowedLanguages,
    ProjectPhase Phase,
    long MaxRecordingBytes,
    int MaxRecordingSeconds,
    bool AllowVideo,
    int? AudioRetentionDays,
    IReadOnlyList<ProjectRole> MyRoles)
{
    public static ProjectDto From(Project p, IReadOnlyList<ProjectRole> myRoles) => new(
        p.Id, p.Name, p.GuidingQuestion, p.DefaultLanguage, p.AllowedLanguages, p.Phase,
        p.MaxRecordingBytes, p.MaxRecordingSeconds, p.AllowVideo, p.AudioRetentionDays, myRoles);
}

public sealed record MemberDto(Guid PersonId, string DisplayName, string? Email, IReadOnlyList<ProjectRole> Roles);
