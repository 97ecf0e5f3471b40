using System.Net;
using System.Net.Http.Json;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Security;

namespace Storytelling.Tests.Security;

/// <summary>Rate limits counted in Redis when it is configured, and what each limit does while Redis is away.</summary>
[Collection(RedisCollection.Name)]
public sealed class SharedLimitsTests(RedisFixture redis) : IDisposable
{
    private readonly string _folder = Repo.NewTempFolder("shared-limits");

    private Dictionary<string, string?> Settings(string redisConnection) => new()
    {
        ["Storytelling:Database:ConnectionString"] = $"Data Source={Path.Combine(_folder, "st.db")}",
        ["Storytelling:Storage:DiskStore:RootPath"] = Path.Combine(_folder, "media"),
        ["Storytelling:Redis:ConnectionString"] = redisConnection,
        ["Storytelling:Redis:Prefix"] = "limits" + Guid.NewGuid().ToString("N")[..8],
        [RateLimits.AttemptsSetting] = "3",
        ["Storytelling:Tellers:CodeAttemptsPerWindow"] = "3",
    };

    [Fact]
    public async Task Sign_in_attempts_spent_on_one_node_stay_spent_on_the_next_one_sharing_Redis()
    {
        var settings = Settings(redis.ConnectionString);
        await using (var first = await new TestApp(settings).MigrateAsync())
        {
            using var client = first.AnonymousClient();
            for (var i = 0; i < 3; i++) Assert.NotEqual(HttpStatusCode.TooManyRequests, (await WrongSignInAsync(client)).StatusCode);
        }
        // Another node (here: the same installation started anew) shares the database's key ring and the Redis count.
        await using var second = new TestApp(settings);
        using var again = second.AnonymousClient();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await WrongSignInAsync(again)).StatusCode);
    }

    [Fact]
    public async Task While_Redis_is_unreachable_receipt_codes_are_refused_and_sign_ins_are_counted_on_this_node()
    {
        var nobody = $"127.0.0.1:{Repo.FreeLoopbackPort()},connectTimeout=500";
        await using var app = await new TestApp(Settings(nobody)).MigrateAsync();
        using var client = app.AnonymousClient();

        // A receipt code has no lockout behind it: without the shared count, no try is given at all.
        var enter = await client.GetStringAsync("/verhaal");
        var code = await Forms.PostAsync(client, "/verhaal", enter, null, new() { ["Code"] = "ABCD-EFGH" });
        Assert.Equal(HttpStatusCode.TooManyRequests, code.StatusCode);

        // Signing in stays possible, limited per node as with one node.
        for (var i = 0; i < 3; i++) Assert.NotEqual(HttpStatusCode.TooManyRequests, (await WrongSignInAsync(client)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await WrongSignInAsync(client)).StatusCode);
    }

    private static Task<HttpResponseMessage> WrongSignInAsync(HttpClient client) =>
        client.PostAsJsonAsync("/api/account/login", new { email = "niemand@example.org", password = "fout-wachtwoord-123" });

    public void Dispose() => Repo.DeleteFolder(_folder);
}
