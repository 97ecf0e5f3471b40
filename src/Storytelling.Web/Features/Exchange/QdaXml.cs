using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace Storytelling.Web.Features.Exchange;

/// <summary>Limits on what an import may hold; generous for real projects, small enough that a hostile file cannot
/// fill the disk or the memory (a zip bomb stops at <see cref="MaxUncompressedBytes"/>).</summary>
public sealed class ExchangeOptions
{
    public const string Section = "Storytelling:Exchange";

    /// <summary>Largest .qdpx upload (compressed), audio included.</summary>
    [Range(1024, long.MaxValue)] public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;
    /// <summary>Largest sum of the uncompressed entries of one .qdpx.</summary>
    [Range(1024, long.MaxValue)] public long MaxUncompressedBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    [Range(1, 1_000_000)] public int MaxEntries { get; set; } = 20_000;
    /// <summary>Largest project.qde; it is parsed into memory, so it is bounded on its own.</summary>
    [Range(1024, int.MaxValue)] public int MaxProjectXmlBytes { get; set; } = 256 * 1024 * 1024;
    /// <summary>Largest .qdc codebook.</summary>
    [Range(1024, int.MaxValue)] public int MaxCodebookBytes { get; set; } = 10 * 1024 * 1024;
    [Range(1, 100_000)] public int MaxCodes { get; set; } = 5_000;
}

/// <summary>An import refused for one reason a person can act on; nothing was written.</summary>
public sealed class ExchangeRefusedException(string message) : Exception(message);

/// <summary>REFI-QDA (QDA-XML 1.0) vocabulary and the conversions between our model and the standard's.</summary>
public static partial class QdaXml
{
    public const string ProjectNamespace = "urn:QDA-XML:project:1.0";
    public const string CodebookNamespace = "urn:QDA-XML:codebook:1.0";
    public const string Origin = "Storytelling";
    public const string InternalScheme = "internal://";
    /// <summary>The folder of source files in a .qdpx we write: lower case, because importers that look it up
    /// case-sensitively on Linux and macOS look for "sources" (see ARCHITECTURE.md); every reader here ignores case.</summary>
    public const string SourcesFolder = "sources/";

