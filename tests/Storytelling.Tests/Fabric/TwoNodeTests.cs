using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Tests.Fabric;

/// <summary>
/// Two web nodes behind any load balancer serve one live workshop and one set of limits, and a node can die without
/// losing a phone's codings or its story. Real processes, PostgreSQL and Redis on loopback (<see cref="TwoNodeCluster"/>).
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class TwoNodeTests(TwoNodeCluster cluster) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public Task InitializeAsync() => cluster.EnsureNodeAAsync();
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_phone_on_node_A_tags_and_the_board_on_node_B_shows_it_with_the_sign_in_from_A()
    {
        var (storyId, _) = await cluster.SeedStoryAsync("Karim");
        var login = await cluster.LoginCookieAsync(cluster.UrlA);           // signed and encrypted by node A …
        var (code, sessionId) = await cluster.OpenSessionAsync(cluster.UrlB, login);   // … accepted by node B
        await using var board = await TwoNodeCluster.ConnectAsync(cluster.UrlB, login);
        var shown = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<JsonElement[]>(WorkshopPush.CodingsAdded, list => shown.TrySetResult(list[0]));
        await board.InvokeAsync<JsonElement>("WatchBoard", cluster.Project.Id, sessionId);

        var guest = await TwoNodeCluster.JoinAsync(cluster.UrlA, code, "Fatima");
        await using var phone = await TwoNodeCluster.ConnectAsync(cluster.UrlA, guest);
        await phone.InvokeAsync<JsonElement>("JoinSession", code);
        await phone.InvokeAsync<JsonElement>("ApplyTheme", storyId, 1, cluster.ThemeWerk);

        var coding = await shown.Task.WaitAsync(Wait);
        Assert.Equal("Toen ging alles mis.", coding.GetProperty("text").GetString());
        Assert.Equal("Fatima", coding.GetProperty("authorName").GetString());
        var drawn = await board.InvokeAsync<JsonElement>("GetBoard");
        Assert.Contains("Toen ging alles mis.", drawn.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(1, drawn.GetProperty("participants").GetInt32());

        // The antiforgery token of a form node A served is valid on node B (the key ring is shared in the database).
        var cookies = new CookieContainer();
        using var onA = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = cluster.UrlA };
        using var onB = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = cluster.UrlB };
        var form = await (await onA.GetAsync("/account/login")).Content.ReadAsStringAsync();
        var signIn = await Forms.PostAsync(onB, "/account/login", form, null,
            new() { ["Email"] = TwoNodeCluster.Begeleider, ["Password"] = TestApp.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }

    [Fact]
    public async Task A_vote_limit_holds_across_nodes()
    {
        var login = await cluster.LoginCookieAsync(cluster.UrlA);
        var (code, _) = await cluster.OpenSessionAsync(cluster.UrlA, login, votes: 1);
        var guest = await TwoNodeCluster.JoinAsync(cluster.UrlA, code, "Karel");
        await using var onA = await TwoNodeCluster.ConnectAsync(cluster.UrlA, guest);
        await using var onB = await TwoNodeCluster.ConnectAsync(cluster.UrlB, guest);
        await onA.InvokeAsync<JsonElement>("JoinSession", code);
        await onB.InvokeAsync<JsonElement>("JoinSession", code);

        await onA.InvokeAsync<List<Guid>>("Vote", cluster.ThemeWerk);
        var refused = await Assert.ThrowsAsync<HubException>(() => onB.InvokeAsync<List<Guid>>("Vote", cluster.ThemeSchulden));
        Assert.Contains("stem al gebruikt", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_a_session_on_node_A_puts_out_the_phones_on_node_B_and_every_node_counts_the_room()
    {
        var login = await cluster.LoginCookieAsync(cluster.UrlA);
        var (code, sessionId) = await cluster.OpenSessionAsync(cluster.UrlA, login);
        await using var onA = await TwoNodeCluster.ConnectAsync(cluster.UrlA, await TwoNodeCluster.JoinAsync(cluster.UrlA, code, "Fatima"));
        await using var onB = await TwoNodeCluster.ConnectAsync(cluster.UrlB, await TwoNodeCluster.JoinAsync(cluster.UrlB, code, "Karel"));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        onB.On(WorkshopPush.Closed, () => closed.TrySetResult());
        await onA.InvokeAsync<JsonElement>("JoinSession", code);
        await onB.InvokeAsync<JsonElement>("JoinSession", code);

        // The room is counted in one place for both nodes: two phones, one on each.
        var room = $"twonodes:workshop:{sessionId:N}:phones";
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.RedisConnectionString);
        var deadline = DateTime.UtcNow + Wait;
        while (await redis.GetDatabase().SortedSetLengthAsync(room) < 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.Equal(2, await redis.GetDatabase().SortedSetLengthAsync(room));

        using var staff = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = cluster.UrlA };
        using var close = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{cluster.Project.Id}/workshops/{sessionId}/close");
        close.Headers.Add("Cookie", login);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.SendAsync(close)).StatusCode);

        await closed.Task.WaitAsync(Wait);
        Assert.Equal(0, await redis.GetDatabase().SortedSetLengthAsync(room));
        var refused = await Assert.ThrowsAsync<HubException>(() => onB.InvokeAsync<JsonElement>("GetFragments", Guid.NewGuid()));
        Assert.Contains("gesloten", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tellers_withdrawal_handled_by_node_A_removes_the_spotlight_on_node_B_s_board()
    {
        var (storyId, receipt) = await cluster.SeedStoryAsync("Sanne");
        var login = await cluster.LoginCookieAsync(cluster.UrlB);
        var (code, sessionId) = await cluster.OpenSessionAsync(cluster.UrlB, login);
        var guest = await TwoNodeCluster.JoinAsync(cluster.UrlB, code, "Fatima");
        await using var phone = await TwoNodeCluster.ConnectAsync(cluster.UrlB, guest);
        await phone.InvokeAsync<JsonElement>("JoinSession", code);
        var coding = await phone.InvokeAsync<JsonElement>("ApplyTheme", storyId, 0, cluster.ThemeWerk);
        await using var board = await TwoNodeCluster.ConnectAsync(cluster.UrlB, login);
        await board.InvokeAsync<JsonElement>("WatchBoard", cluster.Project.Id, sessionId);
        await board.InvokeAsync("Spotlight", coding.GetProperty("id").GetGuid());
        Assert.Contains("Ik had een eigen zaak, zegt Sanne.", (await board.InvokeAsync<JsonElement>("GetBoard")).GetProperty("spotlight").GetRawText(), StringComparison.Ordinal);
        var dark = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        board.On<JsonElement?>(WorkshopPush.Spotlight, s => { if (s is null || s.Value.ValueKind == JsonValueKind.Null) dark.TrySetResult(); });

        // The teller enters the receipt code and withdraws, on node A.
        var cookies = new CookieContainer();
        using var teller = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = cluster.UrlA };
        var enter = await teller.GetStringAsync("/verhaal");
        var mine = await Forms.PostAsync(teller, "/verhaal", enter, null, new() { ["Code"] = receipt });
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var confirm = await teller.GetStringAsync("/verhaal/mijn?stap=intrekken");
        var withdrawn = await Forms.PostAsync(teller, "/verhaal/mijn", confirm, "Withdraw", new() { ["confirm"] = "ja" });
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);

        await dark.Task.WaitAsync(Wait);
        var after = await board.InvokeAsync<JsonElement>("GetBoard");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("spotlight").ValueKind);
        Assert.DoesNotContain("Ik had een eigen zaak, zegt Sanne.", after.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_code_limit_reached_on_node_A_holds_on_node_B()
    {
        // One client address of its own (the balancer on loopback is a trusted proxy), so no other test shares its budget.
        const string client = "198.51.100.17";
        for (var i = 0; i < TwoNodeCluster.CodeAttempts; i++)
            Assert.Equal(HttpStatusCode.BadRequest, (await TryCodeAsync(cluster.UrlA, client)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryCodeAsync(cluster.UrlB, client)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryCodeAsync(cluster.UrlA, client)).StatusCode);
        // Another address is not affected.
        Assert.Equal(HttpStatusCode.BadRequest, (await TryCodeAsync(cluster.UrlB, "198.51.100.18")).StatusCode);

        // Redis holds the count under an HMAC, not the client's address.
        var keys = await RedisKeysAsync();
        Assert.Contains(keys, k => k.Contains("twonodes:limit:receipt-code:", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains(client, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Node_A_killed_mid_workshop_its_phones_reconnect_to_B_and_no_coding_is_lost()
    {
        var (storyId, _) = await cluster.SeedStoryAsync("Yusuf");
        var login = await cluster.LoginCookieAsync(cluster.UrlB);
        var (code, sessionId) = await cluster.OpenSessionAsync(cluster.UrlB, login);
        await using var board = await TwoNodeCluster.ConnectAsync(cluster.UrlB, login);
        var seen = new ConcurrentBag<int>();
        board.On<JsonElement[]>(WorkshopPush.CodingsAdded, list => { foreach (var c in list) if (c.GetProperty("storyId").GetGuid() == storyId) seen.Add(c.GetProperty("startChar").GetInt32()); });
        await board.InvokeAsync<JsonElement>("WatchBoard", cluster.Project.Id, sessionId);

        // The phone reaches the installation through the balancer, which sends it to A while A lives.
        var guest = await TwoNodeCluster.JoinAsync(cluster.Balancer.Address, code, "Fatima");
        await using var phone = await TwoNodeCluster.ConnectAsync(cluster.Balancer.Address, guest);
        var back = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pending = new ConcurrentQueue<int>();
        // As workshop.js does: back in the room after a reconnect, then the codings tagged meanwhile are sent.
        phone.Reconnected += async _ =>
        {
            await phone.InvokeAsync<JsonElement>("JoinSession", code);
            while (pending.TryDequeue(out var position)) await phone.InvokeAsync<JsonElement>("ApplyTheme", storyId, position, cluster.ThemeWerk);
            back.TrySetResult();
        };
        await phone.InvokeAsync<JsonElement>("JoinSession", code);
        await phone.InvokeAsync<JsonElement>("ApplyTheme", storyId, 0, cluster.ThemeWerk);
        Assert.Contains("Application started", cluster.A.Stdout, StringComparison.Ordinal);

        // Tagged as the node dies, while the phone is cut off: it waits on the phone and goes out after the rejoin.
        pending.Enqueue(1);
        pending.Enqueue(2);
        await cluster.A.KillHardAsync();
        await back.Task.WaitAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(HubConnectionState.Connected, phone.State);

        var deadline = DateTime.UtcNow + Wait;
        while (seen.Count < 3 && DateTime.UtcNow < deadline) await Task.Delay(100);
        var starts = await cluster.Seeder.WithDbAsync(db => db.Codings.Where(c => c.Transcript!.StoryId == storyId).Select(c => c.StartChar).OrderBy(s => s).ToListAsync());
        Assert.Equal(3, starts.Count);
        Assert.Equal(starts, seen.Order().ToList());
    }

    [Fact]
    public async Task Node_A_killed_mid_upload_the_phone_resumes_on_B_from_the_confirmed_offset_and_the_recording_is_byte_identical()
    {
        var login = await cluster.LoginCookieAsync(cluster.UrlA);
        using var staff = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = cluster.UrlA };
        using var linkRequest = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{cluster.Project.Id}/invitations")
        {
            Content = JsonContent.Create(new { kind = "Capture", role = "Bewoner" }),
        };
        linkRequest.Headers.Add("Cookie", login);
        var link = (await (await staff.SendAsync(linkRequest)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var token = link[(link.LastIndexOf('/') + 1)..];

        var recording = Wav(seconds: 20);
        var sha = Convert.ToHexStringLower(SHA256.HashData(recording));
        using var phone = new HttpClient { BaseAddress = cluster.Balancer.Address };
        var created = await phone.PostAsJsonAsync($"/api/capture/{token}/uploads", new
        {
            sizeBytes = recording.Length, mediaType = "audio/wav", sha256 = sha, consent = new { analysis = true, quotesInReports = true, audioInWorkshops = false }, language = "nl",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var uploadId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        const int chunk = 64 * 1024;
        long offset = 0;
        while (offset < recording.Length / 2) offset = await PutAsync(phone, uploadId, recording, offset, chunk);

        await cluster.A.KillHardAsync();

        // The phone asks how much arrived (now answered by B) and goes on from there.
        var status = await phone.GetFromJsonAsync<JsonElement>($"/api/uploads/{uploadId}");
        var confirmed = status.GetProperty("receivedBytes").GetInt64();
        Assert.Equal(offset, confirmed);
        while (confirmed < recording.Length) confirmed = await PutAsync(phone, uploadId, recording, confirmed, chunk);
        var complete = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        var storyId = (await complete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storyId").GetGuid();

        var blob = await cluster.Seeder.WithDbAsync(db => db.Recordings.Where(r => r.StoryId == storyId).Select(r => r.BlobName).SingleAsync());
        var store = cluster.Seeder.Services.GetRequiredService<Storytelling.Core.Storage.IMediaStore>();
        await using var stored = await store.OpenReadAsync(blob, 0, null, CancellationToken.None);
        Assert.Equal(sha, Convert.ToHexStringLower(await SHA256.HashDataAsync(stored)));
    }

    private static async Task<long> PutAsync(HttpClient phone, string uploadId, byte[] bytes, long offset, int chunk)
    {
        var content = new ByteArrayContent(bytes, (int)offset, (int)Math.Min(chunk, bytes.Length - offset));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await phone.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receivedBytes").GetInt64();
    }

    private static async Task<HttpResponseMessage> TryCodeAsync(Uri node, string clientAddress)
    {
        using var teller = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = node };
        teller.DefaultRequestHeaders.Add("X-Forwarded-For", clientAddress);
        var enter = await teller.GetStringAsync("/verhaal");
        return await Forms.PostAsync(teller, "/verhaal", enter, null, new() { ["Code"] = "AAAA-AAAA" });
    }

    private async Task<List<string>> RedisKeysAsync()
    {
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(cluster.RedisConnectionString);
        var server = redis.GetServers()[0];
        return server.Keys(pattern: "*").Select(k => k.ToString()).ToList();
    }

    /// <summary>A mono 16 kHz 16-bit WAV with a tone, <paramref name="seconds"/> long.</summary>
    private static byte[] Wav(int seconds)
    {
        const int rate = 16000;
        var samples = rate * seconds;
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write("RIFF"u8); w.Write(36 + samples * 2); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(samples * 2);
        for (var i = 0; i < samples; i++) w.Write((short)(Math.Sin(2 * Math.PI * 440 * i / rate) * 8000));
        w.Flush();
        return ms.ToArray();
    }
}
