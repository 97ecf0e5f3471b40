namespace Storytelling.Worker.Whisper;

/// <summary>
/// The speech regions of a stretch of audio joined into one buffer for Whisper, the way whisper.cpp's own VAD does it
/// (each region but the last runs on 0.1 s, and 0.1 s of silence separates regions), with the map that takes a time in
/// the joined audio back to the original. One whisper call per window instead of one per region: Whisper pads every
/// call to a 30 s window, so many short calls would cost many full encoder runs.
/// </summary>
public sealed class SpeechAudio
{
    public const int SampleRate = 16_000;
    private const int OverlapSamples = SampleRate / 10;
    private const int GapSamples = SampleRate / 10;

    private readonly Piece[] _pieces;

    private SpeechAudio(Piece[] pieces, int length)
    {
        _pieces = pieces;
        Length = length;
    }

    /// <summary>Samples in the joined audio.</summary>
    public int Length { get; }

    /// <summary>The plan for <paramref name="regions"/> (ms, in time order) of audio <paramref name="sampleCount"/> samples long.</summary>
    public static SpeechAudio Plan(IReadOnlyList<SpeechRegion> regions, int sampleCount)
    {
        ArgumentNullException.ThrowIfNull(regions);
        var pieces = new List<Piece>(regions.Count);
        var offset = 0;
        for (var i = 0; i < regions.Count; i++)
        {
            var start = (int)Math.Clamp(regions[i].StartMs * (SampleRate / 1000), 0, sampleCount);
            var end = (int)Math.Clamp(regions[i].EndMs * (SampleRate / 1000), start, sampleCount);
            var last = i == regions.Count - 1;
            var copyEnd = last ? end : Math.Min(end + OverlapSamples, sampleCount);
            if (copyEnd <= start) continue;
            if (pieces.Count > 0) offset += GapSamples;
            pieces.Add(new Piece(offset, start, end - start, copyEnd - start));
            offset += copyEnd - start;
        }
        return new SpeechAudio([.. pieces], offset);
    }

    /// <summary>Copies the speech into <paramref name="target"/> (at least <see cref="Length"/> long; gaps become silence).</summary>
    public void Join(ReadOnlySpan<float> source, Span<float> target)
    {
        target[..Length].Clear();
        foreach (var p in _pieces) source.Slice(p.OriginalStart, p.CopyLength).CopyTo(target[p.JoinedStart..]);
    }

    /// <summary>
    /// A time in the joined audio (ms) as a time in the original audio (ms). Inside a region it moves with the region;
    /// in the overlap or the gap after one it stays at that region's end, so times never run backwards.
    /// </summary>
    public long ToOriginalMs(long joinedMs)
    {
        if (_pieces.Length == 0) return 0;
        var sample = joinedMs * (SampleRate / 1000);
        var piece = _pieces[0];
        foreach (var p in _pieces)
        {
            if (p.JoinedStart > sample) break;
            piece = p;
        }
        var within = Math.Clamp(sample - piece.JoinedStart, 0, piece.SpeechLength);
        return (piece.OriginalStart + within) / (SampleRate / 1000);
    }

    /// <param name="JoinedStart">First sample in the joined audio.</param>
    /// <param name="OriginalStart">First sample in the original audio.</param>
    /// <param name="SpeechLength">Samples of the region itself.</param>
    /// <param name="CopyLength">Samples copied: the region and its overlap.</param>
    private readonly record struct Piece(int JoinedStart, int OriginalStart, int SpeechLength, int CopyLength);
}
