using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Reports;

/// <summary>
/// When a teller withdraws a story, every report that quoted it loses the quotes (Markdown and quote rows) and is
/// marked stale with the reason, inside the withdrawal's transaction. Afterwards no report row holds the story's text.
/// </summary>
public sealed partial class ReportWithdrawalListener(StorytellingDbContext db, TimeProvider time, ILogger<ReportWithdrawalListener> logger) : IStoryWithdrawalListener
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Report {ReportId} marked stale: story {StoryId} withdrawn")]
    private static partial void LogStale(ILogger logger, Guid reportId, Guid storyId);

    private static readonly System.Globalization.CultureInfo Dutch = System.Globalization.CultureInfo.GetCultureInfo("nl-NL");

    public async Task OnStoryWithdrawingAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken)
    {
        var reportIds = await db.ReportQuotes.Where(q => q.StoryId == storyId).Select(q => q.ReportId).Distinct().ToListAsync(cancellationToken);
        if (reportIds.Count == 0) return;
        var now = time.GetUtcNow();
        var reports = await db.Reports.Include(r => r.Quotes).Where(r => reportIds.Contains(r.Id) && r.ProjectId == projectId).ToListAsync(cancellationToken);
        foreach (var report in reports)
        {
            var quotes = report.Quotes.Where(q => q.StoryId == storyId).ToList();
            report.Markdown = ReportMarkdown.RemoveStory(report.Markdown, storyId, quotes.Select(q => q.Text));
            db.ReportQuotes.RemoveRange(quotes);
            report.StaleAt = now;
            report.StaleReason = $"Een verhaal dat in dit rapport stond is door de verteller ingetrokken op {now.UtcDateTime.ToString("d MMMM yyyy", Dutch)}.";
            report.Version++;
            report.UpdatedAt = now;
            var reportId = report.Id;
            LogStale(logger, reportId, storyId);
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
