using System.Diagnostics;
using System.Net.Sockets;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// Starts Debian's redis-server on a free loopback port for the tests that need Redis (no persistence, nothing
/// written to disk), and stops it by its PID afterwards. infra/test.sh installs redis-server; STORYTELLING_REDIS_SERVER
/// overrides the program's path.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        var program = Environment.GetEnvironmentVariable("STORYTELLING_REDIS_SERVER") ?? "/usr/bin/redis-server";
        if (!File.Exists(program))
        {
            throw new InvalidOperationException($"redis-server is not installed at {program}; run infra/test.sh, which installs it.");
        }
        Port = Repo.FreeLoopbackPort();
        var start = new ProcessStartInfo(program)
        {
            ArgumentList =
            {
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning", "--dir", Path.GetTempPath(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode}.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
