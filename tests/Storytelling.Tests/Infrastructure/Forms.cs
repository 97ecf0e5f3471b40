using System.Text.RegularExpressions;

namespace Storytelling.Tests.Infrastructure;

/// <summary>Submits a Razor Pages form the way a browser does: with the page's antiforgery token.</summary>
internal static partial class Forms
{
    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string pageHtml, string? handler, Dictionary<string, string> fields)
    {
        var token = AntiforgeryToken().Match(pageHtml);
        if (!token.Success) throw new InvalidOperationException("The page has no antiforgery token.");
        var values = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = token.Groups[1].Value };
        var target = handler is null ? path : $"{path}?handler={handler}";
        return client.PostAsync(target, new FormUrlEncodedContent(values));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
