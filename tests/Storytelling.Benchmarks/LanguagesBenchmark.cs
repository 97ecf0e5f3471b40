using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace Storytelling.Benchmarks;

/// <summary>
/// Issue 7's two questions about speed. (1) Does a newcomer see the demo workspace within a minute? Time of
/// `migrate` + `load-demo` (18 stories spoken by espeak-ng, transcripts, codings) on an empty data folder, as
/// infra/run.sh does on first start. (2) What do translated pages cost? The same pages rendered in Dutch (the neutral
/// resources) and in English (satellite resources), interleaved in one run against the real server, as a ratio.
/// </summary>
internal static class LanguagesBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var demo = await DemoFirstStartAsync(repetitions);
        var pages = await PagesAsync(repetitions * 100);

        var body = string.Create(CultureInfo.InvariantCulture, $"""
            Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.
            Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- languages {repetitions}`.

            **Demo on first start** (what `infra/run.sh` does on an empty data folder, build already made): `migrate`, then
            `load-demo --samples samples/werk/demo.json` (18 stories synthesised sentence by sentence with espeak-ng and
            encoded to Opus, transcripts, codebook, 50 codings, a workshop with votes, an experiment, an evaluation round).
            {repetitions} runs, each on a new folder. Goal: the workspace alive within a minute.

            | step | median (s) | max (s) |
            |---|---|---|
            {demo}

            **Pages in Dutch vs English**: the real server on 127.0.0.1 (SQLite), a project of 200 stories (40 segments,
            6 codings each, 10 themes) read by its beleidsmedewerker. Each request names its language (`?lang=nl|en`); the
            two languages alternate request by request after 20 warm-ups each, {repetitions * 100} requests per page and language.

            | page | nl median (ms) | en median (ms) | en / nl |
            |---|---|---|---|
            {pages}
            """);
        Harness.WriteSection("Languages: demo on first start, translated pages", body);
        Console.WriteLine(body);
    }

    private static async Task<string> DemoFirstStartAsync(int repetitions)
    {
        var dll = Harness.WebDll();
        var migrate = new List<double>();
        var load = new List<double>();
        var total = new List<double>();
        for (var i = 1; i <= repetitions; i++)
        {
            var folder = Path.Combine(Path.GetTempPath(), "storytelling-demo-bench-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                var env = new Dictionary<string, string>
                {
                    ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(folder, "st.db")}",
                    ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(folder, "media"),
                    ["Storytelling__Transcription__ModelsDirectory"] = Path.Combine(folder, "models"),
                    ["STORYTELLING_DEMO_PASSWORD"] = "benchmark demo password",
                    ["Logging__LogLevel__Default"] = "Warning",
                };
                var watch = Stopwatch.StartNew();
                if (await Harness.RunToEndAsync("dotnet", [dll, "migrate"], env, Path.GetDirectoryName(dll)) != 0) throw new InvalidOperationException("migrate failed");
                var migrated = watch.Elapsed.TotalSeconds;
                if (await Harness.RunToEndAsync("dotnet", [dll, "load-demo", "--samples", Path.Combine(Harness.Root, "samples", "werk", "demo.json")], env, Path.GetDirectoryName(dll)) != 0)
                    throw new InvalidOperationException("load-demo failed");
                var all = watch.Elapsed.TotalSeconds;
                migrate.Add(migrated);
                load.Add(all - migrated);
                total.Add(all);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  demo run {i}: migrate {migrated:F1} s, load-demo {all - migrated:F1} s"));
            }
            finally { Directory.Delete(folder, recursive: true); }
        }
        string Row(string name, List<double> v) => string.Create(CultureInfo.InvariantCulture, $"| {name} | {Harness.Median(v):F1} | {v.Max():F1} |");
        return string.Join("\n", Row("migrate", migrate), Row("load-demo", load), Row("**together**", total));
    }

    private static async Task<string> PagesAsync(int requests)
    {
        await using var server = await RealServer.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(server.BaseUrl) };
        var page = await http.GetStringAsync("/account/login");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        (await http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "bench@example.org", ["Password"] = RealServer.AdminPasswordForBenchmarks, ["__RequestVerificationToken"] = token,
        }))).EnsureSuccessStatusCode();
        var projectId = await ReportBenchmark.SeedAsync(server.DatabasePath, 200);
        var paths = new[] { $"/projects/{projectId}", $"/projects/{projectId}/codebook", $"/projects/{projectId}/reports", $"/projects/{projectId}/phase" };
        var rows = new List<string>();
        foreach (var path in paths)
        {
            var times = new Dictionary<string, List<double>> { ["nl"] = [], ["en"] = [] };
            for (var i = -20; i < requests; i++)
                foreach (var lang in new[] { "nl", "en" })
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await http.GetAsync($"{path}?lang={lang}");
                    var html = await response.Content.ReadAsStringAsync();
                    watch.Stop();
                    if (!response.IsSuccessStatusCode || !html.Contains($"<html lang=\"{lang}\"", StringComparison.Ordinal))
                        throw new InvalidOperationException($"{path} in {lang}: {(int)response.StatusCode}");
                    if (i >= 0) times[lang].Add(watch.Elapsed.TotalMilliseconds);
                }
            var nl = Harness.Median(times["nl"]);
            var en = Harness.Median(times["en"]);
            var name = path.Replace(projectId.ToString(), "{id}", StringComparison.Ordinal);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| `{name}` | {nl:F1} | {en:F1} | {en / nl:F2} |"));
            Console.WriteLine("  " + rows[^1]);
        }
        return string.Join("\n", rows);
    }
}
