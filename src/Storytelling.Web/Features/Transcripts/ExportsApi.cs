using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>
/// Files that leave the application: a story's latest transcript as WebVTT or SRT, and every coding of the project as
/// CSV. An export is read by people the app cannot ask (it gets mailed, opened in Excel, attached to a report), so it
/// always carries the pseudonyms, also when a facilitator who sees originals downloads it.
/// </summary>
public static partial class ExportsApi
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);

    public static IEndpointRouteBuilder MapExportsApi(this IEndpointRouteBuilder app)
    {
        var story = app.MapGroup("/api/projects/{projectId:guid}/stories/{storyId:guid}")
            .RequireAuthorization(Policies.Analyse).WithTags("Exports");
        story.MapGet("/transcript.vtt", (Guid projectId, Guid storyId, StorytellingDbContext db, PseudonymService pseudonyms, CancellationToken ct) =>
            TranscriptFileAsync(projectId, storyId, TranscriptFileFormat.WebVtt, db, pseudonyms, ct))
            .WithSummary("The latest transcript as WebVTT (speakers as voices, model and language in a NOTE), pseudonymised.");
        story.MapGet("/transcript.srt", (Guid projectId, Guid storyId, StorytellingDbContext db, PseudonymService pseudonyms, CancellationToken ct) =>
            TranscriptFileAsync(projectId, storyId, TranscriptFileFormat.Srt, db, pseudonyms, ct))
            .WithSummary("The latest transcript as SRT (speakers as a leading [name]), pseudonymised.");

        app.MapGet("/api/projects/{projectId:guid}/codings.csv", CodingsCsv)
            .RequireAuthorization(Policies.Export).WithTags("Exports")
            .WithSummary("Every coding of stories with analysis consent, pseudonymised; ?separator=semicolon for Excel in Dutch.");
        return app;
    }

    private static async Task<IResult> TranscriptFileAsync(Guid projectId, Guid storyId, TranscriptFileFormat format,
        StorytellingDbContext db, PseudonymService pseudonyms, CancellationToken ct)
    {
        var story = await TranscriptService.StoryInProject(db, projectId, storyId).SingleOrDefaultAsync(ct);
        if (story is null) return TypedResults.NotFound();
        var latest = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
            .Where(t => t.StoryId == storyId).OrderByDescending(t => t.Version).FirstOrDefaultAsync(ct);
        if (latest is null)
            return TypedResults.Problem("This story has no transcript yet; try again when it has been transcribed.",
                statusCode: StatusCodes.Status404NotFound, title: "No transcript yet.");
        var model = latest.ModelName ?? await db.Transcripts.AsNoTracking()
            .Where(t => t.StoryId == storyId && t.ModelName != null).OrderBy(t => t.Version).Select(t => t.ModelName).FirstOrDefaultAsync(ct);
        var filter = await pseudonyms.ForReaderAsync(projectId, storyId, seesOriginals: false, ct);
        var cues = latest.Segments.OrderBy(s => s.Position)
            .Select(s => new Cue(s.StartMs, s.EndMs, filter.Apply(s.Text), s.SpeakerLabel is { } label ? filter.Apply(label) : null))
            .ToList();
        var language = latest.Language ?? story.Language;
        var (extension, contentType) = format == TranscriptFileFormat.WebVtt ? ("vtt", "text/vtt; charset=utf-8") : ("srt", "application/x-subrip; charset=utf-8");
        return TypedResults.Stream(async body =>
        {
            // WebVTT must be UTF-8 without a BOM-sensitive parser surprise; players accept both, so no BOM for either.
            await using var writer = new StreamWriter(body, Utf8NoBom, 16 * 1024) { NewLine = "\n" };
            if (format == TranscriptFileFormat.WebVtt)
                await TranscriptFormats.WriteVttAsync(writer, cues, model, language, ct);
            else
                await TranscriptFormats.WriteSrtAsync(writer, cues, ct);
        }, contentType, $"{FileNameOf(story.TellerPseudonym)}-v{latest.Version}.{extension}");
    }

    /// <summary>
    /// RFC 4180 CSV, streamed story by story so a project of a thousand stories never sits in memory. UTF-8 with a
    /// BOM, because Excel reads a file without one as the local code page and garbles é and Arabic. Text cells that
    /// start with = + - @ (or a tab or carriage return) get a leading apostrophe, so a spreadsheet never runs a
    /// teller's words as a formula.
    /// </summary>
    private static async Task<IResult> CodingsCsv(Guid projectId, string? separator, StorytellingDbContext db, PseudonymService pseudonyms,
        CancellationToken ct)
    {
        char sep;
        switch (separator?.ToLowerInvariant())
        {
            case null or "" or "comma" or ",": sep = ','; break;
            case "semicolon" or ";": sep = ';'; break;
            default:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["separator"] = ["The separator is 'comma' (the default) or 'semicolon' (for Excel set to Dutch)."],
                });
        }
        var projectName = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => p.Name).FirstOrDefaultAsync(ct);
        if (projectName is null) return TypedResults.NotFound();
        var filters = await pseudonyms.ForReaderAsync(projectId, seesOriginals: false, ct);
        var themes = await db.Themes.AsNoTracking().Where(t => t.ProjectId == projectId).ToDictionaryAsync(t => t.Id, t => t.Name, ct);
        var stories = await db.Stories.AsNoTracking()
            .Where(s => s.ProjectId == projectId).Analysable()
            .OrderBy(s => s.CreatedAt).ThenBy(s => s.Id)
            .Select(s => new { s.Id, s.TellerPseudonym }).ToListAsync(ct);

        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(true), 32 * 1024) { NewLine = "\r\n" };
            var csv = new CsvRow(writer, sep);
            await csv.WriteAsync(["story_id", "story_pseudonym", "theme", "text", "start", "start_ms", "end", "end_ms", "author_role", "created", "transcript_version"]);
            foreach (var story in stories)
            {
                var transcripts = await db.Transcripts.AsNoTracking().Include(t => t.Segments)
                    .Where(t => t.StoryId == story.Id && db.Codings.Any(c => c.TranscriptId == t.Id)).ToListAsync(ct);
                if (transcripts.Count == 0) continue;
                var ids = transcripts.Select(t => t.Id).ToList();
                var codings = await db.Codings.AsNoTracking().Where(c => ids.Contains(c.TranscriptId)).ToListAsync(ct);
                var filter = filters(story.Id);
                foreach (var transcript in transcripts.OrderBy(t => t.Version))
                {
                    var original = TranscriptText.From(transcript.Segments);
                    foreach (var c in codings.Where(c => c.TranscriptId == transcript.Id).OrderBy(c => c.StartChar).ThenBy(c => c.CreatedAt))
                    {
                        // Cut the quote from the pseudonymised text through the offset mapping, so a name is never half
                        // shown; only the segments the coding spans are pseudonymised (a segment never holds a "\n", so
                        // names never cross one), which keeps a large project's export from redoing every segment.
                        var first = original.SegmentAt(c.StartChar);
                        var last = Math.Max(first, original.SegmentAt(Math.Max(c.StartChar, c.EndChar - 1)));
                        var view = TranscriptView.For(original.Segments.Skip(first).Take(last - first + 1), filter.Pseudonyms);
                        var origin = original.Segments.Count == 0 ? 0 : original.Starts[first];
                        var start = Math.Clamp(view.FromOriginal.MapStart(c.StartChar - origin), 0, view.Text.Length);
                        var end = Math.Clamp(view.FromOriginal.MapEnd(c.EndChar - origin), start, view.Text.Length);
                        await csv.WriteAsync([
                            story.Id.ToString(), story.TellerPseudonym, themes.GetValueOrDefault(c.ThemeId) ?? "", view.Text[start..end].Replace('\n', ' '),
                            TranscriptFormats.Time(c.StartMs, '.'), c.StartMs.ToString(CultureInfo.InvariantCulture),
                            TranscriptFormats.Time(c.EndMs, '.'), c.EndMs.ToString(CultureInfo.InvariantCulture),
                            c.AuthorRole.ToString(), c.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                            transcript.Version.ToString(CultureInfo.InvariantCulture),
                        ]);
                    }
                }
                await writer.FlushAsync(ct);
            }
        }, "text/csv; charset=utf-8", $"{FileNameOf(projectName)}-coderingen.csv");
    }

    /// <summary>A download name from a pseudonym or project name: letters, digits and dashes only, so no header or
    /// path trick survives; Unicode letters stay (the header carries them as filename*).</summary>
    internal static string FileNameOf(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(c)) builder.Append(c);
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
            if (builder.Length >= 60) break;
        }
        var safe = builder.ToString().Trim('-');
        return safe.Length == 0 ? "verhaal" : safe;
    }

    /// <summary>One CSV record per call: fields with the separator, a quote or a line break are quoted and their quotes doubled.</summary>
    internal sealed class CsvRow(TextWriter writer, char separator)
    {
        public async Task WriteAsync(IReadOnlyList<string> fields)
        {
            for (var i = 0; i < fields.Count; i++)
            {
                if (i > 0) await writer.WriteAsync(separator);
                await writer.WriteAsync(Field(fields[i], separator));
            }
            await writer.WriteAsync("\r\n");
        }

        internal static string Field(string value, char separator)
        {
            if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
            return value.AsSpan().IndexOfAny([separator, '"', '\r', '\n']) >= 0
                ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
                : value;
        }
    }
}
