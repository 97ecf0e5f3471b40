using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Exchange;
using Storytelling.Web.Features.Projects;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// Download the project (.qdpx) or codebook (.qdc) for ATLAS.ti, MAXQDA, NVivo or QualCoder, and bring a codebook or
/// project back in. Downloads are plain links to the API; uploads are forms calling the same code as the API.
/// </summary>
[Authorize(Policy = Policies.Analyse)]
[RequestSizeLimit(2L * 1024 * 1024 * 1024)]
[RequestFormLimits(MultipartBodyLengthLimit = 2L * 1024 * 1024 * 1024)]
public sealed class ExchangeModel(StorytellingDbContext db, ExchangeService exchange) : ProjectPageModel
{

    public string ProjectName { get; private set; } = "";
    public bool CanExport { get; private set; }
    public bool CanImport { get; private set; }
    /// <summary>Sentences the import gave when it refused a file (Dutch; other languages show <see cref="RefusedKey"/>).</summary>
    public List<string> Errors { get; private set; } = [];
    /// <summary>This page's sentence for a refused file, a key of Exchange.resx.</summary>
    public string? RefusedKey { get; private set; }
    /// <summary>Problems worded by this page's resources (keys of Exchange.resx).</summary>
    public List<string> ErrorKeys { get; } = [];
    /// <summary>The notice to show: a key of Exchange.resx and its arguments.</summary>
    public (string Key, object[] Args)? Message { get; private set; }
    /// <summary>What a project import left out, each with its source and reason (the report under the notice).</summary>
    public IReadOnlyList<QdpxSkippedItem> Skipped { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostCodebookAsync(IFormFile? file, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanImport) return Forbid();
        if (file is null || file.Length == 0) { ErrorKeys.Add("ChooseQdc"); return Page(); }
        await using var stream = file.OpenReadStream();
        var result = await exchange.ImportCodebookAsync(ProjectId, stream, User.PersonId(), ct);
        if (result.Refusal is { } refusal) Refused(refusal, "ErrorCodebookRefused");
        else if (result.Imported is { } imported)
            Message = ("CodebookImported", [imported.Created, imported.Merged]);
        return Page();
    }

    public async Task<IActionResult> OnPostProjectAsync(IFormFile? file, bool consentConfirmed, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return NotFound();
        if (!CanImport) return Forbid();
        if (file is null || file.Length == 0) { ErrorKeys.Add("ChooseQdpx"); return Page(); }
        await using var stream = file.OpenReadStream();
        var result = await exchange.ImportProjectAsync(ProjectId, consentConfirmed, stream, User.PersonId(), ct);
        if (result.Refusal is { } refusal) Refused(refusal, "ErrorProjectRefused");
        else if (result.Imported is { } r)
        {
            Message = ("ProjectImported", [r.Stories, r.Recordings, r.Codings, r.ThemesCreated, r.ThemesMerged, r.Notes]);
            Skipped = r.Skipped;
        }
        return Page();
    }

    private void Refused(string sentence, string key)
    {
        Errors.Add(sentence);
        RefusedKey = key;
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return false;
        ProjectName = name;
        var roles = await MyRolesAsync(ct);
        CanExport = roles.Any(Policies.ProjectRoles[Policies.Export].Contains);
        CanImport = roles.Any(Policies.ProjectRoles[Policies.Import].Contains);
        return true;
    }
}
