namespace Storytelling.Web.Features.Capture;

/// <summary>
/// Refusals a teller may see, with a stable code for clients and the reason in plain Dutch, English and Arabic.
/// The language follows the request's Accept-Language (the capture page sends the language the teller chose).
/// </summary>
public static class CaptureErrors
{
    public sealed record Error(string Code, int Status, string Nl, string En, string Ar);

    public static readonly Error LinkUnknown = new("link_unknown", 404,
        "Deze link kennen we niet. Kijk of je hem helemaal hebt overgenomen.",
        "We do not know this link. Check that it was copied whole.",
        "هذا الرابط غير معروف. تأكد من نسخه كاملاً.");
    public static readonly Error LinkExpired = new("link_expired", 410,
        "Deze link werkt niet meer. Vraag om een nieuwe.",
        "This link no longer works. Ask for a new one.",
        "هذا الرابط لم يعد يعمل. اطلب رابطاً جديداً.");
    public static readonly Error UploadUnknown = new("upload_unknown", 404,
        "Dit versturen is verlopen of bestaat niet. Begin opnieuw met versturen.",
        "This upload has expired or does not exist. Start sending again.",
        "انتهت صلاحية هذا الإرسال أو أنه غير موجود. ابدأ الإرسال من جديد.");
    public static readonly Error ConsentMissing = new("consent_missing", 400,
        "Zonder toestemming voor de analyse kunnen we je verhaal niet gebruiken.",
        "Without consent for the analysis we cannot use your story.",
        "بدون موافقتك على التحليل لا يمكننا استخدام قصتك.");
    public static readonly Error Empty = new("empty", 400,
        "De opname is leeg. Neem opnieuw op.",
        "The recording is empty. Please record again.",
        "التسجيل فارغ. سجّل مرة أخرى.");
    public static readonly Error TooLarge = new("too_large", 413,
        "De opname is te groot voor dit project.",
        "The recording is too large for this project.",
        "التسجيل كبير جداً لهذا المشروع.");
    public static readonly Error TooLong = new("too_long", 422,
        "De opname is te lang voor dit project.",
        "The recording is too long for this project.",
        "التسجيل طويل جداً لهذا المشروع.");
    public static readonly Error NotMedia = new("not_media", 415,
        "Dit bestand is geen geluidsopname.",
        "This file is not a sound recording.",
        "هذا الملف ليس تسجيلاً صوتياً.");
    public static readonly Error NoAudio = new("no_audio", 422,
        "Er zit geen geluid in dit bestand.",
        "There is no sound in this file.",
        "لا يوجد صوت في هذا الملف.");
    public static readonly Error Unreadable = new("unreadable", 422,
        "Dit bestand is beschadigd of niet helemaal aangekomen. Stuur het opnieuw.",
        "This file is damaged or did not arrive whole. Send it again.",
        "هذا الملف تالف أو لم يصل كاملاً. أرسله مرة أخرى.");
    public static readonly Error SizeMismatch = new("size_mismatch", 422,
        "Er kwam een ander aantal bytes aan dan verwacht. Stuur het opnieuw.",
        "A different number of bytes arrived than expected. Send it again.",
        "وصل عدد مختلف من البايتات عما كان متوقعاً. أرسله مرة أخرى.");
    public static readonly Error HashMismatch = new("hash_mismatch", 422,
        "De opname is onderweg veranderd. Stuur het opnieuw.",
        "The recording changed on the way. Send it again.",
        "تغيّر التسجيل أثناء الإرسال. أرسله مرة أخرى.");
    public static readonly Error OutOfOrder = new("out_of_order", 409,
        "Dit stuk past niet op wat er al is. Ga verder vanaf de aangegeven plek.",
        "This piece does not follow what arrived. Continue from the offset given.",
        "هذا الجزء لا يتبع ما وصل. تابع من الموضع المحدد.");
    public static readonly Error Incomplete = new("incomplete", 409,
        "Nog niet alles is aangekomen. Stuur de rest.",
        "Not everything has arrived yet. Send the rest.",
        "لم يصل كل شيء بعد. أرسل الباقي.");
    public static readonly Error ChunkTooLarge = new("chunk_too_large", 413,
        "Dit stuk is te groot. Stuur kleinere stukken.",
        "This piece is too large. Send smaller pieces.",
        "هذا الجزء كبير جداً. أرسل أجزاء أصغر.");
    public static readonly Error LengthRequired = new("length_required", 411,
        "Geef de lengte van het stuk mee (Content-Length).",
        "Send the piece's length (Content-Length).",
        "أرسل طول الجزء (Content-Length).");
    public static readonly Error BadRequest = new("bad_request", 400,
        "Er ontbreekt iets in het verzoek.",
        "Something is missing from the request.",
        "هناك شيء ناقص في الطلب.");
    public static readonly Error ProbeTimedOut = new("probe_timed_out", 503,
        "Het controleren van de opname duurde te lang. Probeer het zo opnieuw.",
        "Checking the recording took too long. Try again shortly.",
        "استغرق فحص التسجيل وقتاً طويلاً. حاول مرة أخرى بعد قليل.");

    public static readonly Error NotCollecting = new("not_collecting", 409,
        "Dit project verzamelt op dit moment geen verhalen. Vraag de persoon die je de link gaf wanneer dat weer kan.",
        "This project is not collecting stories at the moment. Ask the person who gave you the link when it opens again.",
        "هذا المشروع لا يجمع القصص في الوقت الحالي. اسأل الشخص الذي أعطاك الرابط متى يمكن ذلك مرة أخرى.");

    public static IResult Problem(HttpContext http, Error error, IDictionary<string, object?>? extra = null)
    {
        var extensions = new Dictionary<string, object?>(extra ?? new Dictionary<string, object?>()) { ["code"] = error.Code };
        return TypedResults.Problem(detail: Localise(http, error), statusCode: error.Status, title: error.En, extensions: extensions);
    }

    public static string Localise(HttpContext http, Error error) => LanguageOf(http) switch
    {
        "en" => error.En,
        "ar" => error.Ar,
        _ => error.Nl,
    };

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
