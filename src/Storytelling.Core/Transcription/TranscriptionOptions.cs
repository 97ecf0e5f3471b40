using Microsoft.Extensions.Options;

namespace Storytelling.Core.Transcription;

/// <summary>
/// Section "Storytelling:Transcription": where the Whisper and VAD models live and how the worker runs jobs.
/// A missing model is not a configuration error: jobs wait in "waiting for model" and the product says how to fix it.
/// </summary>
public sealed class TranscriptionOptions
{
    public const string Section = "Storytelling:Transcription";

    /// <summary>Folder that holds ggml model files; the models command downloads into it.</summary>
    public string ModelsDirectory { get; set; } = "models";
    /// <summary>A catalogue name ("base", "small-q5_1", …) looked up as ggml-NAME.bin in <see cref="ModelsDirectory"/>, or a path to a .bin file.</summary>
    public string Model { get; set; } = "base";
    /// <summary>
    /// The Silero VAD model, same rules as <see cref="Model"/>; voice detection is required so silence never becomes text.
    /// Defaults to <see cref="ShippedVadModelPath"/>, the copy the worker ships with, so it needs no download or setting.
    /// </summary>
    public string VadModel { get; set; } = ShippedVadModelPath;

    /// <summary>The Silero VAD v6.2.0 model (MIT) that the worker's build and publish put next to its binaries (src/Storytelling.Worker/VoiceDetection).</summary>
    public static string ShippedVadModelPath { get; } = Path.Combine(AppContext.BaseDirectory, "VoiceDetection", "ggml-silero-v6.2.0.bin");

    /// <summary>Whether <see cref="VadModel"/> is the shipped copy (the default) rather than a configured name or path.</summary>
    public bool UsesShippedVadModel => string.Equals(ResolveVadModelPath(), ShippedVadModelPath, StringComparison.Ordinal);
    /// <summary>
    /// Which Whisper.net runtime computes: "auto" (the first installed that works: CUDA, Vulkan, OpenVINO, then CPU),
    /// "cpu" (the default, the runtime the worker ships), "cpu-noavx", or a GPU runtime ("cuda", "vulkan", "openvino")
    /// whose NuGet package is installed with the worker; a GPU runtime whose driver or device is missing falls back to the CPU.
    /// </summary>
    public string Runtime { get; set; } = "cpu";
    /// <summary>Optional folder searched first for a native runtime in Whisper.net's layout (runtimes/linux-x64/libwhisper.so …).</summary>
    public string? LibraryPath { get; set; }

    /// <summary>
    /// Flash attention in whisper.cpp (its default and whisper-cli's; Whisper.net's default is off, which costs about 15 %
    /// on the CPU). Off only for experiments, e.g. with DTW token timestamps, which whisper.cpp cannot combine with it.
    /// </summary>
    public bool FlashAttention { get; set; } = true;

    /// <summary>The values <see cref="Runtime"/> accepts.</summary>
    public static IReadOnlyList<string> Runtimes { get; } = ["auto", "cpu", "cpu-noavx", "cuda", "vulkan", "openvino"];
    /// <summary>CPU threads for one transcription; 0 picks the machine's core count (at most 8).</summary>
    public int Threads { get; set; }
    /// <summary>Attempts before a job is marked failed, counting attempts whose worker process died.</summary>
    public int MaxAttempts { get; set; } = 3;
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>Audio is decoded and transcribed in windows of this length, so memory stays bounded for 2-hour recordings.</summary>
    public int WindowSeconds { get; set; } = 300;
    /// <summary>Upper bound on tokens Whisper may emit per segment; 0 means whisper.cpp's default.</summary>
    public int MaxTokensPerSegment { get; set; }
    /// <summary>
    /// Whisper's retry of a doubtful window at higher temperatures (its default; better text on hard audio, slower).
    /// Tests with random-weight models turn it off, since every window looks doubtful to them.
    /// </summary>
    public bool TemperatureFallback { get; set; } = true;