    /// <summary>A GUID derived from an id and a purpose (name-based, SHA-256, version 8), so a thing written twice
    /// carries the same GUID in both exports and a tool that re-imports can match it.</summary>
    public static Guid StableGuid(Guid id, string purpose)
    {
        Span<byte> input = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(purpose.Length)];
        id.TryWriteBytes(input, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(purpose, input[16..]);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(input[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>UTF-8 without BOM, as the standard and the tools expect.</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static XmlWriterSettings WriterSettings(bool async = false) => new()
    {
        Encoding = Utf8,
        Indent = true,
        Async = async,
        CheckCharacters = true,
    };

    /// <summary>
    /// A writer for project.qde and .qdc that never throws on text XML cannot carry: text stored before the doors refused
    /// control characters (or by another way in) is written with U+FFFD in place of each such character.
    /// </summary>
    public static XmlWriter CreateWriter(Stream output) => new XmlSafeTextWriter(XmlWriter.Create(output, WriterSettings()));

    /// <summary>The text with every character XML 1.0 cannot hold (controls other than tab and line breaks, lone
    /// surrogates, U+FFFE/U+FFFF) replaced by U+FFFD; the same string when there is none (nearly always).</summary>
    public static string XmlSafe(string text)
    {
        var firstBad = FirstInvalid(text);
        if (firstBad < 0) return text;
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, firstBad);
        for (var i = firstBad; i < text.Length; i++)
        {
            var c = text[i];
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], c)) { builder.Append(c).Append(text[i + 1]); i++; }
            else builder.Append(XmlConvert.IsXmlChar(c) ? c : '\uFFFD');
        }
        return builder.ToString();
    }

    private static int FirstInvalid(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (XmlConvert.IsXmlChar(text[i])) continue;
            if (i + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[i + 1], text[i])) { i++; continue; }
            return i;
        }
        return -1;
    }

    /// <summary>No DTD (so no XXE or entity expansion), no resolver, a cap on characters.</summary>
    public static XmlReaderSettings ReaderSettings(long maxCharacters) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
    };

    public static string FormatGuid(Guid id) => id.ToString("D", CultureInfo.InvariantCulture).ToUpperInvariant();

    public static string DateTime(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A GUID in one of the two forms the schema allows (8-4-4-4-12, optionally in braces).</summary>
    public static bool TryParseGuid(string? text, out Guid id)
    {
        id = default;
        return text is not null && GuidShape().IsMatch(text.Trim()) && System.Guid.TryParse(text.Trim(), out id);
    }

    /// <summary>"#RRGGBB" in upper case; "#RGB" is expanded; anything else gives null.</summary>
    public static string? NormaliseColour(string? colour)
    {
        var c = colour?.Trim().ToUpperInvariant();
        if (c is null) return null;
        if (Rgb6().IsMatch(c)) return c;
        if (Rgb3().IsMatch(c)) return $"#{c[1]}{c[1]}{c[2]}{c[2]}{c[3]}{c[3]}";
        return null;
    }

    /// <summary>UTF-16 offset → code-point offset (REFI-QDA counts characters, not UTF-16 units).</summary>
    public static int ToCodePoints(string text, int utf16Offset)
    {
        var count = utf16Offset;
        for (var i = 0; i < utf16Offset - 1 && i < text.Length - 1; i++)
        {
            if (char.IsHighSurrogate(text[i]) && char.IsLowSurrogate(text[i + 1])) { count--; i++; }
        }
        return count;
    }

    /// <summary>Code-point offset → UTF-16 offset, or -1 when it lies outside the text.</summary>
    public static int ToUtf16(string text, long codePointOffset)
    {
        if (codePointOffset < 0) return -1;
        var units = 0;
        for (long cp = 0; cp < codePointOffset; cp++)
        {
            if (units >= text.Length) return -1;
            units += char.IsHighSurrogate(text[units]) && units + 1 < text.Length && char.IsLowSurrogate(text[units + 1]) ? 2 : 1;
        }
        return units;
    }

    /// <summary>Whether the text has surrogate pairs; without them both offsets are the same and no scan is needed.</summary>
    public static bool HasSurrogates(string text)
    {
        foreach (var c in text) if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>A plain relative name: no rooted path, no "..", no back-slashes, no control characters.</summary>
    public static bool SafeEntryName(string name) =>
        name.Length is > 0 and <= 255 && !name.StartsWith('/') && !name.Contains('\\') && !name.Contains(':')
        && !name.Split('/').Any(part => part is "" or "." or "..") && !name.Any(char.IsControl);

    /// <summary>File extension for a recording's container, so QDA tools pick the right player.</summary>
    public static string AudioExtension(string format, string mediaType) => format switch
    {
        "mp4" or "mov" => mediaType.StartsWith("video", StringComparison.Ordinal) ? "mp4" : "m4a",
        "3gp" => "3gp",
        "webm" or "matroska" => "webm",
        "ogg" => "ogg",
        "mp3" => "mp3",
        "wav" => "wav",
        "flac" => "flac",
        "amr" => "amr",
        "aac" => "aac",
        _ => "bin",
    };

    [GeneratedRegex(@"^(\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$", RegexOptions.CultureInvariant)]
    private static partial Regex GuidShape();

    [GeneratedRegex("^#[0-9A-F]{6}$", RegexOptions.CultureInvariant)]
    private static partial Regex Rgb6();

    [GeneratedRegex("^#[0-9A-F]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Rgb3();
}

/// <summary>Passes everything to the inner writer; text and attribute values go through <see cref="QdaXml.XmlSafe"/>.</summary>
internal sealed class XmlSafeTextWriter(XmlWriter inner) : XmlWriter
{
    public override WriteState WriteState => inner.WriteState;
    public override XmlWriterSettings? Settings => inner.Settings;
    public override void Flush() => inner.Flush();
    public override string? LookupPrefix(string ns) => inner.LookupPrefix(ns);
    public override void WriteBase64(byte[] buffer, int index, int count) => inner.WriteBase64(buffer, index, count);
    public override void WriteCData(string? text) => inner.WriteCData(text is null ? null : QdaXml.XmlSafe(text));
    public override void WriteCharEntity(char ch) => inner.WriteString(QdaXml.XmlSafe(ch.ToString()));
    public override void WriteChars(char[] buffer, int index, int count) => WriteString(new string(buffer, index, count));
    public override void WriteComment(string? text) => inner.WriteComment(text is null ? null : QdaXml.XmlSafe(text));
    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => inner.WriteDocType(name, pubid, sysid, subset);
    public override void WriteEndAttribute() => inner.WriteEndAttribute();
    public override void WriteEndDocument() => inner.WriteEndDocument();
    public override void WriteEndElement() => inner.WriteEndElement();
    public override void WriteEntityRef(string name) => inner.WriteEntityRef(name);
    public override void WriteFullEndElement() => inner.WriteFullEndElement();
    public override void WriteProcessingInstruction(string name, string? text) => inner.WriteProcessingInstruction(name, text);
    public override void WriteRaw(char[] buffer, int index, int count) => WriteRaw(new string(buffer, index, count));
    public override void WriteRaw(string data) => inner.WriteRaw(QdaXml.XmlSafe(data));
    public override void WriteStartAttribute(string? prefix, string localName, string? ns) => inner.WriteStartAttribute(prefix, localName, ns);
    public override void WriteStartDocument() => inner.WriteStartDocument();
    public override void WriteStartDocument(bool standalone) => inner.WriteStartDocument(standalone);
    public override void WriteStartElement(string? prefix, string localName, string? ns) => inner.WriteStartElement(prefix, localName, ns);
    public override void WriteString(string? text) => inner.WriteString(text is null ? null : QdaXml.XmlSafe(text));
    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => inner.WriteSurrogateCharEntity(lowChar, highChar);
    public override void WriteWhitespace(string? ws) => inner.WriteWhitespace(ws);

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
