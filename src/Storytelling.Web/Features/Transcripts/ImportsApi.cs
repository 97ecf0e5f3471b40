using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Storytelling.Core.Persistence;
using Storytelling.Core.Storage;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// POST multipart/form-data with the parts <c>audio</c> (file), <c>transcript</c> (file) and the fields of
/// <see cref="ImportForm"/> (<c>tellerPseudonym</c>, <c>language</c>, <c>format</c>, <c>consentAnalysis</c>,
/// <c>consentQuotesInReports</c>, <c>consentAudioInWorkshops</c>, <c>consentConfirmed</c>, <c>consentGivenOn</c>).
/// The body is read part by part: the audio streams straight into the media store (a recording may be hundreds of
/// MB), the transcript and the fields are small and capped.
/// </summary>
public static class ImportsApi
{
    private const int MaxFieldBytes = 4 * 1024;
    private const int MaxParts = 20;

    public static IEndpointRouteBuilder MapImportsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/projects/{projectId:guid}/imports", Import)
            .RequireAuthorization(Policies.Import).WithTags("Imports")
            .WithMetadata(new CrossSiteForms.MultipartWithAntiforgery())
            .WithSummary("A facilitator imports an earlier story: its audio and its transcript (WebVTT, SRT or plain text).");
        return app;
    }

    private static async Task<IResult> Import(Guid projectId, HttpContext http, StorytellingDbContext db, ImportService imports, IMediaStore store,
        CancellationToken ct)
    {
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == projectId, ct);
        if (project is null) return TypedResults.NotFound();
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 and <= 200 } boundary)
            return Invalid("body", "Send multipart/form-data with an 'audio' file and a 'transcript' file.");
        // The server's default cap (30 MB) is for JSON; an import may be as large as the project allows a recording to be.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = project.MaxRecordingBytes + TranscriptFormats.MaxFileBytes + 1024 * 1024;

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        StoredMedia? audio = null;
        byte[]? transcript = null;
        string? transcriptName = null;
        var handedOver = false;
        try
        {
            var reader = new MultipartReader(boundary, http.Request.Body) { HeadersLengthLimit = 16 * 1024 };
            var parts = 0;
            try
            {
                for (var section = await reader.ReadNextSectionAsync(ct); section is not null; section = await reader.ReadNextSectionAsync(ct))
                {
                    if (++parts > MaxParts) return Invalid("body", "Too many parts in the form.");
                    if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                        || !disposition.DispositionType.Equals("form-data") || disposition.Name.Value is not { } rawName)
                        return Invalid("body", "Every part needs a Content-Disposition: form-data with a name.");
                    var name = HeaderUtilities.RemoveQuotes(rawName).Value ?? "";
                    switch (name)
                    {
                        case "audio":
                            if (audio is not null) return Invalid("audio", "Send one audio file.");
                            var stored = await imports.StoreAudioAsync(project, section.Body, section.ContentType, ct);
                            if (stored.Refusal is { } refusal) return Answer(projectId, refusal);
                            audio = stored.Media;
                            break;
                        case "transcript":
                            if (transcript is not null) return Invalid("transcript", "Send one transcript file.");
                            transcriptName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                            transcript = await ReadCappedAsync(section.Body, TranscriptFormats.MaxFileBytes, ct);
                            if (transcript is null) return Invalid("transcript", "The transcript file is larger than 8 MB.");
                            break;
                        default:
                            var value = await ReadCappedAsync(section.Body, MaxFieldBytes, ct);
                            if (value is null) return Invalid(name.Length <= 50 ? name : "body", "This field is too long.");
                            // Browsers send a checkbox's value only when ticked; the first of duplicate names counts.
                            fields.TryAdd(name, Encoding.UTF8.GetString(value));
                            break;
                    }
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                return Invalid("body", "The form could not be read; send it again.");
            }
            if (audio is null) return Invalid("audio", "Add the audio file of the story.");
            // This form is read by hand, so the text rule every other door applies is applied here.
            foreach (var (field, value) in fields)
            {
                if (TextInput.Check(value, TextInput.IsSingleLine(field)) is var fault and not TextFault.None) return Invalid(field, TextInput.Message(fault));
            }
            if (TextInput.Check(transcriptName, singleLine: true) is var nameFault and not TextFault.None) return Invalid("transcript", TextInput.Message(nameFault));

            var form = new ImportForm(
                fields.GetValueOrDefault("tellerPseudonym"), fields.GetValueOrDefault("language"), fields.GetValueOrDefault("format"),
                IsTrue(fields, "consentAnalysis"), IsTrue(fields, "consentQuotesInReports"), IsTrue(fields, "consentAudioInWorkshops"),
                IsTrue(fields, "consentConfirmed"),
                DateOnly.TryParseExact(fields.GetValueOrDefault("consentGivenOn"), "yyyy-MM-dd", out var on) ? on : null);
            if (fields.TryGetValue("consentGivenOn", out var given) && given.Length > 0 && form.ConsentGivenOn is null)
                return Invalid("consentGivenOn", "Give the date as yyyy-mm-dd.");
            handedOver = true;
            var outcome = await imports.ImportAsync(project, form, audio, transcript, transcriptName, http.User.PersonId()!.Value, ct);
            return Answer(projectId, outcome);
        }
        finally
        {
            // Until the service takes the audio over, a refusal of the form is ours to clean up.
            if (!handedOver && audio is not null) await store.DeleteAsync(audio.BlobName, CancellationToken.None);
        }
    }

    private static IResult Answer(Guid projectId, ImportOutcome outcome) => outcome.Story is { } story
        ? TypedResults.Created($"/api/projects/{projectId}/stories/{story.StoryId}/transcript", story)
        : Results.ValidationProblem(outcome.Errors!, statusCode: outcome.Status,
            title: outcome.Status == StatusCodes.Status400BadRequest ? "The import is incomplete." : "The import was refused.");

    private static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, title: "The import is incomplete.");

    private static bool IsTrue(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && value.Trim().ToLowerInvariant() is "true" or "on" or "1" or "yes";

    /// <summary>The part's bytes, or null once it passes <paramref name="max"/> (the rest is not read).</summary>
    private static async Task<byte[]?> ReadCappedAsync(Stream body, int max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > max) return null;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