    public int EffectiveThreads => Threads > 0 ? Threads : Math.Clamp(Environment.ProcessorCount, 1, 8);

    public string ResolveModelPath() => Resolve(Model);
    public string ResolveVadModelPath() => Resolve(VadModel);

    /// <summary>Catalogue names become ggml-NAME.bin in the models folder; anything that looks like a file is taken as a path.</summary>
    public string Resolve(string nameOrPath) =>
        nameOrPath.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/', StringComparison.Ordinal)
            ? Path.GetFullPath(nameOrPath)
            : Path.GetFullPath(Path.Combine(ModelsDirectory, "ggml-" + nameOrPath + ".bin"));
}

internal sealed class TranscriptionOptionsValidator : IValidateOptions<TranscriptionOptions>
{
    public ValidateOptionsResult Validate(string? name, TranscriptionOptions o)
    {
        const string s = TranscriptionOptions.Section;
        if (string.IsNullOrWhiteSpace(o.ModelsDirectory))
            return ValidateOptionsResult.Fail($"Setting {s}:ModelsDirectory is empty; give the folder that holds the ggml model files.");
        if (string.IsNullOrWhiteSpace(o.Model))
            return ValidateOptionsResult.Fail($"Setting {s}:Model is empty; give a model name such as 'base' or a path to a ggml .bin file.");
        if (string.IsNullOrWhiteSpace(o.VadModel))
            return ValidateOptionsResult.Fail($"Setting {s}:VadModel is empty; leave it out for the Silero VAD model shipped with the worker, or give 'silero-v6.2.0' or a path to a Silero VAD ggml file.");
        if (!TranscriptionOptions.Runtimes.Contains(o.Runtime))
            return ValidateOptionsResult.Fail($"Setting {s}:Runtime is '{o.Runtime}'; give one of {string.Join(", ", TranscriptionOptions.Runtimes)}.");
        if (!string.IsNullOrWhiteSpace(o.LibraryPath) && !Directory.Exists(o.LibraryPath))
            return ValidateOptionsResult.Fail($"Setting {s}:LibraryPath is '{o.LibraryPath}', which is not a folder; give a folder that holds runtimes/<platform>/libwhisper.so, or leave it out.");
        if (o.Threads is < 0 or > 64)
            return ValidateOptionsResult.Fail($"Setting {s}:Threads is {o.Threads}; give 0 (automatic) or a number from 1 to 64.");
        if (o.MaxAttempts is < 1 or > 20)
            return ValidateOptionsResult.Fail($"Setting {s}:MaxAttempts is {o.MaxAttempts}; give a number from 1 to 20.");
        if (o.LeaseDuration < TimeSpan.FromSeconds(2) || o.LeaseDuration > TimeSpan.FromHours(1))
            return ValidateOptionsResult.Fail($"Setting {s}:LeaseDuration is {o.LeaseDuration}; give a duration from 00:00:02 to 01:00:00.");
        if (o.RetryBaseDelay < TimeSpan.Zero || o.RetryBaseDelay > TimeSpan.FromHours(1))
            return ValidateOptionsResult.Fail($"Setting {s}:RetryBaseDelay is {o.RetryBaseDelay}; give a duration from 00:00:00 to 01:00:00.");
        if (o.PollInterval < TimeSpan.FromMilliseconds(50) || o.PollInterval > TimeSpan.FromMinutes(10))
            return ValidateOptionsResult.Fail($"Setting {s}:PollInterval is {o.PollInterval}; give a duration from 00:00:00.05 to 00:10:00.");
        if (o.WindowSeconds is < 30 or > 1800)
            return ValidateOptionsResult.Fail($"Setting {s}:WindowSeconds is {o.WindowSeconds}; give a number of seconds from 30 to 1800.");
        if (o.MaxTokensPerSegment is < 0 or > 448)
            return ValidateOptionsResult.Fail($"Setting {s}:MaxTokensPerSegment is {o.MaxTokensPerSegment}; give 0 (default) or a number up to 448.");
        return ValidateOptionsResult.Success;
    }
}
