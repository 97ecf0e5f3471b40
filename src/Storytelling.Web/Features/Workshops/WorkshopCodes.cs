using System.Security.Cryptography;

namespace Storytelling.Web.Features.Workshops;

/// <summary>
/// Session codes are read off a projector and typed on phones: six symbols from the receipt-code alphabet, which
/// leaves out look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B). A code only has to be unique among open sessions.
/// </summary>
public static class WorkshopCodes
{
    public const int Length = 6;
    private const string Alphabet = "346789ACDEFGHJKMNPQRTUVWXY";

    public static string New() => string.Create(Length, 0, (span, _) =>
    {
        for (var i = 0; i < span.Length; i++) span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
    });

    /// <summary>Accepts what people type (lower case, spaces, a dash); null when it cannot be a code.</summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 20) return null;
        Span<char> buffer = stackalloc char[Length];
        var n = 0;
        foreach (var c in input)
        {
            if (c is '-' or ' ') continue;
            var upper = char.ToUpperInvariant(c);
            if (n == Length || !Alphabet.Contains(upper, StringComparison.Ordinal)) return null;
            buffer[n++] = upper;
        }
        return n == Length ? new string(buffer) : null;
    }
}
