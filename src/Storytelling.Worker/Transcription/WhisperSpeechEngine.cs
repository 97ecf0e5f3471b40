using Microsoft.Extensions.Options;
using Storytelling.Core.Transcription;
using Storytelling.Worker.Whisper;

namespace Storytelling.Worker.Transcription;

/// <summary>
/// Whisper (through Whisper.net) behind the engine seam. The model and the voice detector are loaded once, on first use,
/// and reused for every job; a missing or unreadable model is not an error of the job but a state of the machine,
/// reported by <see cref="CheckReady"/> in one sentence that names the command which fixes it. The file is looked at
/// again on each poll, so downloading the model while the worker runs is enough.
/// </summary>
internal sealed partial class WhisperSpeechEngine(IOptions<TranscriptionOptions> options, ILogger<WhisperSpeechEngine> logger) : ISpeechEngine, IDisposable
{
    private readonly Lock _lock = new();
    private WhisperModel? _model;
    private SileroVad? _vad;
    private (string Path, long Length, DateTime Written)? _failedFile;
    private string? _failure;

    public string ModelName => _model?.ModelName ?? Path.GetFileName(options.Value.ResolveModelPath());

    public string? Runtime { get; private set; }

    public string? CheckReady()
    {
        lock (_lock)
        {
            if (_model is not null && _vad is not null) return null;
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

            if (Runtime is null)
            {
                try
                {
                    WhisperRuntime.Configure(o.Runtime, o.LibraryPath);
                    Runtime = WhisperRuntime.Load(logger).Name;
                    if (Runtime != o.Runtime && o.Runtime != "auto") LogRuntimeFallback(logger, o.Runtime, Runtime);
                }
                catch (WhisperException e)
                {
                    LogLoadFailed(logger, e.InnerException?.GetType().Name ?? e.GetType().Name);
                    return "Transcription cannot start: " + e.Message;
                }
            }

            var info = new FileInfo(modelPath);
            var key = (modelPath, info.Length, info.LastWriteTimeUtc);
            if (_failedFile == key) return _failure;
            try
            {
                _vad ??= SileroVad.Load(vadPath, logger);
                _model = WhisperModel.Load(modelPath, logger, o.FlashAttention);
                return null;
            }
            catch (WhisperException e)
            {
                _failedFile = key;
                _failure = _vad is null
                    ? $"Transcription is waiting for a model: the file {vadPath} could not be loaded as a Silero voice-detection model; run 'Storytelling.Worker models verify' or leave {TranscriptionOptions.Section}:VadModel out to use the one shipped with the worker."
                    : $"Transcription is waiting for a model: the file {modelPath} could not be loaded as a Whisper model; run 'Storytelling.Worker models verify' and download it again.";
                LogLoadFailed(logger, e.GetType().Name);
                return _failure;
            }
        }
    }

    public async Task<EngineResult> TranscribeAsync(ReadOnlyMemory<float> samples, string language, Action<int>? progressPercent, CancellationToken cancellationToken)
    {
        var model = _model ?? throw new InvalidOperationException("CheckReady must succeed before TranscribeAsync.");
        var o = options.Value;
        try
        {
            var result = await model.TranscribeAsync(samples, new WhisperOptions
            {
                Language = language,
                Threads = o.EffectiveThreads,
                MaxTokensPerSegment = o.MaxTokensPerSegment,
                TemperatureFallback = o.TemperatureFallback,
            }, _vad, progressPercent, cancellationToken);
            return new EngineResult(
                [.. result.Segments.Select(s => new OutcomeSegment(s.StartMs, s.EndMs, s.Text, s.Probability,
                    [.. s.Words.Select(w => new OutcomeWord(w.StartMs, w.EndMs, w.Text))]))],
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

    public void Dispose()
    {
        _model?.Dispose();
        _vad?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Whisper model could not be loaded ({Kind})")]
    private static partial void LogLoadFailed(ILogger logger, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Whisper.net runtime {Wanted} is not available here; transcribing on the {Loaded} runtime")]
    private static partial void LogRuntimeFallback(ILogger logger, string wanted, string loaded);
}
