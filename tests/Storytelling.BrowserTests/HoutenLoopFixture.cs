using System.Diagnostics;
using Storytelling.BrowserTests.Infrastructure;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.BrowserTests;

/// <summary>
/// The browser fixture with a Chromium whose fake microphone speaks Dutch (an espeak-ng sentence, looped) instead of
/// beeping, so the real worker's voice detection finds speech; and what a real worker process needs next to the app:
/// a models folder with the generated "test" Whisper model (the Silero VAD model ships with the worker, so no setting).
/// </summary>
public sealed class HoutenLoopFixture : BrowserFixture
{
    private readonly string _folder = Repo.NewTempFolder("storytelling-houten");

    public string ModelsDirectory => Path.Combine(_folder, "models");

    protected override IEnumerable<string> ExtraArguments()
    {
        var wav = Path.Combine(_folder, "speech.wav");
        Run("espeak-ng", "-v", "nl", "-s", "150", "-w", wav,
            "Ik werkte twintig jaar in de bouw in Houten. Toen ging het bedrijf failliet en zat ik thuis. Nu help ik in het buurthuis.");
        return [$"--use-file-for-fake-audio-capture={wav}"];
    }

    /// <summary>Settings for a worker process on the app's own SQLite file and media folder, as an administrator would give them.</summary>
    public Dictionary<string, string> WorkerSettings()
    {
        Directory.CreateDirectory(ModelsDirectory);
        GeneratedWhisperModel.Write(Path.Combine(ModelsDirectory, "ggml-test.bin"), GeneratedWhisperModel.Dimensions.Test);
        return new Dictionary<string, string>
        {
            ["Storytelling__Database__Provider"] = "Sqlite",
            ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(App.Folder, "storytelling.db")}",
            ["Storytelling__Storage__Provider"] = "Disk",
            ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(App.Folder, "media"),
            ["Storytelling__Transcription__ModelsDirectory"] = ModelsDirectory,
            ["Storytelling__Transcription__Model"] = "test",
            ["Storytelling__Transcription__Threads"] = "2",
            ["Storytelling__Transcription__MaxTokensPerSegment"] = "16",
            ["Storytelling__Transcription__TemperatureFallback"] = "false",
            ["Storytelling__Transcription__PollInterval"] = "00:00:00.5",
            ["Storytelling__Transcription__RetryBaseDelay"] = "00:00:00",
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Repo.DeleteFolder(_folder);
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {stderr.Result}");
    }
}
