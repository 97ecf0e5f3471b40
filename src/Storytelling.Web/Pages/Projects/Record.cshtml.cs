using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Web.Pages.Shared;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Projects;

/// <summary>
/// Interviewer mode: a peer reporter or facilitator records someone else's story on their own phone. The teller's
/// consent is given aloud and confirmed here; the teller is named only by a fictive name.
/// </summary>
[Authorize(Policy = Policies.Capture)]
public sealed class RecordModel(StorytellingDbContext db, Features.Evaluation.CaptureWindow window) : ProjectPageModel
{

    public RecorderView Recorder { get; private set; } = null!;
    /// <summary>The project is past gathering and no round is open: say so before anyone records in vain.</summary>
    public bool NotCollecting { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? chunkKb, CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == ProjectId, ct);
        if (project is null) return NotFound();
        // In an open co-evaluation round the interviewer asks the round's question.
        var open = await window.ForInterviewerAsync(project, ct);
        NotCollecting = !open.Open;
        Recorder = new RecorderView(RecorderView.InterviewerMode, null, project.Id, project.Name, open.Question,
            project.AllowVideo, project.MaxRecordingBytes, project.MaxRecordingSeconds, RecorderView.ChunkBytesFrom(chunkKb), open.Questions);
        return Page();
    }
}
