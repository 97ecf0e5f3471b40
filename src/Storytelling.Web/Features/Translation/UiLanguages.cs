using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace Storytelling.Web.Features.Translation;

/// <summary>
/// Which language a page speaks. Residents' pages (the teller's page /verhaal and the workshop phone page /w) speak
/// Dutch, English and Arabic and follow the phone's language unless the visitor chose one. Staff pages speak Dutch
/// and English and start in Dutch whatever the browser says: teams in a Dutch municipality work in Dutch, and a
/// work laptop set to English should not switch the team's shared vocabulary. An explicit choice (<c>?lang=</c>, the
/// links in every header) is remembered in one cookie for the next pages.
/// </summary>
public static class UiLanguages
{
    public const string Cookie = "storytelling-lang";
    public static readonly string[] ResidentLanguages = ["nl", "en", "ar"];
    public static readonly string[] StaffLanguages = ["nl", "en"];

    /// <summary>Paths whose pages are for residents: all three languages, the phone's language counts.</summary>
    public static bool IsResidentPath(PathString path) =>
        path.StartsWithSegments("/verhaal") || path.StartsWithSegments("/w") || path.StartsWithSegments("/api/teller");

    public static IServiceCollection AddUiLanguages(this IServiceCollection services)
    {
        services.AddLocalization();
        return services;
    }

    public static IApplicationBuilder UseUiLanguages(this IApplicationBuilder app)
    {
        var residents = Options(ResidentLanguages, acceptLanguage: true);
        var staff = Options(StaffLanguages, acceptLanguage: false);
        app.UseWhen(http => IsResidentPath(http.Request.Path), branch => branch.UseRequestLocalization(residents));
        app.UseWhen(http => !IsResidentPath(http.Request.Path), branch => branch.UseRequestLocalization(staff));
        return app.Use(async (http, next) =>
        {
            // An explicit choice is remembered for the next pages and forms (a plain link works without script).
            if (http.Request.Query.TryGetValue("lang", out var asked) && asked.ToString() is { Length: > 0 } lang
                && ResidentLanguages.Contains(lang, StringComparer.OrdinalIgnoreCase))
            {
                http.Response.Cookies.Append(Cookie,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(lang.ToLowerInvariant())),
                    new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Lax, Path = "/", MaxAge = TimeSpan.FromDays(365), IsEssential = true });
            }
            await next(http);
        });
    }

    private static RequestLocalizationOptions Options(string[] languages, bool acceptLanguage)
    {
        var cultures = languages.Select(l => new CultureInfo(l)).ToList();
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
                new CookieRequestCultureProvider { CookieName = Cookie },
            ],
        };
        if (acceptLanguage) options.RequestCultureProviders.Add(new AcceptLanguageHeaderRequestCultureProvider());
        return options;
    }

    /// <summary>The page's language code: nl, en or ar.</summary>
    public static string Current => ResidentLanguages.FirstOrDefault(l => CultureInfo.CurrentUICulture.Name.StartsWith(l, StringComparison.Ordinal)) ?? "nl";

    public static bool RightToLeft => CultureInfo.CurrentUICulture.TextInfo.IsRightToLeft;

    /// <summary>The current address with <c>lang</c> set, other query values kept: the target of a language link.</summary>
    public static string SwitchUrl(HttpRequest request, string lang)
    {
        var query = request.Query.Where(q => !string.Equals(q.Key, "lang", StringComparison.OrdinalIgnoreCase))
            .SelectMany(q => q.Value.Select(v => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(v ?? "")))
            .Append("lang=" + lang);
        return request.PathBase + request.Path + "?" + string.Join("&", query);
    }

    /// <summary>
    /// The strings a page's script shows, as a JSON block (<c>&lt;script type="application/json" id="ui-text"&gt;</c>);
    /// scripts read it with <c>JSON.parse(document.getElementById('ui-text').textContent)</c>. Not executable, so
    /// the content security policy is untouched; &lt; is escaped so no text can close the block.
    /// </summary>
    public static IHtmlContent ScriptText(IStringLocalizer localizer, params string[] keys) =>
        ScriptText(keys.ToDictionary(k => k, k => localizer[k].Value));

    /// <summary>The same for a page's own strings (<c>L</c>, the view localizer).</summary>
    public static IHtmlContent ScriptText(Microsoft.AspNetCore.Mvc.Localization.IHtmlLocalizer localizer, params string[] keys) =>
        ScriptText(keys.ToDictionary(k => k, k => localizer.GetString(k).Value));

    private static HtmlString ScriptText(Dictionary<string, string> map)
    {
        var json = JsonSerializer.Serialize(map, new JsonSerializerOptions { Encoder = JavaScriptEncoder.Default });
        return new HtmlString($"<script type=\"application/json\" id=\"ui-text\">{json}</script>");
    }

    /// <summary>A date in the reader's language, on the Gregorian calendar, day and month spelled out (3/4 is ambiguous).</summary>
    public static string Date(DateTimeOffset at, string format = "d MMMM yyyy")
    {
        var culture = (CultureInfo)CultureInfo.CurrentCulture.Clone();
        if (culture.Calendar is not GregorianCalendar)
        {
            var gregorian = culture.OptionalCalendars.OfType<GregorianCalendar>().FirstOrDefault();
            if (gregorian is not null) culture.DateTimeFormat.Calendar = gregorian;
        }
        return at.ToLocalTime().DateTime.ToString(format, culture);
    }
}
