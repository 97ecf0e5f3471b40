using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Stories;
using Storytelling.Web.Features.Tellers;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Security;

namespace Storytelling.Web.Pages.Teller;

/// <summary>
/// The teller's own story, opened by the cookie from <see cref="EnterModel"/>. The teller sees their own words as
/// spoken: pseudonyms protect tellers and the people they name from other readers, not from the teller who said them.
/// Plain forms, so it works without script on any phone.
/// </summary>
[EnableRateLimiting(RateLimits.Anonymous)]
[TextCheckedByPage("text")]
public sealed class MineModel(TellerAccess access, StorytellingDbContext db, TellersService tellers, TranscriptService transcripts) : PageModel
{
    public Story? Story { get; private set; }
    public string? Status { get; private set; }
    public Transcript? Latest { get; private set; }
    public bool AudioAvailable { get; private set; }
    public IReadOnlyList<string> Themes { get; private set; } = [];
    public IReadOnlyList<string> Update { get; private set; } = [];
    public DateTimeOffset? UpdateAt { get; private set; }
    /// <summary>The segment being corrected (?fix=N), or null.</summary>
    public int? Fixing { get; private set; }
    public bool ConfirmingWithdrawal { get; private set; }
    public string? Notice { get; private set; }
    public string? Problem { get; private set; }
    public string? Draft { get; private set; }
    public bool Withdrawn { get; private set; }

    public async Task<IActionResult> OnGetAsync(int? fix, string? stap, bool saved, bool consentSaved, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Redirect("/verhaal?closed=true");
        Fixing = fix is { } f && Latest?.Segments.Any(s => s.Position == f) == true ? f : null;
        ConfirmingWithdrawal = stap == "intrekken";
        if (saved) Notice = "Saved";
        if (consentSaved) Notice = "ConsentSaved";
        return Page();
    }

    /// <summary>Quotes and playback, on or off; an unticked box is simply absent from the form.</summary>
    public async Task<IActionResult> OnPostConsentAsync(bool quotes, bool audio, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Redirect("/verhaal?closed=true");
        // The teller's own story, in its own project: the same service a facilitator's change goes through, by nobody.
        if (await tellers.ChangeConsentAsync(Story!.ProjectId, Story.Id, quotes, audio, null, ct) is null) return Redirect("/verhaal?closed=true");
        return Redirect("/verhaal/mijn?consentSaved=true#h-consent");
    }

    public async Task<IActionResult> OnPostFixAsync(int position, int baseVersion, string? text, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Redirect("/verhaal?closed=true");
        if (Latest is null || Latest.Segments.All(s => s.Position != position)) return RedirectToPage();
        var trimmed = text?.Trim() ?? "";
        Problem = trimmed.Length == 0 ? "FixEmpty"
            : trimmed.Length > TranscriptApi.MaxSegmentLength ? "FixTooLong"
            : baseVersion != Latest.Version ? "FixStale"
            : null;
        if (Problem is null)
        {
            var ordered = Latest.Segments.OrderBy(s => s.Position).ToList();
            var input = ordered.Select(s => new SegmentInput(s.Position, s.StartMs, s.EndMs,
                s.Position == position ? trimmed.ReplaceLineEndings(" ") : s.Text, s.SpeakerLabel)).ToList();
            // No pseudonyms in the teller's view, so the text they send is the stored text.
            var view = TranscriptView.For(ordered, []);
            var saved = await transcripts.SaveCorrectionAsync(Story!, Latest, view, input, null, ct);
            if (saved.Corrected is not null) return Redirect("/verhaal/mijn?saved=true");
            Problem = saved.Errors is null ? "FixStale"
                : saved.Errors.ContainsKey("segments") ? "FixNothing" : "FixInvalid";
        }
        Fixing = position;
        Draft = text;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostWithdrawAsync(string? confirm, CancellationToken ct)
    {
        if (!await LoadAsync(ct)) return Redirect("/verhaal?closed=true");
        if (confirm != "ja") return Redirect("/verhaal/mijn?stap=intrekken");
        await tellers.WithdrawAsync(Story!.ProjectId, Story.Id, null, ct);
        TellerAccess.SignOut(Response);
        Withdrawn = true;
        Story = null;
        return Page();
    }

    public IActionResult OnPostLeave()
    {
        TellerAccess.SignOut(Response);
        return Redirect("/verhaal");
    }

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        Story = await access.CurrentStoryAsync(Request, ct);
        if (Story is null) return false;
        var storyId = Story.Id;
        var job = await db.TranscriptionJobs.AsNoTracking().Where(j => j.Recording!.StoryId == storyId)
            .OrderByDescending(j => j.CreatedAt).Select(j => new { j.Status, j.ProgressPercent, j.LastError }).FirstOrDefaultAsync(ct);
        Status = job is null ? null : TranscriptionStatusDto.From(job.Status, job.ProgressPercent, job.LastError)?.State;
        Latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (Latest is not null)
        {
            Latest.Segments = Latest.Segments.OrderBy(s => s.Position).ToList();
            Status ??= "ready";
        }
        AudioAvailable = await db.Recordings.AnyAsync(r => r.StoryId == storyId && r.AudioDeletedAt == null, ct);
        // Theme names only: who coded what stays with the analysts.
        Themes = await db.Codings.AsNoTracking().Where(c => c.Transcript!.StoryId == storyId)
            .Select(c => c.Theme!.Name).Distinct().OrderBy(n => n).ToListAsync(ct);
        Update = TellersService.Paragraphs(Story.Project?.PublishedUpdate);
        UpdateAt = Story.Project?.PublishedUpdateAt;
        return true;
    }
}
