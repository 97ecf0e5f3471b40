using System.Globalization;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Pages.Projects;

/// <summary>Dates and numbers on the evaluation pages, in the reader's language.</summary>
public static class EvaluationText
{
    public static string Date(DateTimeOffset at) => UiLanguages.Date(at, "d MMM yyyy");

    public static string Percent(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.CurrentCulture) + "%" : "–";

    public static string Change(double? value) => value switch
    {
        null => "–",
        > 0 => "+" + value.Value.ToString("0.#", CultureInfo.CurrentCulture),
        _ => value.Value.ToString("0.#", CultureInfo.CurrentCulture),
    };
}
