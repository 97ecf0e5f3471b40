using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Features.Reports;

/// <summary>
/// When a teller withdraws a story, every report that quoted it loses the quotes (Markdown and quote rows) and is
/// marked stale with the reason, inside the withdrawal's transaction. Afterwards no report row holds the story's text.
/// The same happens when a teller keeps the story but no longer allows quotes from it.
/// </summary>
public sealed partial class ReportWithdrawalListener(StorytellingDbContext db, TimeProvider time, ILogger<ReportWithdrawalListener> logger)
    : IStoryWithdrawalListener, IStoryConsentListener
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Report {ReportId} marked stale: quotes of story {StoryId} removed")]
    private static partial void LogStale(ILogger logger, Guid reportId, Guid storyId);

    private static readonly System.Globalization.CultureInfo Dutch = System.Globalization.CultureInfo.GetCultureInfo("nl-NL");

    public const string WithdrawnReason = "Een verhaal dat in dit rapport stond is door de verteller ingetrokken op {0}.";
    public const string QuotesWithdrawnReason = "Een verteller wil niet meer geciteerd worden (sinds {0}); de citaten uit dat verhaal zijn uit dit rapport gehaald.";

    /// <summary>
    /// The stale reason as a page shows it: stored in Dutch (the report is a Dutch document), worded in the reader's
    /// language for anyone else — which of the two reasons it is, is told by the stored sentence's start.
    /// </summary>
    public static string? ReasonForReader(string? stored, DateTimeOffset? staleAt)
    {
        if (UiLanguages.Current == "nl" || staleAt is not { } at) return stored;
        var quotesOnly = stored?.StartsWith(QuotesWithdrawnReason[..QuotesWithdrawnReason.IndexOf('{', StringComparison.Ordinal)], StringComparison.Ordinal) == true;
        return SharedText.Format(quotesOnly ? "Stale_QuotesWithdrawn" : "Stale_Withdrawn", UiLanguages.Date(at));
    }

    public Task OnStoryWithdrawingAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken) =>
        RemoveQuotesAsync(projectId, storyId, WithdrawnReason, cancellationToken);

    public Task OnQuotesConsentWithdrawnAsync(Guid projectId, Guid storyId, CancellationToken cancellationToken) =>
        RemoveQuotesAsync(projectId, storyId, QuotesWithdrawnReason, cancellationToken);

    // The reason is part of the report, a Dutch document, so it is written in Dutch whatever the reader's language.
    private async Task RemoveQuotesAsync(Guid projectId, Guid storyId, string reason, CancellationToken cancellationToken)
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
            report.StaleReason = string.Format(Dutch, reason, now.UtcDateTime.ToString("d MMMM yyyy", Dutch));
            report.Version++;
            report.UpdatedAt = now;
            var reportId = report.Id;
            LogStale(logger, reportId, storyId);
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
