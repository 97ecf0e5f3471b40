using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Storytelling.Tests.Telemetry;

/// <summary>Reads a Prometheus scrape the way a dashboard would: by metric name and labels.</summary>
internal static class Scrape
{
    public static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public static async Task<string> GetAsync(int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
    }

    /// <summary>The sum of every sample of <paramref name="metric"/> whose labels contain all <paramref name="labels"/>
    /// (e.g. <c>code="consent_missing"</c>); null when there is none.</summary>
    public static double? Value(string scrape, string metric, params string[] labels)
    {
        double? sum = null;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#')) continue;
            string name, labelText, rest;
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0) continue;
            if (brace >= 0 && brace < space)
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                labelText = line[brace..(close + 1)];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                labelText = "";
                rest = line[space..].Trim();
            }
            if (name != metric || !labels.All(l => labelText.Contains(l, StringComparison.Ordinal))) continue;
            sum = (sum ?? 0) + double.Parse(rest.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>Polls the scrape endpoint until <paramref name="ready"/> holds; returns the last scrape either way.</summary>
    public static async Task<string> UntilAsync(int port, Func<string, bool> ready, TimeSpan timeout, Action? nudge = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        var text = "";
        while (DateTime.UtcNow < deadline)
        {
            nudge?.Invoke();
            try
            {
                text = await GetAsync(port);
                if (ready(text)) return text;
            }
            catch (HttpRequestException)
            {
                // The listener may not be up yet.
            }
            await Task.Delay(400);
        }
        return text;
    }
}
