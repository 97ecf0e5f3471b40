using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Persistence;

namespace Storytelling.Core.Stories;

/// <summary>
/// Receipt codes are read aloud and typed on phones, so the alphabet leaves out look-alikes
/// (0/O, 1/I/L, 5/S, 2/Z, 8/B) and the code is split in two groups of four.
/// 8 symbols from 26 gives ~37 bits: guessing one of 10,000 stories takes ~10^7 tries, which the rate limit stops.
/// Only the SHA-256 of a code is stored (<see cref="Story.ReceiptCodeHash"/>), like invitation and capture links: the
/// code is shown once, to whoever created the story, and a copy of the database does not hand out anyone's key.
/// (37 bits can be searched offline; the hash keeps codes out of backups and query results, not from a determined attacker.)
/// </summary>
public static class ReceiptCode
{
    private const string Alphabet = "346789ACDEFGHJKMNPQRTUVWXY";

    public static string New()
    {
        Span<char> chars = stackalloc char[9];
        for (var i = 0; i < 9; i++)
        {
            chars[i] = i == 4 ? '-' : Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>
    /// A code no story has yet, counting stories added to <paramref name="db"/> but not saved (an import adds many in one
    /// transaction). 37 bits make a collision rare; checking keeps it impossible. Store its <see cref="Hash"/>.
    /// </summary>
    public static async Task<string> NewUniqueAsync(StorytellingDbContext db, CancellationToken ct)
    {
        while (true)
        {
            var code = New();
            var hash = Hash(code);
            if (!db.Stories.Local.Any(s => s.ReceiptCodeHash == hash) && !await db.Stories.AnyAsync(s => s.ReceiptCodeHash == hash, ct)) return code;
        }
    }

    /// <summary>The stored form of a normalized code: lower-case hex SHA-256, 64 characters.</summary>
    public static string Hash(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(code)));

    /// <summary>Accepts what people type: lower case, spaces, missing dash. Returns null when it cannot be a code.</summary>
    public static string? Normalize(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32) return null;
        Span<char> buffer = stackalloc char[8];
        var n = 0;
        foreach (var c in input)
        {
            if (c is '-' or ' ') continue;
            var upper = char.ToUpperInvariant(c);
            if (n == 8 || !Alphabet.Contains(upper, StringComparison.Ordinal)) return null;
            buffer[n++] = upper;
        }
        return n == 8 ? $"{buffer[..4]}-{buffer[4..]}" : null;
    }
}
