using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Storytelling.Web.Features.Tellers;

/// <summary>Marker type whose resources (TellerText.resx, .en.resx, .ar.resx) hold every string of the teller's pages.</summary>
public sealed class TellerText;

public static class TellerSetup
{
    public const string LanguageCookie = "storytelling-lang";
    public static readonly string[] Languages = ["nl", "en", "ar"];

    public static IServiceCollection AddTellerPages(this IServiceCollection services)
    {
        services.AddLocalization();
        services.AddOptions<TellerOptions>().BindConfiguration(TellerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TellerCodeLimiter>();
        services.AddScoped<TellerAccess>();
        services.AddScoped<StoryWithdrawal>();
        services.AddScoped<PendingBlobDeletions>();
        services.AddHostedService<PendingBlobSweeper>();
        return services;
    }

    /// <summary>
    /// Only the teller's pages follow the visitor's language (the staff pages are Dutch): an explicit choice
    /// (?lang=, then remembered in a cookie) beats the phone's Accept-Language, which beats Dutch.
    /// </summary>
    public static IApplicationBuilder UseTellerLanguages(this IApplicationBuilder app)
    {
        var cultures = Languages.Select(l => new CultureInfo(l)).ToList();
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture("nl"),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
            RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = "lang", UIQueryStringKey = "lang" },
                new CookieRequestCultureProvider { CookieName = LanguageCookie },
                new AcceptLanguageHeaderRequestCultureProvider(),
            ],
        };
        return app.UseWhen(http => http.Request.Path.StartsWithSegments("/verhaal"), branch => branch.UseRequestLocalization(options));
    }

    public static string CurrentLanguage => Languages.FirstOrDefault(l => CultureInfo.CurrentUICulture.Name.StartsWith(l, StringComparison.Ordinal)) ?? "nl";

    public static bool RightToLeft => CultureInfo.CurrentUICulture.TextInfo.IsRightToLeft;
}

/// <summary>Dates on the teller's pages in the reader's language, always on the Gregorian calendar (Arabic cultures
/// may default to another), day and month spelled out so nobody misreads 3/4.</summary>
public static class TellerDates
{
    public static string Format(DateTimeOffset at)
    {
        var culture = (CultureInfo)CultureInfo.CurrentCulture.Clone();
        if (culture.Calendar is not GregorianCalendar)
        {
            var gregorian = culture.OptionalCalendars.OfType<GregorianCalendar>().FirstOrDefault();
            if (gregorian is not null) culture.DateTimeFormat.Calendar = gregorian;
        }
        return at.UtcDateTime.ToString("d MMMM yyyy", culture);
    }
}
