using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Storytelling.Core.Audit;
using Storytelling.Core.Persistence;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Web.Features.Exchange;

/// <summary>What an import brought in, or the one sentence saying why the file was refused (never both).</summary>
public sealed record ExchangeResult<T>(T? Imported, string? Refusal) where T : class
{
    /// <summary>The refusal as field errors, under "file".</summary>
    public Dictionary<string, string[]>? Errors => Refusal is null ? null : new Dictionary<string, string[]> { ["file"] = [Refusal] };

    internal static ExchangeResult<T> Refused(string sentence) => new(null, sentence);
}

/// <summary>A file to send: its content (a stream the caller disposes) and a file name made from the project's name.</summary>
public sealed record ExchangeFile(Stream Content, string ContentType, string FileName);

/// <summary>
/// REFI-QDA exchange of one project, for the API and the exchange page alike. Everything an import makes (themes,
/// stories, codings) is made in the project the caller took from the address; codes merge only with that project's
/// themes, whatever ids the file carries.
/// </summary>
public sealed partial class ExchangeService(StorytellingDbContext db, TimeProvider time, IOptions<ExchangeOptions> options,
    IEnumerable<IAnalysisEvents> listeners, RefiQdaImport import, RefiQdaExport export)
{
    /// <summary>The .qdpx is written to a temporary file first (deleted when the stream is disposed), so a failure is a
    /// clean 500 rather than a cut-off download, and the zip's directory can be written at its end.</summary>
    public async Task<ExchangeFile> ExportProjectAsync(Guid projectId, Guid? me, bool audio, CancellationToken ct)
    {
        var path = Path.Combine(Path.GetTempPath(), "storytelling-qdpx-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 128 * 1024,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await export.WriteAsync(projectId, me, audio, file, ct);
            file.Position = 0;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
        db.Record(time, "project.exported", me, projectId, "project", projectId);
        await db.SaveChangesAsync(ct);
        var name = await FileNameAsync(projectId, ct);
        return new ExchangeFile(file, "application/zip", name + ".qdpx");
    }

    /// <summary>The codebook as a .qdc; null while the codebook is empty (the schema demands at least one code, and
    /// QDA tools reject an empty codebook).</summary>
    public async Task<ExchangeFile?> ExportCodebookAsync(Guid projectId, CancellationToken ct)
    {
        var codes = await CodebookExchange.LoadAsync(db, projectId, ct);
        if (codes.Count == 0) return null;
        var buffer = new MemoryStream();
        CodebookExchange.WriteCodebook(buffer, codes);
        buffer.Position = 0;
        return new ExchangeFile(buffer, "application/xml", await FileNameAsync(projectId, ct) + ".qdc");
    }

    public async Task<ExchangeResult<CodebookImportDto>> ImportCodebookAsync(Guid projectId, Stream body, Guid? me, CancellationToken ct)
    {
        try
        {
            var buffer = await ReadBoundedAsync(body, options.Value.MaxCodebookBytes, ct);
            if (buffer.Length == 0) return ExchangeResult<CodebookImportDto>.Refused("Het codeboek is leeg: kies een .qdc-bestand.");
            var codes = CodebookExchange.ReadCodebook(buffer, options.Value);
            if (codes.Count == 0) return ExchangeResult<CodebookImportDto>.Refused("Het codeboek bevat geen codes.");
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var result = await CodebookExchange.ImportAsync(db, time, projectId, me, codes, ct);
            db.Record(time, "codebook.imported", me, projectId, "project", projectId);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
            return new ExchangeResult<CodebookImportDto>(new CodebookImportDto(result.Created, result.Merged), null);
        }
        catch (ExchangeRefusedException e)
        {
            return ExchangeResult<CodebookImportDto>.Refused(e.Message);
        }
    }

    public async Task<ExchangeResult<QdpxImportResult>> ImportProjectAsync(Guid projectId, bool consentConfirmed, Stream body, Guid? me,
        CancellationToken ct)
    {
        if (!consentConfirmed)
            return ExchangeResult<QdpxImportResult>.Refused("Bevestig dat de vertellers toestemming gaven om hun verhalen te analyseren (consentConfirmed=true).");
        try
        {
            var result = await import.ImportAsync(projectId, me, body, ct);
            foreach (var listener in listeners) await listener.CodebookChangedAsync(projectId, ct);
            return new ExchangeResult<QdpxImportResult>(result, null);
        }
        catch (ExchangeRefusedException e)
        {
            return ExchangeResult<QdpxImportResult>.Refused(e.Message);
        }
        catch (InvalidDataException)
        {
            // A damaged entry (bad deflate data, wrong checksum) surfaces only while it is read.
            return ExchangeResult<QdpxImportResult>.Refused("Het .qdpx-bestand is beschadigd: een bestand erin kan niet worden uitgepakt.");
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

    private async Task<string> FileNameAsync(Guid projectId, CancellationToken ct)
    {
        var name = (await db.Projects.FindAsync([projectId], ct))?.Name ?? "project";
        var slug = NotSafe().Replace(name.ToLowerInvariant(), "-").Trim('-');
        return string.IsNullOrEmpty(slug) ? "project" : slug.Length > 60 ? slug[..60] : slug;
    }

    [GeneratedRegex("[^a-z0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotSafe();
}
