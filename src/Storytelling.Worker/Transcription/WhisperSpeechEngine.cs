using Microsoft.Extensions.Options;
using Storytelling.Core.Transcription;
using Storytelling.Worker.Whisper;

namespace Storytelling.Worker.Transcription;

/// <summary>
/// Whisper behind the engine seam. The model is loaded once, on first use, and reused for every job; a missing or
/// unreadable model is not an error of the job but a state of the machine, reported by <see cref="CheckReady"/> in
/// one sentence that names the command which fixes it. The file is looked at again on each poll, so downloading
/// the model while the worker runs is enough.
/// </summary>
internal sealed partial class WhisperSpeechEngine(IOptions<TranscriptionOptions> options, ILogger<WhisperSpeechEngine> logger) : ISpeechEngine, IDisposable
{
    private readonly Lock _lock = new();
    private WhisperModel? _model;
    private (string Path, long Length, DateTime Written)? _failedFile;
    private string? _failure;
    private bool _libraryConfigured;

    public string ModelName => _model?.ModelName ?? Path.GetFileName(options.Value.ResolveModelPath());

    public string? CheckReady()
    {
        lock (_lock)
        {
            if (_model is not null) return null;
            var o = options.Value;
            var modelPath = o.ResolveModelPath();
            var vadPath = o.ResolveVadModelPath();
            if (!File.Exists(modelPath))
                return $"Transcription is waiting for a model: no Whisper model at {modelPath}; on the worker machine run 'Storytelling.Worker models download {Suggest(o.Model)}' (or set {TranscriptionOptions.Section}:Model to a ggml model file).";
            if (!File.Exists(vadPath))
                return o.UsesShippedVadModel
                    ? $"Transcription is waiting for a model: the voice-detection model that ships with the worker is missing at {vadPath}; install the worker again (dotnet publish copies it there), or set {TranscriptionOptions.Section}:VadModel to 'silero-v6.2.0' and run 'Storytelling.Worker models download silero-v6.2.0'."
                    : IsPath(o.VadModel)
                        ? $"Transcription is waiting for a model: the voice-detection model is missing at {vadPath}; put the Silero VAD ggml file there or change {TranscriptionOptions.Section}:VadModel."
                        : $"Transcription is waiting for a model: the voice-detection model is missing at {vadPath}; on the worker machine run 'Storytelling.Worker models download {o.VadModel}'.";

            var info = new FileInfo(modelPath);
            var key = (modelPath, info.Length, info.LastWriteTimeUtc);
            if (_failedFile == key) return _failure;
            try
            {
                if (!_libraryConfigured)
                {
                    WhisperNativeLibrary.Configure(o.NativeLibraryDirectory);
                    _libraryConfigured = true;
                }
                _model = WhisperModel.Load(modelPath, logger);
                LogLoaded(logger, _model.ModelName, WhisperNativeLibrary.Version);
                return null;
            }
            catch (Exception e) when (e is WhisperException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
            {
                _failedFile = key;
                _failure = e is WhisperException
                    ? $"Transcription is waiting for a model: the file {modelPath} could not be loaded as a Whisper model; run 'Storytelling.Worker models verify' and download it again."
                    : $"Transcription cannot start: the whisper.cpp library was not found or does not load ({e.GetType().Name}); run infra/run.sh, which builds it, or set {TranscriptionOptions.Section}:NativeLibraryDirectory.";
                LogLoadFailed(logger, e.GetType().Name);
                return _failure;
            }
        }
    }

    public EngineResult Transcribe(ReadOnlySpan<float> samples, string language, Action<int>? progressPercent, CancellationToken cancellationToken)
    {
        var model = _model ?? throw new InvalidOperationException("CheckReady must succeed before Transcribe.");
        var o = options.Value;
        try
        {
            var result = model.Transcribe(samples, new WhisperOptions
            {
                Language = language,
                Threads = o.EffectiveThreads,
                VadModelPath = o.ResolveVadModelPath(),
                MaxTokensPerSegment = o.MaxTokensPerSegment,
                TemperatureFallback = o.TemperatureFallback,
            }, progressPercent, cancellationToken);
            return new EngineResult(
                result.Segments.Select(s => new OutcomeSegment(s.StartMs, s.EndMs, s.Text, s.Probability)).ToList(),
                result.DetectedLanguage, result.SpeechFound);
        }
        catch (WhisperException e)
        {
            throw new EngineFailedException($"Whisper kon deze opname niet uitschrijven ({e.Message}).", permanent: false);
        }
    }

    private static string Suggest(string nameOrPath) => IsPath(nameOrPath) ? "base" : nameOrPath;

    private static bool IsPath(string nameOrPath) =>
        nameOrPath.EndsWith(".bin", StringComparison.OrdinalIgnoreCase) || nameOrPath.Contains('/', StringComparison.Ordinal);

    public void Dispose() => _model?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Whisper model {Model} loaded (whisper.cpp {Version})")]
    private static partial void LogLoaded(ILogger logger, string model, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Whisper model could not be loaded ({Kind})")]
    private static partial void LogLoadFailed(ILogger logger, string kind);
}
