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

    /// <summary>UTF-8 without BOM, as the standard and the tools expect.</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static XmlWriterSettings WriterSettings(bool async = false) => new()
    {
        Encoding = Utf8,
        Indent = true,
        Async = async,
        CheckCharacters = true,
    };

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

    /// <summary>"internal://name" → "Sources/name", refusing anything that could leave the Sources folder.</summary>
    public static string? InternalEntry(string? path)
    {
        if (path is null || !path.StartsWith(InternalScheme, StringComparison.OrdinalIgnoreCase)) return null;
        var name = Uri.UnescapeDataString(path[InternalScheme.Length..]);
        return SafeEntryName(name) ? "Sources/" + name : null;
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
