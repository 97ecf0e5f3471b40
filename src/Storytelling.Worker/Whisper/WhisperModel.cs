using System.Buffers;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Whisper.net;

namespace Storytelling.Worker.Whisper;

/// <summary>
/// A loaded ggml Whisper model (one Whisper.net <see cref="WhisperFactory"/>), kept in memory and reused across jobs.
/// Each transcription builds its own processor (microseconds: Whisper.net creates whisper.cpp's per-call state on
/// every run anyway) for that job's language. One <see cref="TranscribeAsync"/> at a time: a second concurrent call
/// throws instead of competing for the same cores; load a second model for parallel work.
/// </summary>
public sealed partial class WhisperModel : IDisposable
{
    private static readonly Lazy<FrozenSet<string>> Languages = new(() => WhisperFactory.GetSupportedLanguages().ToFrozenSet(StringComparer.OrdinalIgnoreCase));

    private readonly WhisperFactory _factory;
    private int _busy;
    // The speech of one window, joined for Whisper; one buffer per model (a model transcribes one window at a time).
    // Not ArrayPool.Shared: it rounds a window up to a 32 MB array and parks returned arrays per thread, so the
    // await-hopping windows of a 2-hour job left one such array behind on each thread they touched (RESULTS.md).
    private float[] _speech = [];

    private WhisperModel(WhisperFactory factory, string modelName)
    {
        _factory = factory;
        ModelName = modelName;
    }

    /// <summary>The model's file name, e.g. "ggml-base.bin".</summary>
    public string ModelName { get; }

    /// <exception cref="WhisperException">The file is missing, whisper.cpp cannot load it, or no native runtime loads.</exception>
    public static WhisperModel Load(string modelPath, ILogger logger, bool flashAttention = true)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(logger);
        var name = Path.GetFileName(modelPath);
        // Checked here because whisper.cpp only says "failed to open" on its log.
        if (!File.Exists(modelPath))
            throw new WhisperException($"The Whisper model file {name} does not exist in {Path.GetDirectoryName(Path.GetFullPath(modelPath))}.");

