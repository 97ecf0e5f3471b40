using Storytelling.Core.Stories;

namespace Storytelling.Web.Features.Reports;

public static class ReportsSetup
{
    /// <summary>The one registration of the reports feature: its service, the drafting and the listener that keeps reports free of withdrawn quotes.</summary>
    public static IServiceCollection AddStorytellingReports(this IServiceCollection services) =>
        services.AddScoped<ReportsService>().AddScoped<ReportDrafting>().AddScoped<ReportWithdrawalListener>()
            .AddScoped<IStoryWithdrawalListener>(sp => sp.GetRequiredService<ReportWithdrawalListener>())
            .AddScoped<IStoryConsentListener>(sp => sp.GetRequiredService<ReportWithdrawalListener>());
}
