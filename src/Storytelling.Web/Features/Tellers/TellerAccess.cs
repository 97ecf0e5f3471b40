using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Persistence;
using Storytelling.Core.Stories;
using Storytelling.Web.Security;

namespace Storytelling.Web.Features.Tellers;

public sealed class TellerOptions
{
    public const string Section = "Storytelling:Tellers";

    /// <summary>Receipt-code attempts per client address per <see cref="WindowMinutes"/>; a guesser needs ~10^7 tries.</summary>
    [Range(1, 1000)] public int CodeAttemptsPerWindow { get; set; } = 10;
    [Range(1, 1440)] public int WindowMinutes { get; set; } = 10;
    /// <summary>How long the teller's page stays open after entering the code.</summary>
    [Range(1, 240)] public int SessionMinutes { get; set; } = 30;
    /// <summary>How often blob deletions that failed are retried (each also waits out its own back-off).</summary>
    [Range(1, 1440)] public int BlobSweepMinutes { get; set; } = 1;
}

/// <summary>
/// Code attempts are open to anyone, so they are limited per client address. With Redis every web node shares the
/// budget, and while Redis is unreachable attempts are refused (the teller is asked to try again in a while): a
/// receipt code has no lockout behind it, so a guesser must never gain tries by Redis going away.
/// </summary>
public sealed class TellerCodeLimiter(IOptions<TellerOptions> options, FixedWindowLimits limits) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress = limits.Create(new FixedWindowRule("receipt-code",
        options.Value.CodeAttemptsPerWindow, TimeSpan.FromMinutes(options.Value.WindowMinutes), WhenRedisIsDown.Refuse));

    public async ValueTask<bool> TryAcquireAsync(IPAddress? address, CancellationToken ct)
    {
        using var lease = await _perAddress.AcquireAsync(address?.ToString() ?? "unknown", 1, ct);
        return lease.IsAcquired;
    }

    public void Dispose() => _perAddress.Dispose();
}

/// <summary>
/// The receipt code opens the teller's page once: it is exchanged (POST) for a short-lived HttpOnly, SameSite=Strict
/// cookie holding the story id, encrypted and signed by Data Protection, so the code never appears in a URL, a
/// browser history or an access log. Every request re-reads the story, so a withdrawn story closes the page at once.
/// </summary>
public sealed class TellerAccess(StorytellingDbContext db, IDataProtectionProvider protection, TimeProvider time, IOptions<TellerOptions> options)
{
    public const string CookieName = "storytelling-teller";
    private readonly IDataProtector _protector = protection.CreateProtector("Storytelling.Tellers.Session.v1");

    /// <summary>The story whose receipt code this is, or null. Codes are stored as SHA-256 hashes and found by hash;
    /// the final comparison runs in constant time, also when no story matched, so response times say nothing.</summary>
    public async Task<Guid?> FindByCodeAsync(string? input, CancellationToken ct)
    {
        var code = ReceiptCode.Normalize(input);
        var hash = ReceiptCode.Hash(code ?? "????-????");
        var candidate = code is null ? null : await db.Stories.AsNoTracking().Where(s => s.ReceiptCodeHash == hash)
            .Select(s => new { s.Id, s.ReceiptCodeHash }).SingleOrDefaultAsync(ct);
        var typed = Encoding.ASCII.GetBytes(hash);
        var stored = Encoding.ASCII.GetBytes(candidate?.ReceiptCodeHash ?? new string('!', 64));
        return CryptographicOperations.FixedTimeEquals(typed, stored) && candidate is not null ? candidate.Id : null;
    }

    public void SignIn(HttpResponse response, Guid storyId)
    {
        var expires = time.GetUtcNow().AddMinutes(options.Value.SessionMinutes);
        var value = _protector.Protect($"{storyId:N}|{expires.UtcTicks}");
        response.Cookies.Append(CookieName, value, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = response.HttpContext.Request.IsHttps, Path = "/verhaal",
            IsEssential = true, MaxAge = TimeSpan.FromMinutes(options.Value.SessionMinutes),
        });
    }

    public static void SignOut(HttpResponse response) => response.Cookies.Delete(CookieName, new CookieOptions { Path = "/verhaal" });

    /// <summary>The story the cookie opens, when the cookie is genuine, not expired, and the story still exists.</summary>
    public async Task<Story?> CurrentStoryAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        string plain;
        try
        {
            plain = _protector.Unprotect(value);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var parts = plain.Split('|');
        if (parts.Length != 2 || !Guid.TryParseExact(parts[0], "N", out var storyId) || !long.TryParse(parts[1], out var ticks)) return null;
        if (time.GetUtcNow().UtcTicks > ticks) return null;
        return await db.Stories.AsNoTracking().Include(s => s.Project).SingleOrDefaultAsync(s => s.Id == storyId, ct);
    }
}
