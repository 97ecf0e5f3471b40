using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects.Stories;

/// <summary>The transcript workspace: the page is a shell, wwwroot/js/transcript.js reads and writes through the
/// transcript API, so the page and the API can never disagree about pseudonyms or rights.</summary>
[Authorize(Policy = Policies.Analyse)]
public sealed class TranscriptModel(StorytellingDbContext db, TranscriptService transcripts, Features.Pseudonyms.PseudonymService pseudonyms) : ProjectPageModel
{
    public Guid StoryId => RouteId("storyId");

    public string ProjectName { get; private set; } = "";
    public string TellerPseudonym { get; private set; } = "";
    /// <summary>Only readers who see originals (the facilitator) can mark names and places as pseudonyms.</summary>
    public bool SeesOriginals { get; private set; }
    /// <summary>Set when the retention job removed the audio, so the page says why there is no player.</summary>
    public bool AudioDeleted { get; private set; }
    /// <summary>The project's retention period in days, named in that note when there is one.</summary>
    public int? AudioRetentionDays { get; private set; }
    /// <summary>Set when the story never had a recording (a transcript imported without its media), so the page says so.</summary>
    public bool AudioNotIncluded { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var story = await transcripts.FindStoryAsync(ProjectId, StoryId, ct);
        if (story is null) return NotFound();
        ProjectName = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.Name).SingleAsync(ct);
        TellerPseudonym = story.TellerPseudonym;
        SeesOriginals = await pseudonyms.SeesOriginalsAsync(ProjectId, User.PersonId(), ct);
        var deleted = await db.Recordings.Where(r => r.StoryId == StoryId).OrderByDescending(r => r.CreatedAt)
            .Select(r => r.AudioDeletedAt).FirstOrDefaultAsync(ct);
        AudioNotIncluded = !await db.Recordings.AnyAsync(r => r.StoryId == StoryId, ct);
        if (deleted is not null)
        {
            AudioDeleted = true;
            AudioRetentionDays = await db.Projects.Where(p => p.Id == ProjectId).Select(p => p.AudioRetentionDays).SingleAsync(ct);
        }
        return Page();
    }
}
