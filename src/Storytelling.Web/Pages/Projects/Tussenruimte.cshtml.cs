using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Workshops;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

[Authorize(Policy = Policies.Analyse)]
public sealed class TussenruimteModel(StorytellingDbContext db, TussenruimteService tussenruimte) : ProjectPageModel
{
    public string ProjectName { get; private set; } = "";
    public TussenruimteDto Result { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var name = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return NotFound();
        ProjectName = name;
        Result = await tussenruimte.ComputeAsync(ProjectId, ct);
        return Page();
    }

    /// <summary>
    /// The resource key for the agreement's note in the reader's language (the API's <see cref="KappaResult.Note"/> is
    /// Dutch): no data, undefined (total agreement with both groups constant), or Landis &amp; Koch's band as in
    /// <see cref="Agreement.Describe"/>.
    /// </summary>
    public static string NoteKey(KappaResult k) => k.Kappa switch
    {
        null => k.Units == 0 ? "NoteNoData" : "NoteUndefined",
        < 0 => "BandBelowChance",
        < 0.21 => "BandSlight",
        < 0.41 => "BandFair",
        < 0.61 => "BandModerate",
        < 0.81 => "BandSubstantial",
        _ => "BandAlmostPerfect",
    };
}
