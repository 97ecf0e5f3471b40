namespace Storytelling.Web.Features.Transcripts;

/// <summary>A changed stretch: old text [OldStart, OldEnd) became new text [NewStart, NewEnd). Offsets in UTF-16 units.</summary>
public readonly record struct TextHunk(int OldStart, int OldEnd, int NewStart, int NewEnd);

/// <summary>
/// How the positions of one text map onto another, as the sorted list of changed stretches (everything between
/// them is equal). Used to carry codings across corrections and to translate between original and pseudonymised text.
/// </summary>
public sealed class TextMapping(IReadOnlyList<TextHunk> hunks)
{
    public IReadOnlyList<TextHunk> Hunks { get; } = hunks;

    public TextMapping Inverse() => new(Hunks.Select(h => new TextHunk(h.NewStart, h.NewEnd, h.OldStart, h.OldEnd)).ToList());

    /// <summary>Where a range starting at <paramref name="offset"/> starts in the new text: text inserted right before it
    /// stays outside, and a start inside a changed stretch moves to that stretch's start (the replacement is included).</summary>
    public int MapStart(int offset)
    {
        var delta = 0;
        foreach (var h in Hunks)
        {
            if (h.OldStart <= offset && offset < h.OldEnd) return h.NewStart;
            if (h.OldEnd > offset) break;
            delta += (h.NewEnd - h.NewStart) - (h.OldEnd - h.OldStart);
        }
        return offset + delta;
    }

    /// <summary>Where a range ending (exclusive) at <paramref name="offset"/> ends in the new text: text inserted right
    /// after it stays outside, and an end inside a changed stretch moves to that stretch's end.</summary>
    public int MapEnd(int offset)
    {
        var delta = 0;
        foreach (var h in Hunks)
        {
            if (h.OldStart < offset && offset <= h.OldEnd) return h.NewEnd;
            if (h.OldEnd >= offset) break;
            delta += (h.NewEnd - h.NewStart) - (h.OldEnd - h.OldStart);
        }
        return offset + delta;
    }
}

/// <summary>
/// A word-level diff (Myers' O(ND) algorithm over tokens: runs of letters/digits, runs of white space, single other
/// characters). Common head and tail are trimmed first, so a typical correction costs little even on a 2-hour
/// transcript; past <see cref="MaxEdits"/> token edits the differing middle is treated as one replaced stretch
/// rather than spending unbounded time and memory.
/// </summary>
public static class TextDiff
{
    public const int MaxEdits = 2000;

    public static TextMapping Compute(string oldText, string newText)
    {
        var dictionary = new Dictionary<string, int>(StringComparer.Ordinal);
        var (a, aStarts) = Tokenize(oldText, dictionary);
        var (b, bStarts) = Tokenize(newText, dictionary);

        var head = 0;
        while (head < a.Length && head < b.Length && a[head] == b[head]) head++;
        var tail = 0;
        while (tail < a.Length - head && tail < b.Length - head && a[a.Length - 1 - tail] == b[b.Length - 1 - tail]) tail++;

        // Edit script over the middle as (old token index, new token index) pairs of equal tokens.
        var matches = Myers(a.AsSpan(head, a.Length - head - tail), b.AsSpan(head, b.Length - head - tail));
        var hunks = new List<TextHunk>();
        int ai = head, bi = head;
        foreach (var (ma, mb) in matches ?? [])
        {
            AddHunk(hunks, ai, head + ma, bi, head + mb, aStarts, bStarts);
            ai = head + ma + 1;
            bi = head + mb + 1;
        }
        AddHunk(hunks, ai, a.Length - tail, bi, b.Length - tail, aStarts, bStarts);
        return new TextMapping(hunks);
    }

    private static void AddHunk(List<TextHunk> hunks, int a0, int a1, int b0, int b1, int[] aStarts, int[] bStarts)
    {
        if (a0 == a1 && b0 == b1) return;
        hunks.Add(new TextHunk(aStarts[a0], aStarts[a1], bStarts[b0], bStarts[b1]));
    }

    /// <summary>Tokens as ids plus each token's start offset (one extra entry: the text's length).</summary>
    private static (int[] Tokens, int[] Starts) Tokenize(string text, Dictionary<string, int> dictionary)
    {
        var tokens = new List<int>();
        var starts = new List<int>();
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            var kind = Kind(text, i);
            i += char.IsSurrogatePair(text, i) ? 2 : 1;
            if (kind != 2)
            {
                while (i < text.Length && Kind(text, i) == kind) i += char.IsSurrogatePair(text, i) ? 2 : 1;
            }
            var token = text[start..i];
            if (!dictionary.TryGetValue(token, out var id)) dictionary[token] = id = dictionary.Count;
            tokens.Add(id);
            starts.Add(start);
        }
        starts.Add(text.Length);
        return (tokens.ToArray(), starts.ToArray());
    }

    private static int Kind(string text, int i)
    {
        if (char.IsLetterOrDigit(text, i) || char.GetUnicodeCategory(text, i) is System.Globalization.UnicodeCategory.NonSpacingMark) return 0;
        return char.IsWhiteSpace(text, i) ? 1 : 2;
    }

    /// <summary>Pairs of equal token indexes in order, or null when more than <see cref="MaxEdits"/> edits are needed.</summary>
    private static List<(int A, int B)>? Myers(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int n = a.Length, m = b.Length;
        if (n == 0 || m == 0) return [];
        var max = Math.Min(n + m, MaxEdits);
        var offset = max + 1;
        var v = new int[2 * max + 3];
        var trace = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            // Only diagonals -d-1..d+1 are read back at this depth, so memory grows with D², not D·(N+M).
            trace.Add(v[(offset - d - 1)..(offset + d + 2)]);
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y]) { x++; y++; }
                v[offset + k] = x;
                if (x >= n && y >= m) return Backtrack(trace, a, b, d);
            }
        }
        return null;
    }

    private static List<(int A, int B)> Backtrack(List<int[]> trace, ReadOnlySpan<int> a, ReadOnlySpan<int> b, int dFound)
    {
        var result = new List<(int, int)>();
        int x = a.Length, y = b.Length;
        for (var d = dFound; d >= 0; d--)
        {
            var v = trace[d];
            var at = d + 1; // window index of diagonal 0
            var k = x - y;
            int prevK;
            if (d == 0) prevK = k;
            else prevK = k == -d || (k != d && v[at + k - 1] < v[at + k + 1]) ? k + 1 : k - 1;
            var prevX = d == 0 ? 0 : v[at + prevK];
            var prevY = prevX - prevK;
            // The snake after the edit: equal tokens.
            var startX = d == 0 ? 0 : (prevK == k + 1 ? prevX : prevX + 1);
            var startY = startX - k;
            while (x > startX && y > startY) { x--; y--; result.Add((x, y)); }
            x = prevX;
            y = prevY;
        }
        result.Reverse();
        return result;
    }
}
