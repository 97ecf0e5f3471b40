using System.Globalization;
using System.Resources;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;
using Storytelling.Web.Features.Translation;

namespace Storytelling.Web.Features.Capture;

/// <summary>
/// Marker type whose resources (CaptureText.resx in Dutch, .en.resx, .ar.resx) hold every string of the capture
/// page (/c/{token} and interviewer mode): the script's texts (camelCase keys, the data-t names in _Recorder.cshtml),
/// the upload API's refusals (<c>Error_{code}</c>) and the page's own lines (<c>Page_…</c>). The capture page does
/// not follow the request's language: its script picks the phone's language and switches without reloading, so the
/// page hands it all three languages at once (<see cref="ScriptBlock"/>).
/// </summary>
public sealed class CaptureText
{
    private static readonly ResourceManager Resources = new(typeof(CaptureText));
    private static readonly Lazy<HtmlString> Block = new(BuildScriptBlock);

    /// <summary>The text for <paramref name="key"/> in nl, en or ar (anything else is Dutch); the key itself if it is missing.</summary>
    public static string Get(string key, string language) => Resources.GetString(key, Culture(language)) ?? key;

    /// <summary>
    /// The script's texts in every language, as <c>&lt;script type="application/json" id="capture-text"&gt;</c>
    /// with <c>{"nl":{…},"en":{…},"ar":{…}}</c>. Not executable, so the content security policy is untouched;
    /// &lt; is escaped so no text can close the block.
    /// </summary>
    public static IHtmlContent ScriptBlock() => Block.Value;

    private static CultureInfo Culture(string language) =>
        language is "en" or "ar" ? CultureInfo.GetCultureInfo(language) : CultureInfo.InvariantCulture;

    private static HtmlString BuildScriptBlock()
    {
        // The neutral (Dutch) set names every key; the script needs those without an underscore (no refusals, no page lines).
        var neutral = Resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)
            ?? throw new InvalidOperationException("CaptureText.resx is missing.");
        var keys = neutral.Cast<System.Collections.DictionaryEntry>().Select(e => (string)e.Key)
            .Where(k => !k.Contains('_', StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var texts = UiLanguages.ResidentLanguages.ToDictionary(l => l, l => keys.ToDictionary(k => k, k => Get(k, l)));
        // Relaxed escaping keeps Arabic readable and the phone page small; only < needs escaping inside the block.
        var json = JsonSerializer.Serialize(texts, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Replace("<", "\\u003c", StringComparison.Ordinal);
        return new HtmlString($"<script type=\"application/json\" id=\"capture-text\">{json}</script>");
    }
}
