using System.Security.Cryptography;
using System.Text;

namespace Storytelling.Core.Projects;

/// <summary>Invitation tokens: 256 random bits, URL-safe; only their SHA-256 is stored.</summary>
public static class InvitationTokens
{
    public static string New() => System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Cheap shape check before touching the database, so junk in a URL costs nothing.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: 43 } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
