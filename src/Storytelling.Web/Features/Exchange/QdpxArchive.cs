using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Storytelling.Web.Features.Transcripts;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Storytelling.Web.Features.Exchange;

/// <summary>
/// The entries of an uploaded .qdpx as the tools write them: names compared without case (ATLAS.ti writes
/// <c>Project.qde</c> and <c>Sources/</c>, others <c>sources/</c>), back-slashes read as folders (Windows zips), the
/// project file found at the root or in one top folder. Source paths are resolved the ways tools write them
/// (<c>internal://</c>, relative, absolute under <c>basePath</c>) but only ever looked up among the entries, never on disk.
/// </summary>
internal sealed class QdpxArchive
{
    private readonly Dictionary<string, ZipArchiveEntry> _entries;
    private readonly string _root;
    private readonly long[] _budget;

    private QdpxArchive(Dictionary<string, ZipArchiveEntry> entries, string root, ZipArchiveEntry project, long[] budget)
    {
        _entries = entries;
        _root = root;
        Project = project;
        _budget = budget;
    }

    public ZipArchiveEntry Project { get; }

    /// <summary>Checks every entry name and size before a single entry is opened.</summary>
    public static QdpxArchive Open(ZipArchive zip, ExchangeOptions options)
    {
        if (zip.Entries.Count > options.MaxEntries)
            throw new ExchangeRefusedException($"Het .qdpx-bestand bevat meer dan {options.MaxEntries} bestanden.");
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.OrdinalIgnoreCase);
        long total = 0;
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName.Replace('\\', '/');
            if (name.EndsWith('/')) continue;
            if (!QdaXml.SafeEntryName(name))
                throw new ExchangeRefusedException("Het .qdpx-bestand bevat een bestandsnaam die buiten het archief wijst.");
            total += entry.Length;
            if (total > options.MaxUncompressedBytes)
                throw new ExchangeRefusedException($"Uitgepakt is het .qdpx-bestand groter dan {options.MaxUncompressedBytes / (1024 * 1024)} MB.");
            entries[name] = entry;
        }
        // The standard puts project.qde at the root; a zip made by hand of the folder has it one level down.
        var root = "";
        if (!entries.TryGetValue("project.qde", out var project))
        {
            var nested = entries.Where(e => e.Key.Count(c => c == '/') == 1 && e.Key.EndsWith("/project.qde", StringComparison.OrdinalIgnoreCase)).ToList();
            if (nested.Count != 1) throw new ExchangeRefusedException("Dit .qdpx-bestand bevat geen project.qde.");
            project = nested[0].Value;
            root = nested[0].Key[..(nested[0].Key.IndexOf('/') + 1)];
        }
        if (project.Length > options.MaxProjectXmlBytes)
            throw new ExchangeRefusedException($"project.qde is groter dan {options.MaxProjectXmlBytes / (1024 * 1024)} MB.");
        return new QdpxArchive(entries, root, project, [options.MaxUncompressedBytes]);
    }

    /// <summary>An entry's content, counted against the archive's shared uncompressed budget.</summary>
    public Stream OpenRead(ZipArchiveEntry entry) => new BudgetStream(entry.Open(), _budget);

    /// <summary>
    /// The entry a source path names, or null when the file is not in the archive. <c>internal://x</c> is
    /// <c>Sources/x</c>; a relative path is tried under Sources/ and at the root; an absolute path (or a file: URI) is
    /// taken relative to <paramref name="basePath"/> when it lies under it, and finally by its file name in Sources/,
    /// where tools that copy external files put them.
    /// </summary>
    public ZipArchiveEntry? Resolve(string? path, string? basePath)
    {
        if (string.IsNullOrWhiteSpace(path)) return null;
        var p = path.Trim();
        var candidates = new List<string>();
        if (p.StartsWith(QdaXml.InternalScheme, StringComparison.OrdinalIgnoreCase))
        {
            var rest = Unescape(p[QdaXml.InternalScheme.Length..]).Replace('\\', '/').TrimStart('/');
            candidates.Add("Sources/" + rest);
            candidates.Add(rest);
        }
        else
        {
            if (p.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(p, UriKind.Absolute, out var uri)) p = uri.LocalPath;
            else if (p.StartsWith("relative://", StringComparison.OrdinalIgnoreCase)) p = Unescape(p["relative://".Length..]);
            p = p.Replace('\\', '/');
            var absolute = p.StartsWith('/') || (p.Length > 2 && p[1] == ':' && p[2] == '/');
            if (absolute && !string.IsNullOrWhiteSpace(basePath))
            {
                var b = basePath.Trim().Replace('\\', '/');
                if (b.StartsWith("file:", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(basePath.Trim(), UriKind.Absolute, out var bu))
                    b = bu.LocalPath.Replace('\\', '/');
                if (!b.EndsWith('/')) b += '/';
                if (p.StartsWith(b, StringComparison.OrdinalIgnoreCase)) { p = p[b.Length..]; absolute = false; }
            }
            if (!absolute)
            {
                while (p.StartsWith("./", StringComparison.Ordinal)) p = p[2..];
                candidates.Add("Sources/" + p);
                candidates.Add(p);
            }
        }
        var fileName = candidates.Count > 0 ? candidates[^1] : p;
        fileName = fileName[(fileName.LastIndexOf('/') + 1)..];
        if (fileName.Length > 0) candidates.Add("Sources/" + fileName);
        // Paths are URIs to some tools and file names to others: "Interview%202.txt" may be either.
        candidates.AddRange(candidates.Select(Unescape).Where(c => !candidates.Contains(c)).ToList());
        foreach (var candidate in candidates)
        {
            if (QdaXml.SafeEntryName(candidate) && _entries.TryGetValue(_root + candidate, out var entry)) return entry;
        }
        return null;
    }

    /// <summary>The text of a plain-text file: UTF-8 (a BOM tells UTF-16 or UTF-32); a file that is not valid UTF-8 is
    /// read as Windows-1252, the other encoding Windows tools write.</summary>
    public string ReadPlainText(ZipArchiveEntry entry, int maxChars)
    {
        var bytes = ReadAll(entry, (long)maxChars * 4 + 4);
        var decoded = TextDecoding.Decode(bytes);
        // A stray NUL in an otherwise good text is cleaned by the caller (it becomes U+FFFD), not a reason to drop it all.
        return decoded.Encoding == "binary" ? Encoding.UTF8.GetString(bytes) : decoded.Text;
    }

    /// <summary>The plain text of a Word document: paragraphs on lines of their own, tabs and line breaks kept.</summary>
    public string? ReadDocx(ZipArchiveEntry entry, int maxChars)
    {
        var bytes = ReadAll(entry, long.MaxValue);
        try
        {
            using var doc = WordprocessingDocument.Open(new MemoryStream(bytes), false,
                new OpenSettings { MaxCharactersInPart = (long)maxChars * 20 });
            var body = doc.MainDocumentPart?.Document?.Body;
            if (body is null) return "";
            var text = new StringBuilder();
            var first = true;
            foreach (var paragraph in body.Descendants<Paragraph>())
            {
                if (!first) text.Append('\n');
                first = false;
                foreach (var element in paragraph.Descendants())
                {
                    switch (element)
                    {
                        case Text t: text.Append(t.Text); break;
                        case TabChar: text.Append('\t'); break;
                        case Break or CarriageReturn: text.Append('\n'); break;
                    }
                }
                if (text.Length > maxChars) break;
            }
            return text.ToString();
        }
        catch (Exception e) when (e is InvalidDataException or OpenXmlPackageException or IOException or InvalidOperationException
            or System.Xml.XmlException)
        {
            return null;
        }
    }

    /// <summary>The text a PDF carries, page after page; empty when it has none (a scan), null when it cannot be read.</summary>
    public string? ReadPdf(ZipArchiveEntry entry, int maxChars)
    {
        var bytes = ReadAll(entry, long.MaxValue);
        try
        {
            using var pdf = PdfDocument.Open(bytes);
            var text = new StringBuilder();
            foreach (var page in pdf.GetPages())
            {
                var pageText = ContentOrderTextExtractor.GetText(page);
                if (string.IsNullOrWhiteSpace(pageText)) continue;
                if (text.Length > 0) text.Append('\n');
                text.Append(pageText.Trim('\n', '\r'));
                if (text.Length > maxChars) break;
            }
            return text.ToString();
        }
#pragma warning disable CA1031 // A damaged or hostile PDF fails in many ways inside the reader; each means "cannot be read".
        catch (Exception e) when (e is not OutOfMemoryException and not OperationCanceledException and not ExchangeRefusedException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private byte[] ReadAll(ZipArchiveEntry entry, long max)
    {
        using var stream = OpenRead(entry);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max) break;
        }
        return buffer.ToArray();
    }

    private static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s);
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    /// <summary>Counts bytes read against the archive's shared uncompressed budget, so an entry that lies about its size
    /// (a zip bomb) is stopped at the limit rather than believed.</summary>
    private sealed class BudgetStream(Stream inner, long[] budget) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            budget[0] -= read;
            if (budget[0] < 0) throw new ExchangeRefusedException("Uitgepakt is het .qdpx-bestand groter dan toegestaan.");
            return read;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
