namespace Storytelling.Worker.Whisper;

/// <summary>One decoded token as Whisper reports it: id, text (leading space = a new word), start and end in 10 ms units.</summary>
public readonly record struct TokenTime(int Id, string? Text, long Start, long End);

/// <summary>
/// When each word of a segment was spoken, from Whisper's token timestamps: special tokens (timestamps, language and
/// start/end markers) are skipped, sub-word tokens are joined (a token that begins with a space starts a new word),
/// and times are taken to the original audio and kept inside the segment.
/// </summary>
public static class WordTimes
{
    /// <summary>The first special token id of English-only models (end of text); multilingual models start one higher.</summary>
    private const int FirstSpecialId = 50256;

    /// <param name="tokens">The segment's tokens in order.</param>
    /// <param name="segmentText">The segment's text, decoded as a whole: it supplies the words' spelling, since a character
    /// split over two tokens (common in Arabic) cannot be decoded from either token alone.</param>
    /// <param name="toOriginalMs">Maps a time in the audio Whisper saw (ms) to the original recording (ms).</param>
    /// <param name="segmentStartMs">The segment's start in the original recording; no word starts before it.</param>
    /// <param name="segmentEndMs">The segment's end in the original recording; no word ends after it.</param>
    public static IReadOnlyList<WhisperWord> FromTokens(IReadOnlyList<TokenTime> tokens, string segmentText, Func<long, long> toOriginalMs,
        long segmentStartMs, long segmentEndMs)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(toOriginalMs);
        var pieces = new List<(string Text, long Start, long End)>();
        foreach (var token in tokens)
        {
            if (IsSpecial(token) || string.IsNullOrEmpty(token.Text)) continue;
            // Without token timestamps whisper.cpp leaves -1: then there are no word times at all.
            if (token.Start < 0 || token.End < 0) return [];
            if (pieces.Count == 0 || char.IsWhiteSpace(token.Text[0]))
                pieces.Add((token.Text, token.Start, token.End));
            else
                pieces[^1] = (pieces[^1].Text + token.Text, pieces[^1].Start, token.End);
        }
        pieces.RemoveAll(p => string.IsNullOrWhiteSpace(p.Text));

        var spelled = (segmentText ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var useSegmentSpelling = spelled.Length == pieces.Count;
        var words = new List<WhisperWord>(pieces.Count);
        var previousStart = segmentStartMs;
        for (var i = 0; i < pieces.Count; i++)
        {
            var text = useSegmentSpelling ? spelled[i] : pieces[i].Text.Trim().Replace("\uFFFD", "", StringComparison.Ordinal);
            // Punctuation on its own is not a spoken word.
            if (!text.Any(char.IsLetterOrDigit)) continue;
            var start = Math.Clamp(toOriginalMs(pieces[i].Start * 10), Math.Min(previousStart, segmentEndMs), segmentEndMs);
            var end = Math.Clamp(toOriginalMs(pieces[i].End * 10), start, segmentEndMs);
            words.Add(new WhisperWord(start, end, text));
            previousStart = start;
        }
        return words;
    }

    /// <summary>Timestamp, language, start and end tokens: ids from end-of-text up, which whisper.cpp names "[_…]".</summary>
    public static bool IsSpecial(TokenTime token) =>
        token.Id >= FirstSpecialId
        || (token.Text is { } t && ((t.StartsWith("[_", StringComparison.Ordinal) && t.EndsWith(']')) || (t.StartsWith("<|", StringComparison.Ordinal) && t.EndsWith("|>", StringComparison.Ordinal))));
}
