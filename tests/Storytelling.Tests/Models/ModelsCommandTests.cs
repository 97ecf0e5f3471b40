extern alias worker;

using Microsoft.Extensions.Configuration;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Models;

namespace Storytelling.Tests.Models;

public sealed class ModelsCommandTests : IDisposable
{
    private readonly string _folder = Repo.NewTempFolder("models-command");

    public void Dispose() => Repo.DeleteFolder(_folder);

    private sealed record Result(int ExitCode, string Output, string Error);

    private async Task<Result> RunAsync(IDictionary<string, string?>? settings, params string[] args)
    {
        var values = new Dictionary<string, string?> { ["Storytelling:Transcription:ModelsDirectory"] = _folder };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ModelsCommand.RunAsync(args, configuration, output, error, interactive: false, CancellationToken.None, ModelTestData.FastRetries);
        return new Result(code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData]
    [InlineData("frobnicate")]
    [InlineData("download")]
    [InlineData("download", "base", "small")]
    [InlineData("verify", "base", "small")]
    public async Task Usage_errors_exit_with_64_and_show_the_usage(params string[] args)
    {
        var result = await RunAsync(null, args);

        Assert.Equal(ModelsCommand.UsageError, result.ExitCode);
        Assert.Contains("Usage: Storytelling.Worker models", result.Error);
    }

    [Theory]
    [InlineData("download", "bse", "did you mean base")]
    [InlineData("verify", "large-v3-turbo-q8", "did you mean large-v3-turbo-q8_0")]
    [InlineData("download", "zzzzzzzzzzzz", "run 'models list' to see the names")]
    public async Task An_unknown_model_name_exits_with_64_and_suggests_the_closest_names(string command, string name, string message)
    {
        var result = await RunAsync(null, command, name);

        Assert.Equal(ModelsCommand.UsageError, result.ExitCode);
        Assert.Contains($"Unknown model '{name}'; {message}", result.Error);
    }

    [Fact]
    public async Task Help_prints_the_usage_and_exits_with_0()
    {
        var result = await RunAsync(null, "help");

        Assert.Equal(ModelsCommand.Ok, result.ExitCode);
        Assert.Contains("download NAME", result.Output);
    }

    [Fact]
    public async Task List_shows_every_entry_with_its_size_marks_the_configured_ones_and_what_is_present()
    {
        await File.WriteAllBytesAsync(Path.Combine(_folder, "ggml-silero-v6.2.0.bin"), ModelTestData.RealVadModel());
        await File.WriteAllBytesAsync(Path.Combine(_folder, "ggml-tiny.bin.part"), new byte[2_000_000]);

        var result = await RunAsync(new Dictionary<string, string?>
        {
            ["Storytelling:Transcription:Model"] = "small.en",
            ["Storytelling:Transcription:VadModel"] = "silero-v6.2.0",
        }, "list");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("* small.en ", StringComparison.Ordinal) && l.Contains("487.6 MB") && l.TrimEnd().EndsWith("no", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("* silero-v6.2.0 ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("yes", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("  tiny ", StringComparison.Ordinal) && l.Contains("partial (2.0 MB)"));
        Assert.Contains(lines, l => l.StartsWith("  large-v3 ", StringComparison.Ordinal) && l.Contains("3095.0 MB") && l.Contains("SHA-256"));
        Assert.Equal(ModelCatalog.All.Count, lines.Count(l => l.Contains(" MB ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task List_without_settings_shows_the_voice_detector_shipped_with_the_worker_as_present()
    {
        var result = await RunAsync(null, "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"* VadModel: {TranscriptionOptions.ShippedVadModelPath} (shipped with the worker), present", result.Output);
        Assert.Contains(result.Output.Split('\n'), l => l.StartsWith("  silero-v6.2.0 ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("no", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Verify_reports_ok_mismatch_and_missing_and_fails_while_the_configured_model_is_missing()
    {
        await File.WriteAllBytesAsync(Path.Combine(_folder, "ggml-silero-v6.2.0.bin"), ModelTestData.RealVadModel());
        await File.WriteAllTextAsync(Path.Combine(_folder, "ggml-tiny.bin"), "not a model");

        var result = await RunAsync(null, "verify");

        Assert.Equal(ModelsCommand.Failure, result.ExitCode);
        Assert.Contains("OK        ggml-silero-v6.2.0.bin: SHA-256 matches.", result.Output);
        Assert.Contains("MISMATCH  ggml-tiny.bin: 11 bytes where the catalogue has 77,691,713.", result.Output);
        Assert.Contains("Configured Model 'base' (ggml-base.bin): MISSING, not downloaded; run 'models download base'.", result.Output);
        Assert.Contains($"Configured VadModel '{TranscriptionOptions.ShippedVadModelPath}' (ggml-silero-v6.2.0.bin): OK, SHA-256 matches.", result.Output);
    }

    [Fact]
    public async Task Verify_succeeds_when_the_configured_model_and_vad_model_are_present_and_correct()
    {
        var vad = ModelTestData.RealVadModel();
        await File.WriteAllBytesAsync(Path.Combine(_folder, "ggml-silero-v6.2.0.bin"), vad);
        var custom = Path.Combine(_folder, "own", "my-finetune.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(custom)!);
        await File.WriteAllTextAsync(custom, "a model we made ourselves");

        var result = await RunAsync(new Dictionary<string, string?> { ["Storytelling:Transcription:Model"] = custom }, "verify");

        Assert.Equal(ModelsCommand.Ok, result.ExitCode);
        Assert.Contains("Configured Model", result.Output);
        Assert.Contains("not a catalogue file, so its checksum is not checked", result.Output);
    }

    [Fact]
    public async Task Verify_with_a_name_checks_that_file_alone()
    {
        var vadPath = Path.Combine(_folder, "ggml-silero-v6.2.0.bin");
        var vad = ModelTestData.RealVadModel();
        vad[1000] ^= 1;
        await File.WriteAllBytesAsync(vadPath, vad);

        var mismatch = await RunAsync(null, "verify", "silero-v6.2.0");
        var missing = await RunAsync(null, "verify", "small");

        Assert.Equal(ModelsCommand.Failure, mismatch.ExitCode);
        Assert.Contains("MISMATCH  ggml-silero-v6.2.0.bin: SHA-256 differs from the published one.", mismatch.Output);
        Assert.Equal(ModelsCommand.Failure, missing.ExitCode);
        Assert.Contains("MISSING   ggml-small.bin", missing.Output);
    }

    [Fact]
    public async Task Download_of_the_real_vad_model_from_a_configured_base_address_installs_it_and_verify_then_passes_for_it()
    {
        await using var server = await ModelFileServer.StartAsync();
        server.Files["ggml-silero-v6.2.0.bin"] = ModelTestData.RealVadModel();
        var settings = new Dictionary<string, string?> { [ModelsCommand.BaseAddressSetting] = server.BaseAddress.AbsoluteUri };

        var download = await RunAsync(settings, "download", "silero-v6.2.0");
        var again = await RunAsync(settings, "download", "silero-v6.2.0");
        var verify = await RunAsync(null, "verify", "silero-v6.2.0");

        Assert.Equal(ModelsCommand.Ok, download.ExitCode);
        Assert.Contains("its SHA-256 checksum matches the catalogue", download.Output);
        Assert.Contains("100% [", download.Error);
        Assert.Equal(ModelsCommand.Ok, again.ExitCode);
        Assert.Contains("is already in", again.Output);
        Assert.Single(server.Requests);
        Assert.Equal(ModelsCommand.Ok, verify.ExitCode);
    }

    [Fact]
    public async Task Download_of_a_corrupted_file_exits_with_1_and_installs_nothing()
    {
        await using var server = await ModelFileServer.StartAsync();
        var corrupt = ModelTestData.RealVadModel();
        corrupt[^1] ^= 0xFF;
        server.Files["ggml-silero-v6.2.0.bin"] = corrupt;

        var result = await RunAsync(new Dictionary<string, string?> { [ModelsCommand.BaseAddressSetting] = server.BaseAddress.AbsoluteUri }, "download", "silero-v6.2.0");

        Assert.Equal(ModelsCommand.Failure, result.ExitCode);
        Assert.Contains("does not match its published SHA-256 checksum, so it was deleted and nothing was installed.", result.Error);
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task A_base_address_that_is_not_http_is_refused_as_a_usage_error()
    {
        var result = await RunAsync(new Dictionary<string, string?> { [ModelsCommand.BaseAddressSetting] = "ftp://example.org/" }, "download", "base");

        Assert.Equal(ModelsCommand.UsageError, result.ExitCode);
        Assert.Contains("give an absolute http or https address", result.Error);
    }

    [Fact]
    public async Task The_worker_executable_runs_the_models_command_with_settings_from_environment_variables()
    {
        await using var server = await ModelFileServer.StartAsync();
        server.Files["ggml-silero-v6.2.0.bin"] = ModelTestData.RealVadModel();
        var environment = new Dictionary<string, string>
        {
            ["Storytelling__Transcription__ModelsDirectory"] = _folder,
            ["Storytelling__Transcription__ModelDownloadBaseAddress"] = server.BaseAddress.AbsoluteUri,
        };

        await using (var download = AppProcess.Start("Storytelling.Worker", environment, "models", "download", "silero-v6.2.0"))
        {
            Assert.Equal(0, await download.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("its SHA-256 checksum matches the catalogue", download.Stdout);
        }
        await using (var verify = AppProcess.Start("Storytelling.Worker", environment, "models", "verify"))
        {
            Assert.Equal(1, await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("OK        ggml-silero-v6.2.0.bin: SHA-256 matches.", verify.Stdout);
            // No VadModel setting: the worker executable finds the voice detector it ships with, next to its own files.
            var shipped = Path.Combine(AppContext.BaseDirectory, "VoiceDetection", "ggml-silero-v6.2.0.bin");
            Assert.Contains($"Configured VadModel '{shipped}' (ggml-silero-v6.2.0.bin): OK, SHA-256 matches.", verify.Stdout);
            Assert.Contains("Configured Model 'base' (ggml-base.bin): MISSING", verify.Stdout);
        }
        await using (var unknown = AppProcess.Start("Storytelling.Worker", environment, "models", "dowload", "base"))
        {
            Assert.Equal(64, await unknown.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
    }
}
