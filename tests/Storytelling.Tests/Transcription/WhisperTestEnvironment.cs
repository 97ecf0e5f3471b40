extern alias worker;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Whisper;

namespace Storytelling.Tests.Transcription;

/// <summary>
/// What the Whisper tests need: Whisper.net's CPU runtime (the package the worker ships, set up as the worker does),
/// a generated random-weight model, the real Silero VAD model the worker ships (copied next to the test binaries by the
/// worker's build), and 16 kHz mono test audio (espeak-ng, and jfk.wav from Transcription/Data).
/// </summary>
internal static class WhisperTestEnvironment
{
    private static readonly Lazy<string> Native = new(ConfigureRuntime);
    private static readonly Lazy<string> TestModel = new(() => WriteModel(GeneratedWhisperModel.Dimensions.Test));
    private static readonly Lazy<float[]> Dutch = new(() => Synthesize("nl", "Mijn oma woonde vroeger in een klein huis bij de haven van het dorp."));
    private static readonly Lazy<float[]> Short = new(() => Synthesize("nl", "Goedemorgen, dit is een test."));
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "storytelling-whisper-tests", Environment.ProcessId.ToString());

    static WhisperTestEnvironment()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Repo.DeleteFolder(Folder);
    }

    /// <summary>The Whisper.net runtime the tests load ("cpu", as the worker's default setting); configures it on first use.</summary>
    public static string Runtime => Native.Value;

    /// <summary>The generated "test" model (state 64, 1+1 layers), written once per test run.</summary>
    public static string TestModelPath
    {
        get
        {
            _ = Native.Value;
            return TestModel.Value;
        }
    }

    /// <summary>The Silero VAD model the worker ships as its default voice detector (src/Storytelling.Worker/VoiceDetection).</summary>
    public static string SileroModelPath
    {
        get
        {
            _ = Native.Value;
            var path = TranscriptionOptions.ShippedVadModelPath;
            if (!File.Exists(path)) throw new InvalidOperationException($"The Silero VAD model is missing at {path}; the worker's build copies it there from src/Storytelling.Worker/VoiceDetection.");
            return path;
        }
    }

    /// <summary>A Dutch espeak-ng sentence of about 4 s.</summary>
    public static float[] DutchSpeech => Dutch.Value;
    /// <summary>A Dutch espeak-ng phrase of about 2 s.</summary>
    public static float[] ShortSpeech => Short.Value;

    /// <summary>11 s of real English speech (public domain, see Transcription/Data/NOTICE.md).</summary>
    public static float[] Jfk
    {
        get
        {
            var path = Path.Combine(Repo.Root, "tests", "Storytelling.Tests", "Transcription", "Data", "jfk.wav");
            if (!File.Exists(path)) throw new InvalidOperationException($"The test recording is missing at {path}.");
            return Decode(path);
        }
    }

    public static float[] Silence(int seconds) => new float[seconds * 16_000];

    /// <summary>
    /// Writes a generated model into .cache/whisper-tests, overwriting the previous run's copy: rewriting costs well under
    /// a second for the test model and never leaves a copy made by an older generator.
    /// </summary>
    public static string WriteModel(GeneratedWhisperModel.Dimensions dimensions, int seed = 1)
    {
        var path = Path.Combine(Repo.Root, ".cache", "whisper-tests", $"ggml-{dimensions.Name}-{seed}.bin");
        GeneratedWhisperModel.Write(path, dimensions, seed);
        return path;
    }

    public static string NewFile(string name)
    {
        Directory.CreateDirectory(Folder);
        return Path.Combine(Folder, $"{Guid.NewGuid():N}-{name}");
    }

    private static string ConfigureRuntime()
    {
        WhisperRuntime.Configure("cpu", null);
        return WhisperRuntime.Load(new ListLogger()).Name;
    }

    private static float[] Synthesize(string voice, string text)
    {
        var wav = NewFile("speech.wav");
        Run("espeak-ng", ["-v", voice, "-w", wav, text]);
        return Decode(wav);
    }

    /// <summary>Any audio file to 16 kHz mono float32, the way the worker feeds whisper.cpp.</summary>
    public static float[] Decode(string path)
    {
        var raw = NewFile("audio.f32");
        Run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", "-i", path, "-ar", "16000", "-ac", "1", "-f", "f32le", raw]);
        var bytes = File.ReadAllBytes(raw);
        File.Delete(raw);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    private static void Run(string tool, string[] arguments)
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

/// <summary>Keeps what was logged, so tests can see that whisper.cpp's own lines arrive.</summary>
internal sealed class ListLogger : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>Whisper tests share one collection: transcriptions use both cores, and the memory test must not see others' allocations.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WhisperCollection
{
    public const string Name = "Whisper.net";
}
