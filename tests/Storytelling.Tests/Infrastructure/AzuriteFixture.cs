using System.Diagnostics;
using System.Net.Sockets;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// Starts Azurite's blob service on a free loopback port for the tests that need Azure Blob Storage, and stops it
/// (by its PID) afterwards. infra/test.sh installs Azurite into .tools/azurite; STORYTELLING_AZURITE overrides the path.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private Process? _process;
    private string _folder = "";

    public string ConnectionString { get; private set; } = "";
    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var script = Environment.GetEnvironmentVariable("STORYTELLING_AZURITE")
            ?? Path.Combine(Repo.Root, ".tools", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed at {script}; run infra/test.sh, which installs it.");
        }
        _folder = Repo.NewTempFolder("azurite");
        Port = Repo.FreeLoopbackPort();
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                script, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
                "--location", _folder, "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Azurite.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                break;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }
        // The well-known development account key Azurite accepts; it protects nothing.
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"BlobEndpoint=http://127.0.0.1:{Port}/devstoreaccount1;";
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        Repo.DeleteFolder(_folder);
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "azurite";
}