        var (runtime, systemInfo) = WhisperRuntime.Load(logger);
        // Flash attention is whisper.cpp's and whisper-cli's default, but not Whisper.net's: without it the CPU runs ≈15 % slower.
        var factory = WhisperFactory.FromPath(modelPath, new WhisperFactoryOptions { UseGpu = WhisperRuntime.UsesGpu, UseFlashAttention = flashAttention });
        try
        {
            // Whisper.net loads the model in FromPath but only reports a failed load when a processor is asked for.
            _ = factory.CreateBuilder();
        }
        catch (WhisperModelLoadException e)
        {
            factory.Dispose();
            throw new WhisperException($"The file {name} is not a Whisper model that whisper.cpp can load (damaged, incomplete or another format).", e);
        }
        LogLoaded(logger, name, runtime, systemInfo);
        return new WhisperModel(factory, name);
    }

    /// <summary>
    /// Transcribes 16 kHz mono float samples. With <paramref name="vad"/>, only the speech it finds is given to Whisper
    /// (joined into one buffer) and every time is mapped back to <paramref name="samples16kMono"/>; no speech means no
    /// segments, never text Whisper invents on silence. Whisper runs on a thread of its own (Whisper.net's async path).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the model stays usable.</exception>
    /// <exception cref="WhisperException">whisper.cpp reported a failure, or the language code is unknown.</exception>
    public async Task<WhisperResult> TranscribeAsync(ReadOnlyMemory<float> samples16kMono, WhisperOptions options, SileroVad? vad,
        Action<int>? progressPercent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Language);
        cancellationToken.ThrowIfCancellationRequested();
        var autoLanguage = string.Equals(options.Language, "auto", StringComparison.OrdinalIgnoreCase);
        if (!autoLanguage && !Languages.Value.Contains(options.Language))
            throw new WhisperException($"Whisper does not know the language code '{options.Language}'; use a code such as 'nl' or 'en', or 'auto'.");
        var noSpeech = new WhisperResult([], autoLanguage ? null : options.Language, SpeechFound: false);
        if (samples16kMono.IsEmpty) return noSpeech;
        if (Interlocked.Exchange(ref _busy, 1) == 1)
            throw new InvalidOperationException($"Whisper model {ModelName} is already transcribing; it handles one recording at a time.");

        try
        {
            var input = samples16kMono;
            Func<long, long> toOriginalMs = ms => ms;
            if (vad is not null)
            {
                var regions = await vad.DetectSpeechAsync(samples16kMono, cancellationToken);
                var speech = SpeechAudio.Plan(regions, samples16kMono.Length);
                if (speech.Length == 0) return noSpeech;
                // Sized for the whole window once, so later windows and jobs reuse it instead of leaving garbage behind.
                if (_speech.Length < speech.Length) _speech = GC.AllocateUninitializedArray<float>(Math.Max(speech.Length, samples16kMono.Length));
                speech.Join(samples16kMono.Span, _speech);
                input = _speech.AsMemory(0, speech.Length);
                toOriginalMs = speech.ToOriginalMs;
            }
            var durationMs = samples16kMono.Length * 1000L / SpeechAudio.SampleRate;
            var segments = await RunAsync(input, options, autoLanguage, progressPercent,
                ms => Math.Min(toOriginalMs(ms), durationMs), cancellationToken);
            var language = autoLanguage ? segments.FirstOrDefault(s => s.Language is { Length: > 0 }).Language : options.Language;
            return new WhisperResult([.. segments.Select(s => s.Segment)], segments.Count > 0 ? language : noSpeech.DetectedLanguage, SpeechFound: segments.Count > 0);
        }
        finally
        {
            NativeMemory.Trim();
            Volatile.Write(ref _busy, 0);
        }
    }

    private async Task<List<(WhisperSegment Segment, string? Language)>> RunAsync(ReadOnlyMemory<float> input, WhisperOptions options, bool autoLanguage,
        Action<int>? progressPercent, Func<long, long> toOriginalMs, CancellationToken cancellationToken)
    {
        // A progress handler that throws inside a native callback would end the process: remember the error, stop whisper, rethrow here.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? progressError = null;
        var lastPercent = -1;
        var builder = _factory.CreateBuilder()
            .WithThreads(Math.Max(1, options.Threads))
            .WithGreedySamplingStrategy()
            .WithTokenTimestamps();
        builder = autoLanguage ? builder.WithLanguageDetection() : builder.WithLanguage(options.Language);
        if (options.MaxTokensPerSegment > 0) builder = builder.WithMaxTokensPerSegment(options.MaxTokensPerSegment);
        if (!options.TemperatureFallback) builder = builder.WithTemperatureInc(0);
        if (progressPercent is not null)
        {
            builder = builder.WithProgressHandler(percent =>
            {
                var clamped = Math.Clamp(percent, 0, 100);
                if (clamped == lastPercent || progressError is not null) return;
                lastPercent = clamped;
                try
                {
                    progressPercent(clamped);
                }
                catch (Exception e)
                {
                    progressError = e;
                    stop.Cancel();
                }
            });
        }

        var segments = new List<(WhisperSegment, string?)>();
        await using var processor = builder.Build();
        try
        {
            await foreach (var data in processor.ProcessAsync(input, stop.Token))
            {
                var text = data.Text.Trim();
                if (text.Length == 0) continue;
                var end = toOriginalMs((long)data.End.TotalMilliseconds);
                var start = Math.Min(toOriginalMs((long)data.Start.TotalMilliseconds), end);
                var tokens = data.Tokens.Select(t => new TokenTime(t.Id, t.Text, t.Start, t.End)).ToList();
                var words = WordTimes.FromTokens(tokens, data.Text, toOriginalMs, start, end);
                segments.Add((new WhisperSegment(start, end, text, MeanTextTokenProbability(data.Tokens), words), data.Language));
            }
        }
        catch (OperationCanceledException) when (progressError is not null)
        {
            throw new WhisperException("The progress callback failed during transcription.", progressError);
        }
        catch (WhisperProcessingException e)
        {
            throw new WhisperException($"whisper.cpp could not transcribe the audio (code {e.ErrorCode}).", e);
        }
        return segments;
    }

    private static float MeanTextTokenProbability(WhisperToken[] tokens)
    {
        double sum = 0;
        var n = 0;
        foreach (var t in tokens)
        {
            // Special tokens (timestamps, start/end markers) are not words.
            if (WordTimes.IsSpecial(new TokenTime(t.Id, t.Text, t.Start, t.End))) continue;
            sum += t.Probability;
            n++;
        }
        return n == 0 ? 0f : (float)Math.Clamp(sum / n, 0, 1);
    }

    public void Dispose() => _factory.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Whisper model {ModelName} loaded on the {Runtime} runtime ({SystemInfo})")]
    private static partial void LogLoaded(ILogger logger, string modelName, string runtime, string systemInfo);
}
