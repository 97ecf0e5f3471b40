using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Analysis;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Exchange;

public sealed record CodebookImportDto(int Created, int Merged);

/// <summary>
/// REFI-QDA exchange with ATLAS.ti, MAXQDA, NVivo and QualCoder: the whole project as .qdpx, the codebook alone as .qdc.
/// Imports take the file as the raw request body (no multipart), so a script can send it with one request; only with the
/// file's own Content-Type (never text/plain or none), so no other site can make a browser post one (CrossSiteForms).
/// </summary>
public static partial class ExchangeApi
{
    public static RouteGroupBuilder MapExchangeApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{projectId:guid}/exchange").WithTags("Exchange");
        group.MapGet("/project.qdpx", ExportProject).RequireAuthorization(Policies.Export);
        group.MapGet("/codebook.qdc", ExportCodebook).RequireAuthorization(Policies.Analyse);
        group.MapPost("/codebook", ImportCodebook).RequireAuthorization(Policies.Import)
            .AcceptsOnly("application/xml", "application/xml", "text/xml", "application/octet-stream");
        group.MapPost("/project", ImportProject).RequireAuthorization(Policies.Import)
            .AcceptsOnly("application/zip", "application/zip", "application/x-zip-compressed", "application/octet-stream");
        return group;
    }

    /// <summary>The .qdpx is written to a temporary file first (deleted when the response is done), so a failure is a
    /// clean 500 rather than a cut-off download, and the zip's directory can be written at its end.</summary>
    internal static async Task<IResult> ExportProject(Guid projectId, bool? audio, HttpContext http, StorytellingDbContext db,
        RefiQdaExport export, TimeProvider time, CancellationToken ct)
    {
        var me = http.User.PersonId();
        var path = Path.Combine(Path.GetTempPath(), "storytelling-qdpx-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 128 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await export.WriteAsync(projectId, me, audio ?? true, file, ct);
            file.Position = 0;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
        db.Record(time, "project.exported", me, projectId, "project", projectId);
        await db.SaveChangesAsync(ct);
        var name = await FileNameAsync(db, projectId, ct);
        return TypedResults.File(file, "application/zip", name + ".qdpx");
    }

    internal static async Task<IResult> ExportCodebook(Guid projectId, StorytellingDbContext db, CancellationToken ct)
    {
        var codes = await CodebookExchange.LoadAsync(db, projectId, ct);
        // The schema demands at least one code, and QDA tools reject an empty codebook: say so instead of sending one.
        if (codes.Count == 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, detail: "Het codeboek is nog leeg; er is niets om te exporteren.");
        var buffer = new MemoryStream();
        CodebookExchange.WriteCodebook(buffer, codes);
        return TypedResults.File(buffer.ToArray(), "application/xml", await FileNameAsync(db, projectId, ct) + ".qdc");
    }

    internal static async Task<Results<Ok<CodebookImportDto>, ValidationProblem>> ImportCodebook(Guid projectId, HttpRequest request,
        StorytellingDbContext db, TimeProvider time, IOptions<ExchangeOptions> options, IEnumerable<IAnalysisEvents> listeners, CancellationToken ct) =>
        await ImportCodebookAsync(projectId, request.Body, request.HttpContext.User.PersonId(), db, time, options.Value, listeners, ct);

    /// <summary>Shared by the API and the exchange page's upload form.</summary>
    public static async Task<Results<Ok<CodebookImportDto>, ValidationProblem>> ImportCodebookAsync(Guid projectId, Stream body, Guid? me,
        StorytellingDbContext db, TimeProvider time, ExchangeOptions options, IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        try
        {
            var buffer = await ReadBoundedAsync(body, options.MaxCodebookBytes, ct);
            if (buffer.Length == 0) return Refused("Het codeboek is leeg: kies een .qdc-bestand.");
            var codes = CodebookExchange.ReadCodebook(buffer, options);
            if (codes.Count == 0) return Refused("Het codeboek bevat geen codes.");
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var result = await CodebookExchange.ImportAsync(db, time, projectId, me, codes, ct);
            db.Record(time, "codebook.imported", me, projectId, "project", projectId);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
            return TypedResults.Ok(new CodebookImportDto(result.Created, result.Merged));
        }
        catch (ExchangeRefusedException e)
        {
            return Refused(e.Message);
        }
    }

    internal static async Task<Results<Ok<QdpxImportResult>, ValidationProblem>> ImportProject(Guid projectId, bool? consentConfirmed,
        HttpRequest request, RefiQdaImport import, IOptions<ExchangeOptions> options, IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.Value.MaxUploadBytes;
        return await ImportProjectAsync(projectId, consentConfirmed == true, request.Body, request.HttpContext.User.PersonId(), import, listeners, ct);
    }

    public static async Task<Results<Ok<QdpxImportResult>, ValidationProblem>> ImportProjectAsync(Guid projectId, bool consentConfirmed,
        Stream body, Guid? me, RefiQdaImport import, IEnumerable<IAnalysisEvents> listeners, CancellationToken ct)
    {
        if (!consentConfirmed)
            return Refused("Bevestig dat de vertellers toestemming gaven om hun verhalen te analyseren (consentConfirmed=true).");
        try
        {
            var result = await import.ImportAsync(projectId, me, body, ct);
            foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
            return TypedResults.Ok(result);
        }
        catch (ExchangeRefusedException e)
        {
            return Refused(e.Message);
        }
        catch (InvalidDataException)
        {
            // A damaged entry (bad deflate data, wrong checksum) surfaces only while it is read.
            return Refused("Het .qdpx-bestand is beschadigd: een bestand erin kan niet worden uitgepakt.");
        }
    }

    private static async Task<MemoryStream> ReadBoundedAsync(Stream body, int max, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max) throw new ExchangeRefusedException($"Het codeboek is groter dan {max / 1024} kB.");
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        return buffer;
    }

    private static ValidationProblem Refused(string sentence) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [sentence] }, detail: sentence);

    private static async Task<string> FileNameAsync(StorytellingDbContext db, Guid projectId, CancellationToken ct)
    {
        var name = (await db.Projects.FindAsync([projectId], ct))?.Name ?? "project";
        var slug = NotSafe().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return string.IsNullOrEmpty(slug) ? "project" : slug.Length > 60 ? slug[..60] : slug;
    }

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotSafe();
}
