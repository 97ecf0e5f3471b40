using System.Text;

namespace Storytelling.Web.Features.Transcripts;

/// <summary>How a text file was read: its text, the encoding's name, and whether that was a guess (no BOM, not UTF-8).</summary>
public sealed record DecodedText(string Text, string Encoding, bool Guessed);

/// <summary>
/// Reads text files the way media players do: a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); without one, valid
/// UTF-8 is UTF-8, and anything else is Windows-1252, which is what subtitle editors and Word on Windows write
/// ("ANSI"). Binary data (NUL bytes outside UTF-16/32) is not text at all.
/// </summary>
public static class TextDecoding
{
    public const string Windows1252 = "Windows-1252";

    /// <summary>The decoded text, or <see cref="DecodedText.Text"/> empty with Encoding "binary" when it is not text.</summary>
    public static DecodedText Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            // UTF-32 LE must be tested before UTF-16 LE: its BOM starts with the same two bytes.
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00])) return new(new UTF32Encoding(false, false, true).GetString(bytes[4..]), "UTF-32LE", false);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF])) return new(new UTF32Encoding(true, false, true).GetString(bytes[4..]), "UTF-32BE", false);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE])) return new(new UnicodeEncoding(false, false, true).GetString(bytes[2..]), "UTF-16LE", false);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF])) return new(new UnicodeEncoding(true, false, true).GetString(bytes[2..]), "UTF-16BE", false);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return new(new UTF8Encoding(false, true).GetString(bytes[3..]), "UTF-8", false);
        }
        catch (DecoderFallbackException)
        {
            return new("", "binary", false);
        }
        if (bytes.Contains((byte)0)) return new("", "binary", false);
        try
        {
            return new(new UTF8Encoding(false, true).GetString(bytes), "UTF-8", false);
        }
        catch (DecoderFallbackException)
        {
            return new(FromWindows1252(bytes), Windows1252, true);
        }
    }

    /// <summary>Windows-1252: Latin-1 with printable characters in 0x80–0x9F (the five undefined bytes stay C1 controls,
    /// which the doors then refuse or clean).</summary>
    public static string FromWindows1252(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            var b = bytes[i];
            chars[i] = b is >= 0x80 and <= 0x9F ? High[b - 0x80] : (char)b;
        }
        return new string(chars);
    }

    private static readonly char[] High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021', '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014', '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];
}
