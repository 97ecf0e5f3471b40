namespace Storytelling.Web.Features.Capture;

/// <summary>
/// Refusals a teller may see, with a stable code for clients and the reason in plain Dutch, English and Arabic
/// (CaptureText.resx, key <c>Error_{code}</c>). The language follows the request's Accept-Language (the capture
/// page sends the language the teller chose).
/// </summary>
public static class CaptureErrors
{
    public sealed record Error(string Code, int Status)
    {
        public string Nl => Message("nl");
        public string En => Message("en");
        public string Ar => Message("ar");

        /// <summary>The reason in nl, en or ar, from the resources.</summary>
        public string Message(string language) => CaptureText.Get("Error_" + Code, language);
    }

    public static readonly Error LinkUnknown = new("link_unknown", 404);
    public static readonly Error LinkExpired = new("link_expired", 410);
    public static readonly Error UploadUnknown = new("upload_unknown", 404);
    public static readonly Error ConsentMissing = new("consent_missing", 400);
    public static readonly Error Empty = new("empty", 400);
    public static readonly Error TooLarge = new("too_large", 413);
    public static readonly Error TooLong = new("too_long", 422);
    public static readonly Error NotMedia = new("not_media", 415);
    public static readonly Error NoAudio = new("no_audio", 422);
    public static readonly Error Unreadable = new("unreadable", 422);
    public static readonly Error SizeMismatch = new("size_mismatch", 422);
    public static readonly Error HashMismatch = new("hash_mismatch", 422);
    public static readonly Error OutOfOrder = new("out_of_order", 409);
    public static readonly Error Incomplete = new("incomplete", 409);
    public static readonly Error ChunkTooLarge = new("chunk_too_large", 413);
    public static readonly Error LengthRequired = new("length_required", 411);
    public static readonly Error BadRequest = new("bad_request", 400);
    public static readonly Error ProbeTimedOut = new("probe_timed_out", 503);

    public static readonly Error NotCollecting = new("not_collecting", 409);

    public static IResult Problem(HttpContext http, Error error, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?>(extra ?? new Dictionary<string, object?>()) { ["code"] = error.Code };
        return TypedResults.Problem(detail: Localise(http, error), statusCode: error.Status, title: error.En, extensions: extensions);
    }

    public static string Localise(HttpContext http, Error error) => error.Message(LanguageOf(http));

    /// <summary>The first of nl/en/ar in Accept-Language; Dutch when none is asked for.</summary>
    public static string LanguageOf(HttpContext http)
    {
        foreach (var lang in http.Request.GetTypedHeaders().AcceptLanguage.OrderByDescending(l => l.Quality ?? 1))
        {
            var code = lang.Value.Value?.Split('-')[0].ToLowerInvariant();
            if (code is "nl" or "en" or "ar") return code;
        }
        return "nl";
    }
}
