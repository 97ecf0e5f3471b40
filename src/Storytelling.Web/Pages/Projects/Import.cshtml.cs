using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// A facilitator brings in a story recorded before the project used this app: audio plus an existing transcript.
/// The form posts to this page (works without script) and goes through the same <see cref="ImportService"/> as the API.
/// </summary>
[Authorize(Policy = Policies.Import)]
// A recording may be as large as a project allows (at most 4 GB); the project's own limit is checked while storing.
[RequestSizeLimit(ProjectInput.MaxRecordingBytesCeiling + TranscriptFormats.MaxFileBytes + 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = ProjectInput.MaxRecordingBytesCeiling + TranscriptFormats.MaxFileBytes)]
public sealed class ImportModel(StorytellingDbContext db, ImportService imports) : ProjectPageModel
{
    /// <summary>The import's field names and the keys of their names in Import.resx.</summary>
    public static readonly Dictionary<string, string> FieldKeys = new()
    {
        ["audio"] = "FieldAudio",
        ["transcript"] = "FieldTranscript",
        ["consentAnalysis"] = "FieldConsentAnalysis",
        ["consentConfirmed"] = "FieldConsentConfirmed",
        ["consentGivenOn"] = "FieldConsentGivenOn",
        ["tellerPseudonym"] = "FieldTellerPseudonym",
        ["language"] = "FieldLanguage",
        ["format"] = "FieldFormat",
    };

    [BindProperty] public IFormFile? Audio { get; set; }
    [BindProperty] public IFormFile? Transcript { get; set; }
    [BindProperty] public string? TellerPseudonym { get; set; }
    [BindProperty] public string? Language { get; set; }
    [BindProperty] public string? Format { get; set; }
    [BindProperty] public bool ConsentAnalysis { get; set; }
    [BindProperty] public bool ConsentQuotesInReports { get; set; }
    [BindProperty] public bool ConsentAudioInWorkshops { get; set; }
    [BindProperty] public bool ConsentConfirmed { get; set; }
    [BindProperty] public DateOnly? ConsentGivenOn { get; set; }

    public Project Project { get; private set; } = null!;
    public ImportedStoryDto? Imported { get; private set; }
    /// <summary>Problems found by this page: keys of Import.resx.</summary>
    public List<string> ErrorKeys { get; } = [];
    /// <summary>Problems the import found: the field and its sentence (the import words them in English).</summary>
    public List<(string Field, string Message)> FieldErrors { get; } = [];
    public bool Failed => ErrorKeys.Count > 0 || FieldErrors.Count > 0;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (Audio is null || Audio.Length == 0) ErrorKeys.Add("ErrorNoAudio");
        if (Transcript is null || Transcript.Length == 0) ErrorKeys.Add("ErrorNoTranscript");
        else if (Transcript.Length > TranscriptFormats.MaxFileBytes) ErrorKeys.Add("ErrorTranscriptTooLarge");
        if (!ModelState.IsValid && ModelState[nameof(ConsentGivenOn)]?.Errors.Count > 0) ErrorKeys.Add("ErrorConsentDate");
        if (Failed) return Page();

        byte[] transcript;
        await using (var source = Transcript!.OpenReadStream())
        using (var buffer = new MemoryStream())
        {
            await source.CopyToAsync(buffer, ct);
            transcript = buffer.ToArray();
        }
        await using var audio = Audio!.OpenReadStream();
        var (media, refusal) = await imports.StoreAudioAsync(Project, audio, Audio.ContentType, ct);
        var outcome = refusal ?? await imports.ImportAsync(Project,
            new ImportForm(TellerPseudonym, Language, Format, ConsentAnalysis, ConsentQuotesInReports, ConsentAudioInWorkshops, ConsentConfirmed, ConsentGivenOn),
            media!, transcript, Transcript.FileName, User.PersonId()!.Value, ct);
        if (outcome.Story is null)
        {
            foreach (var (field, messages) in outcome.Errors!)
                FieldErrors.AddRange(messages.Select(m => (field, m)));
            return Page();
        }
        Imported = outcome.Story;
        return Page();
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == ProjectId, ct);
        if (project is null) return false;
        Project = project;
        return true;
    }
}
