using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;

namespace Storytelling.Benchmarks;

/// <summary>
/// N guests join one live session over WebSockets (the real app, its own process on 127.0.0.1) and all tag at once:
/// each applies a theme every 2.5–7.5 s (≈ one per 5 s, a busy room). For every coding we take the time from the
/// moment its author invoked ApplyTheme to the moment the last of the other N − 1 phones received it.
/// </summary>
internal static class WorkshopBenchmark
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan MeanInterval = TimeSpan.FromSeconds(5);

    internal sealed record Level(int Participants, int Codings, int Complete, List<double> AllArrivedMs, List<double> EachArrivalMs, double JoinSeconds, double ServerCpuPercent, double ClientCpuPercent, int Errors = 0);

    public static async Task RunAsync(string[] args)
    {
        var levels = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [40, 80, 120, 160, 200, 250, 300, 400];
        await using var server = await RealServer.StartAsync();
        var (storyId, segments, themes, codes) = await SeedAsync(server, levels.Length);
        var results = new List<Level>();
        for (var i = 0; i < levels.Length; i++)
        {
            var level = await MeasureAsync([server.BaseUrl], [server.ProcessId], codes[i], storyId, segments, themes, levels[i]);
            results.Add(level);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{level.Participants,4} participants: {level.Codings} codings, {level.Complete} reached all; p50 {P(level.AllArrivedMs, 0.5):F0} ms, p95 {P(level.AllArrivedMs, 0.95):F0} ms, max {level.AllArrivedMs.DefaultIfEmpty(double.NaN).Max():F0} ms; server CPU {level.ServerCpuPercent:F0}%, client CPU {level.ClientCpuPercent:F0}%"));
            if (i > 0 && P(level.AllArrivedMs, 0.95) > 500) break;
        }
        Write(results);
    }

    internal static double P(List<double> values, double p) => values.Count == 0 ? double.NaN : Harness.Percentile(values, p);

    private static Task<(Guid StoryId, int Segments, Guid[] Themes, string[] Codes)> SeedAsync(RealServer server, int sessions) =>
        SeedAsync(new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Sqlite",
            ["Storytelling:Database:ConnectionString"] = $"Data Source={server.DatabasePath}",
            ["Storytelling:Storage:Provider"] = "Disk",
            ["Storytelling:Storage:DiskStore:RootPath"] = Path.Combine(Path.GetDirectoryName(server.DatabasePath)!, "media"),
        }, sessions);

    /// <summary>A project with one 60-segment story, six themes and <paramref name="sessions"/> open sessions, written
    /// straight into the database the settings name.</summary>
    internal static async Task<(Guid StoryId, int Segments, Guid[] Themes, string[] Codes)> SeedAsync(Dictionary<string, string?> settings, int sessions)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddStorytellingCore().BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var now = DateTimeOffset.UtcNow;
        var project = new Project { Name = "Workshop benchmark", GuidingQuestion = "Wat betekent werk voor jou?", CreatedAt = now };
        var story = new Story
        {
            ProjectId = project.Id, TellerPseudonym = "Karim", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = now,
            Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now },
        };
        const int segmentCount = 60;
        var transcript = new Transcript
        {
            StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = now,
            Segments = Enumerable.Range(0, segmentCount).Select(i => new TranscriptSegment
            {
                Position = i, StartMs = i * 5000, EndMs = i * 5000 + 4500,
                Text = $"Zin {i}: ik had een eigen zaak, toen ging alles mis en nu ben ik gewoon te moe om te solliciteren.",
            }).ToList(),
        };
        var themes = new[] { "Werk", "Schulden", "Wonen", "Eenzaamheid", "Taal", "Vertrouwen in de overheid" }
            .Select((n, i) => new Theme { ProjectId = project.Id, Name = n, Colour = "#1F618D", CreatedAt = now }).ToArray();
        const string alphabet = "346789ACDEFGHJKMNPQRTUVWXY";
        var codes = Enumerable.Range(0, sessions).Select(i => "WER" + alphabet[i / 676 % 26] + alphabet[i / 26 % 26] + alphabet[i % 26]).ToArray();
        db.Projects.Add(project);
        db.Stories.Add(story);
        db.Transcripts.Add(transcript);
        db.Themes.AddRange(themes);
        foreach (var code in codes)
            db.WorkshopSessions.Add(new WorkshopSession { ProjectId = project.Id, Title = "Bench", Code = code, OpenedAt = now, OpenedByPersonId = Guid.NewGuid() });
        await db.SaveChangesAsync();
        return (story.Id, segmentCount, themes.Select(t => t.Id).ToArray(), codes);
    }

    /// <summary>Participant i joins and connects through node i mod the number of nodes; server CPU is summed over them.</summary>
    internal static async Task<Level> MeasureAsync(IReadOnlyList<string> nodes, IReadOnlyList<int> serverPids, string code, Guid storyId, int segments, Guid[] themes, int n)
    {
        var arrivals = new ConcurrentDictionary<Guid, ConcurrentBag<long>>();
        var sent = new ConcurrentDictionary<Guid, (long At, int Sender)>();
        var joinClock = Stopwatch.StartNew();
        var https = nodes.Select(url => new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri(url) }).ToArray();
        var connections = new HubConnection[n];
        using var gate = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, n).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var response = await https[i % nodes.Count].PostAsJsonAsync($"/api/workshops/{code}/join", new { displayName = $"p{i}" });
                response.EnsureSuccessStatusCode();
                var cookie = string.Join("; ", response.Headers.GetValues("Set-Cookie").Select(v => v.Split(';')[0]));
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(new Uri(nodes[i % nodes.Count]), "/hubs/workshop"), o =>
                    {
                        o.Transports = HttpTransportType.WebSockets;
                        o.SkipNegotiation = true;
                        o.Headers["Cookie"] = cookie;
                    })
                    .Build();
                connection.On<CodingMessage[]>("codingsAdded", list =>
                {
                    var at = Stopwatch.GetTimestamp();
                    foreach (var c in list) arrivals.GetOrAdd(c.Id, _ => []).Add(at);
                });
                await connection.StartAsync();
                await connection.InvokeAsync<object>("JoinSession", code);
                connections[i] = connection;
            }
            finally
            {
                gate.Release();
            }
        }));
        var joinSeconds = joinClock.Elapsed.TotalSeconds;

        var cpuBefore = serverPids.Sum(pid => Harness.CpuTime(pid).TotalSeconds);
        var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(Window);
        var errors = 0;
        await Task.WhenAll(connections.Select((connection, i) => Task.Run(async () =>
        {
            var random = new Random(i);
            var ms = (int)MeanInterval.TotalMilliseconds;
            try
            {
                await Task.Delay(random.Next(ms), stop.Token);
                while (!stop.IsCancellationRequested)
                {
                    var at = Stopwatch.GetTimestamp();
                    try
                    {
                        var coding = await connection.InvokeAsync<CodingMessage>("ApplyTheme", storyId, random.Next(segments), themes[random.Next(themes.Length)], stop.Token);
                        sent[coding.Id] = (at, i);
                    }
                    catch (Microsoft.AspNetCore.SignalR.HubException)
                    {
                        // Refused or failed on the server (counted, not timed): the phone carries on, as a person would.
                        Interlocked.Increment(ref errors);
                    }
                    await Task.Delay(ms / 2 + random.Next(ms), stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        })));
        await Task.Delay(TimeSpan.FromSeconds(3)); // let the last fan-outs land
        var cpu = (serverPids.Sum(pid => Harness.CpuTime(pid).TotalSeconds) - cpuBefore) / wall.Elapsed.TotalSeconds * 100;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds / wall.Elapsed.TotalSeconds * 100;

        var allArrived = new List<double>();
        var each = new List<double>();
        foreach (var (id, (at, _)) in sent)
        {
            if (!arrivals.TryGetValue(id, out var bag)) continue;
            // Every phone gets the coding, the author's too; the others are the N − 1 that count.
            var times = bag.ToArray();
            each.AddRange(times.Select(t => Stopwatch.GetElapsedTime(at, t).TotalMilliseconds));
            if (times.Length >= n) allArrived.Add(Stopwatch.GetElapsedTime(at, times.Max()).TotalMilliseconds);
        }
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        foreach (var h in https) h.Dispose();
        return new Level(n, sent.Count, allArrived.Count, allArrived, each, joinSeconds, cpu, clientCpu, errors);
    }

    private static void Write(List<Level> results)
    {
        var crossing = results.FirstOrDefault(r => P(r.AllArrivedMs, 0.95) > 500);
        var forty = results.FirstOrDefault(r => r.Participants == 40);
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · Machine: {Harness.Machine()}");
        body.AppendLine("- Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- workshop`");
        body.AppendLine(CultureInfo.InvariantCulture, $"- Setup: the real web app as its own process on 127.0.0.1 (SQLite, WAL). N guests join one open session over HTTP, then connect to `/hubs/workshop` over WebSockets from one client process on the same machine (which competes for the same cores). For {Window.TotalSeconds:F0} s every participant applies a theme to a fragment every 2.5–7.5 s through the hub (→ `CodingService.CreateAsync`: checks, time range, insert + audit row, pseudonyms, push to the session group). Latency of a coding = from its author's `ApplyTheme` call to its arrival at the last of the other participants; p95 over all codings of the run.");
        body.AppendLine();
        body.AppendLine("| participants | codings | reached everyone | p50 to all (ms) | **p95 to all (ms)** | max (ms) | p95 single arrival (ms) | server CPU (% of one core) | client CPU (% of one core) | join + connect all (s) |");
        body.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in results)
            body.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Participants} | {r.Codings} | {r.Complete} | {P(r.AllArrivedMs, 0.5):F0} | **{P(r.AllArrivedMs, 0.95):F0}** | {r.AllArrivedMs.DefaultIfEmpty(double.NaN).Max():F0} | {P(r.EachArrivalMs, 0.95):F0} | {r.ServerCpuPercent:F0} | {r.ClientCpuPercent:F0} | {r.JoinSeconds:F1} |"));
        body.AppendLine();
        body.AppendLine(string.Create(CultureInfo.InvariantCulture, $"40 participants: p95 {(forty is null ? double.NaN : P(forty.AllArrivedMs, 0.95)):F0} ms (goal < 150 ms). ") +
            (crossing is null
                ? string.Create(CultureInfo.InvariantCulture, $"p95 stayed under 500 ms up to the largest count tried ({results[^1].Participants}; goal: beyond 200).")
                : string.Create(CultureInfo.InvariantCulture, $"p95 first crossed 500 ms at {crossing.Participants} participants (goal: beyond 200).")));
        Harness.WriteSection("Live workshop: coding fan-out over SignalR", body.ToString());
    }

    /// <summary>The fields of a pushed coding the benchmark needs.</summary>
    private sealed record CodingMessage(Guid Id);
}
