using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Codebook;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects.Stories;

/// <summary>The project's stories: search, filters, paging, and each story's transcription as it goes.</summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class ListModel(StorytellingDbContext db, StoriesService stories, CodebookService codebook, CurrentMember member) : ProjectPageModel
{
    [BindProperty(SupportsGet = true, Name = "status")] public string? StatusFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "language")] public string? LanguageFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "themeId")] public Guid? ThemeFilter { get; set; }
    [BindProperty(SupportsGet = true, Name = "q")] public string? Query { get; set; }
    /// <summary>The ?page= of the address. Not bound: "page" is also Razor Pages' own route value (this page's name),
    /// which model binding prefers, so a bound property never saw the number and every page showed the first.</summary>
    public int? PageNumber { get; private set; }
    public int Total { get; private set; }
    public int PageSize { get; } = StoriesService.DefaultPageSize;
    public bool Filtered => !string.IsNullOrEmpty(StatusFilter) || !string.IsNullOrEmpty(LanguageFilter) || ThemeFilter is not null || !string.IsNullOrWhiteSpace(Query);
    public List<ThemeDto> Themes { get; private set; } = [];
    public Dictionary<string, string[]>? FilterErrors { get; private set; }
    public string ProjectName { get; private set; } = "";
    public bool CanCapture { get; private set; }
    public bool CanExport { get; private set; }
    public List<StorySummaryDto> Stories { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var name = await db.Projects.AsNoTracking().Where(p => p.Id == ProjectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (name is null) return NotFound();
        ProjectName = name;
        CanCapture = await member.MayAsync(Policies.Capture, ProjectId, ct);
        CanExport = await member.MayAsync(Policies.Export, ProjectId, ct);
        // A page number that is not a number (or does not fit one) counts as 0, which the filter refuses.
        if (Request.Query.TryGetValue("page", out var asked) && asked.Count > 0)
            PageNumber = int.TryParse(asked[0], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0;
        var filter = new StoryFilter(StatusFilter, LanguageFilter, ThemeFilter, Query, PageNumber ?? 1, PageSize);
        var result = await stories.SearchAsync(ProjectId, User.PersonId(), filter, ct);
        FilterErrors = result.Errors;
        if (FilterErrors is not null) PageNumber = null;
        // A filter that is not right shows every story below the message.
        var page = result.Page ?? (await stories.SearchAsync(ProjectId, User.PersonId(), new StoryFilter(PageSize: PageSize), ct)).Page!;
        Stories = page.Items;
        Total = page.Total;
        Themes = (await codebook.ListAsync(ProjectId, ct)).Where(t => t.MergedIntoId is null).ToList();
        return Page();
    }
}
