using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Storytelling.Benchmarks;

/// <summary>Processes, machine facts and the RESULTS.md writer shared by the benchmarks.</summary>
internal static class Harness
{
    public static string Root { get; } = FindRoot();
    public static string ResultsFile => Path.Combine(Root, "tests", "Storytelling.Benchmarks", "RESULTS.md");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Storytelling.sln"))) return dir.FullName;
        throw new InvalidOperationException("Run from inside the repository.");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string WebDll()
    {
        foreach (var config in new[] { "Release", "Debug" })
        {
            var dll = Path.Combine(Root, "src", "Storytelling.Web", "bin", config, "net10.0", "Storytelling.Web.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new InvalidOperationException("Build the solution first (dotnet build -c Release).");
    }

    public static Process Start(string fileName, IEnumerable<string> args, IDictionary<string, string> env, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env) start.Environment[k] = v;
        var p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) Console.Error.WriteLine("  server: " + line); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<int> RunToEndAsync(string fileName, IEnumerable<string> args, IDictionary<string, string> env, string? workingDirectory = null)
    {
        using var p = Start(fileName, args, env, workingDirectory);
        await p.WaitForExitAsync();
        return p.ExitCode;
    }

    public static async Task WaitForAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if ((await http.GetAsync(path)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} did not answer in time.");
            await Task.Delay(200);
        }
    }

    public static void Stop(Process p)
    {
        if (!p.HasExited)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
    }

    /// <summary>Resident memory of a process in bytes, read from /proc (Linux).</summary>
    public static long ResidentBytes(int pid) => ReadStatus(pid, "VmRSS:");

    /// <summary>CPU time (user + system) a process has used so far, from /proc/PID/stat.</summary>
    public static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    private static long ReadStatus(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key, StringComparison.Ordinal))
                return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    public static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memKb = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"') : "Linux";
        return $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(memKb, CultureInfo.InvariantCulture) / 1024 / 1024} GiB, {os}, .NET {Environment.Version}";
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Replaces (or appends) the section headed "## {title}" in RESULTS.md.</summary>
    public static void WriteSection(string title, string body)
    {
        var header = "# Benchmark results\n\nFigures from `tests/Storytelling.Benchmarks` (run on demand, not in the test suite). " +
                     "Each section says the machine, the command and the date; compare ratios measured in one run, not absolute figures across machines.\n";
        var text = File.Exists(ResultsFile) ? File.ReadAllText(ResultsFile) : header;
        var marker = $"## {title}\n";
        var section = marker + body.TrimEnd() + "\n\n";
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd() + "\n\n" + section;
        }
        else
        {
            var next = text.IndexOf("\n## ", start + marker.Length, StringComparison.Ordinal);
            text = text[..start] + section + (next < 0 ? "" : text[(next + 1)..]);
        }
        File.WriteAllText(ResultsFile, text.TrimEnd() + "\n", new UTF8Encoding(false));
        Console.WriteLine($"Wrote section '{title}' to {ResultsFile}");
    }
}
