namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// The running processes as /proc lists them, to count the ffmpeg and ffprobe a component leaves behind. Zombies run
/// nothing and are left out: a killed grandchild is re-parented to PID 1, which may reap it late.
/// </summary>
internal static class ProcessTable
{
    public sealed record Entry(int Pid, int ParentPid, string Name, string CommandLine);

    public static IReadOnlyList<Entry> Running()
    {
        var entries = new List<Entry>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                if (fields[0] == "Z") continue;
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Trim();
                entries.Add(new Entry(pid, int.Parse(fields[1]), stat[(open + 1)..close], commandLine));
            }
            catch (IOException)
            {
                // It exited while we looked.
            }
        }
        return entries;
    }

    /// <summary>Processes anywhere on the machine whose command line contains <paramref name="text"/> (a file path).</summary>
    public static IReadOnlyList<Entry> Naming(string text) =>
        Running().Where(e => e.CommandLine.Contains(text, StringComparison.Ordinal)).ToList();

    /// <summary>The direct children of <paramref name="parentPid"/> that run ffmpeg or ffprobe.</summary>
    public static IReadOnlyList<Entry> MediaToolsOf(int parentPid) =>
        Running().Where(e => e.ParentPid == parentPid && e.Name is "ffmpeg" or "ffprobe").ToList();

    public static bool IsRunning(int pid) => Running().Any(e => e.Pid == pid);

    /// <summary>Waits up to five seconds for <paramref name="condition"/>, since a killed process takes a moment to go.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 50 && !condition(); i++) await Task.Delay(100);
        return condition();
    }
}
