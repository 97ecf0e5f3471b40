using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Storytelling.Benchmarks;

/// <summary>
/// The workshop fan-out of <see cref="WorkshopBenchmark"/>, on PostgreSQL, in three set-ups measured in one run:
/// one web node without Redis (today's single machine), one web node with Redis (the cost of the Redis path: SignalR's
/// backplane carries every push), and two web nodes sharing PostgreSQL and Redis with the participants split over them.
/// Each level is measured three times, the set-ups interleaved; medians. Levels: 40, 200, 400, then higher until every
/// set-up's p95 passed 500 ms (at most 1,600 participants).
/// </summary>
internal static class WorkshopNodesBenchmark
{
    private const int Repetitions = 3;

    private sealed record Setup(string Name, string[] Urls, int[] Pids);

    public static async Task RunAsync(string[] args)
    {
        var levels = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [40, 200, 400, 800, 1200, 1600];
        var admin = Environment.GetEnvironmentVariable("STORYTELLING_TEST_POSTGRES")
                    ?? "Host=127.0.0.1;Port=5432;Username=storytelling_test;Password=storytelling-test;Database=postgres";
        var database = "storytelling_bench_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync(admin, $"CREATE DATABASE \"{database}\"");
        // Four web processes share one PostgreSQL (max_connections 100 here): 20 connections each.
        var connection = new NpgsqlConnectionStringBuilder(admin) { Database = database, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
        var folder = Path.Combine(Path.GetTempPath(), "storytelling-nodes-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var processes = new List<Process>();
        Process? redis = null;
        try
        {
            var redisPort = Harness.FreePort();
            redis = Harness.Start("/usr/bin/redis-server",
                ["--port", redisPort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--loglevel", "warning"],
                new Dictionary<string, string>());
            var settings = new Dictionary<string, string>
            {
                ["Storytelling__Database__Provider"] = "Postgres",
                ["Storytelling__Database__ConnectionString"] = connection,
                ["Storytelling__Storage__Provider"] = "Disk",
                ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(folder, "media"),
                ["Storytelling__Workshops__JoinsPerMinutePerAddress"] = "1000000",
                ["Logging__LogLevel__Default"] = "Warning",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
            };
            var dll = Harness.WebDll();
            if (await Harness.RunToEndAsync("dotnet", [dll, "migrate"], settings, Path.GetDirectoryName(dll)) != 0) throw new InvalidOperationException("migrate failed");
            var sessions = levels.Length * Repetitions * 3;
            var (storyId, segments, themes, codes) = await WorkshopBenchmark.SeedAsync(new Dictionary<string, string?>
            {
                ["Storytelling:Database:Provider"] = "Postgres",
                ["Storytelling:Database:ConnectionString"] = connection,
                ["Storytelling:Storage:Provider"] = "Disk",
                ["Storytelling:Storage:DiskStore:RootPath"] = Path.Combine(folder, "media"),
            }, sessions);

            async Task<(string Url, int Pid)> NodeAsync(string? redisPrefix)
            {
                var port = Harness.FreePort();
                var env = new Dictionary<string, string>(settings) { ["Urls"] = $"http://127.0.0.1:{port}" };
                if (redisPrefix is not null)
                {
                    env["Storytelling__Redis__ConnectionString"] = $"127.0.0.1:{redisPort}";
                    env["Storytelling__Redis__Prefix"] = redisPrefix;
                }
                var process = Harness.Start("dotnet", [dll], env, Path.GetDirectoryName(dll));
                processes.Add(process);
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                await Harness.WaitForAsync(http, "/health/ready", TimeSpan.FromSeconds(90));
                return ($"http://127.0.0.1:{port}", process.Id);
            }

            var plain = await NodeAsync(null);
            var withRedis = await NodeAsync("one");
            var a = await NodeAsync("two");
            var b = await NodeAsync("two");
            Setup[] setups =
            [
                new("one node, no Redis", [plain.Url], [plain.Pid]),
                new("one node, Redis", [withRedis.Url], [withRedis.Pid]),
                new("two nodes, Redis", [a.Url, b.Url], [a.Pid, b.Pid]),
            ];

            var rows = new List<(int Level, Setup Setup, List<WorkshopBenchmark.Level> Runs, List<double> Loads)>();
            var next = 0;
            foreach (var n in levels)
            {
                var runs = setups.ToDictionary(s => s, _ => new List<WorkshopBenchmark.Level>());
                var loads = setups.ToDictionary(s => s, _ => new List<double>());
                for (var r = 0; r < Repetitions; r++)
                {
                    foreach (var setup in setups)
                    {
                        loads[setup].Add(LoadAverage());
                        var level = await WorkshopBenchmark.MeasureAsync(setup.Urls, setup.Pids, codes[next++], storyId, segments, themes, n);
                        runs[setup].Add(level);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{n,5} {setup.Name,-20} run {r + 1}: p95 {WorkshopBenchmark.P(level.AllArrivedMs, 0.95),6:F0} ms, {level.Complete}/{level.Codings} reached all, {level.Errors} failed; server CPU {level.ServerCpuPercent:F0}%, client CPU {level.ClientCpuPercent:F0}%, load {loads[setup][^1]:F1}"));
                    }
                }
                foreach (var setup in setups) rows.Add((n, setup, runs[setup], loads[setup]));
                Write(rows, setups); // after every level, so a later failure keeps what was measured
                // 40, 200 and 400 always; beyond, only while some set-up still stays under 500 ms.
                if (n >= 400 && setups.All(s => Median(runs[s], l => WorkshopBenchmark.P(l.AllArrivedMs, 0.95)) > 500)) break;
            }
        }
        finally
        {
            foreach (var p in processes) Harness.Stop(p);
            if (redis is not null) Harness.Stop(redis);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>The machine's 1-minute load average (uptime's first figure): how busy the shared cores were.</summary>
    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    private static double Median<T>(IEnumerable<T> runs, Func<T, double> value) => Harness.Median(runs.Select(value).Where(v => !double.IsNaN(v)));

    private static void Write(List<(int Level, Setup Setup, List<WorkshopBenchmark.Level> Runs, List<double> Loads)> rows, Setup[] setups)
    {
        string P95(WorkshopBenchmark.Level l) => WorkshopBenchmark.P(l.AllArrivedMs, 0.95).ToString("F0", CultureInfo.InvariantCulture);
        var body = new StringBuilder();
        body.AppendLine(CultureInfo.InvariantCulture, $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC · Machine: {Harness.Machine()}");
        body.AppendLine("- Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- workshop-nodes` (needs PostgreSQL, STORYTELLING_TEST_POSTGRES, and /usr/bin/redis-server)");
        body.AppendLine("- Setup: as the one-node section above (each participant tags every 2.5–7.5 s for 20 s; latency = `ApplyTheme` call → arrival at the last of the others), but on PostgreSQL (one fresh database; each web process's pool capped at 20 connections, as four share a server with max_connections 100) and in three set-ups started side by side from the same build: one web node without Redis; one web node with Redis (SignalR's Redis backplane carries every push); two web nodes sharing the database and a Redis on loopback, participant i on node i mod 2 (join over HTTP and hub connection), so most fan-outs cross Redis to the other node. All processes and the one client process share the same cores. Each level three times, the set-ups interleaved (run 1 of each, then run 2 …); p95 per run, median of the three. CPU in % of one core over the 20 s; load = the machine's 1-minute load average at the start of each run (`/proc/loadavg`, as `uptime` shows it).");
        body.AppendLine();
        body.AppendLine("| participants | set-up | **median p95 to all (ms)** | p95 of runs 1/2/3 (ms) | median p50 (ms) | codings reaching all (median) | failed codings (runs) | server CPU (% of a core, median) | client CPU (% of a core, median) | load at start of runs |");
        body.AppendLine("|---:|---|---:|---|---:|---|---|---:|---:|---|");
        foreach (var (n, setup, runs, loads) in rows)
        {
            body.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {n} | {setup.Name} | **{Median(runs, l => WorkshopBenchmark.P(l.AllArrivedMs, 0.95)):F0}** | {string.Join(" / ", runs.Select(P95))} | {Median(runs, l => WorkshopBenchmark.P(l.AllArrivedMs, 0.5)):F0} | {Median(runs, l => l.Complete):F0} of {Median(runs, l => l.Codings):F0} | {string.Join(" / ", runs.Select(l => l.Errors))} | {Median(runs, l => l.ServerCpuPercent):F0} | {Median(runs, l => l.ClientCpuPercent):F0} | {string.Join(" / ", loads.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))} |"));
        }
        body.AppendLine();
        foreach (var setup in setups)
        {
            var mine = rows.Where(r => r.Setup == setup).ToList();
            var crossing = mine.FirstOrDefault(r => Median(r.Runs, l => WorkshopBenchmark.P(l.AllArrivedMs, 0.95)) > 500);
            body.AppendLine(crossing.Runs is null
                ? string.Create(CultureInfo.InvariantCulture, $"- {setup.Name}: p95 stayed under 500 ms up to {mine[^1].Level} participants.")
                : string.Create(CultureInfo.InvariantCulture, $"- {setup.Name}: p95 first passed 500 ms at {crossing.Level} participants."));
        }
        foreach (var n in rows.Select(r => r.Level).Distinct())
        {
            double At(string name) => Median(rows.Single(r => r.Level == n && r.Setup.Name == name).Runs, l => WorkshopBenchmark.P(l.AllArrivedMs, 0.95));
            body.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"- {n} participants, ratios of median p95: one node with Redis / without {At(setups[1].Name) / At(setups[0].Name):F2}; two nodes / one node without Redis {At(setups[2].Name) / At(setups[0].Name):F2}."));
        }
        Harness.WriteSection("Live workshop: one web node vs two (Redis), and the cost of the Redis path", body.ToString());
    }
}
