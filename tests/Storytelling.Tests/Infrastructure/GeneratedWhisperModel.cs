using System.Buffers.Binary;
using System.Text;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// Writes a ggml Whisper model with random weights in the exact layout whisper.cpp 1.9.1 loads
/// (src/whisper.cpp, whisper_model_load). Real weights cannot be downloaded on our machines; a random model
/// runs the same code and, with real dimensions, the same compute, but "transcribes" into random words.
/// Self-contained (no test framework) so the benchmark project can link this file.
/// </summary>
public static class GeneratedWhisperModel
{
    /// <summary>Model dimensions; audio and text halves share state size and head count, as in OpenAI's models.</summary>
    public sealed record Dimensions(string Name, int State, int Heads, int EncoderLayers, int DecoderLayers)
    {
        /// <summary>≈8 MB, loads and runs in milliseconds: for tests of the pipeline, not of words.</summary>
        public static Dimensions Test { get; } = new("test", 64, 2, 1, 1);
        public static Dimensions Tiny { get; } = new("tiny", 384, 6, 4, 4);
        public static Dimensions Base { get; } = new("base", 512, 8, 6, 6);
        public static Dimensions Small { get; } = new("small", 768, 12, 12, 12);
    }

    private const int Magic = 0x67676d6c;
    private const int VocabSize = 51865; // multilingual
    private const int WrittenTokens = 50257; // whisper.cpp adds the special tokens itself up to VocabSize
    private const int AudioContext = 1500;
    private const int TextContext = 448;
    private const int Mels = 80;
    private const int FftBins = 201;
    private const int TypeF32 = 0;
    private const int TypeF16 = 1;

    public static void Write(string path, Dimensions d, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(d);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        var temporary = $"{path}.{Guid.NewGuid():N}.partial"; // concurrent test runs may write the same model
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var w = new BinaryWriter(stream))
        {
            var random = new Random(seed);
            WriteHeader(w, d);
            WriteMelFilters(w);
            WriteVocabulary(w);
            WriteTensors(w, d, random);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteHeader(BinaryWriter w, Dimensions d)
    {
        // BinaryWriter writes little-endian, as ggml files are.
        int[] header = [Magic, VocabSize, AudioContext, d.State, d.Heads, d.EncoderLayers, TextContext, d.State, d.Heads, d.DecoderLayers, Mels, TypeF16];
        foreach (var value in header) w.Write(value);
    }

    /// <summary>Triangular filters spread over the spectrum, so the log-mel input varies with the audio like a real one.</summary>
    private static void WriteMelFilters(BinaryWriter w)
    {
        w.Write(Mels);
        w.Write(FftBins);
        for (var m = 0; m < Mels; m++)
        {
            var center = 1 + m * (FftBins - 2) / (double)(Mels - 1);
            var width = 1.5 + m * 0.05;
            for (var f = 0; f < FftBins; f++)
                w.Write((float)Math.Max(0, 1 - Math.Abs(f - center) / width) * 0.01f);
        }
    }

    private static readonly string[] Syllables =
        ["de", "het", "een", "en", "van", "ik", "je", "is", "dat", "we", "op", "te", "zij", "er", "ma", "ver", "ge", "be", "on", "al",
         "oma", "huis", "dorp", "kerk", "veld", "school", "markt", "boer", "haven", "brug", "straat", "jaar", "tijd", "toen", "nog", "mooi"];

    /// <summary>
    /// Word-like tokens, all distinct. Token 220 is " " (suppress_blank looks it up; without it whisper.cpp aborts);
    /// the rest read as Dutch-looking syllables so random output is at least printable UTF-8.
    /// </summary>
    private static void WriteVocabulary(BinaryWriter w)
    {
        w.Write(WrittenTokens);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < WrittenTokens; i++)
        {
            var token = i == 220 ? " " : TokenText(i);
            if (!seen.Add(token)) token = $" t{i}";
            var bytes = Encoding.UTF8.GetBytes(token);
            w.Write((uint)bytes.Length);
            w.Write(bytes);
        }
    }

    private static string TokenText(int i)
    {
        var sb = new StringBuilder();
        if (i % 3 != 0) sb.Append(' ');
        var n = i;
        do
        {
            sb.Append(Syllables[n % Syllables.Length]);
            n /= Syllables.Length;
        } while (n > 0);
        return sb.ToString();
    }

    private static void WriteTensors(BinaryWriter w, Dimensions d, Random random)
    {
        var s = d.State;
        Tensor(w, random, "encoder.positional_embedding", TypeF32, s, AudioContext);
        Tensor(w, random, "encoder.conv1.weight", TypeF16, 3, Mels, s);
        Tensor(w, random, "encoder.conv1.bias", TypeF32, 1, s);
        Tensor(w, random, "encoder.conv2.weight", TypeF16, 3, s, s);
        Tensor(w, random, "encoder.conv2.bias", TypeF32, 1, s);
        Tensor(w, random, "encoder.ln_post.weight", TypeF32, s);
        Tensor(w, random, "encoder.ln_post.bias", TypeF32, s);
        for (var i = 0; i < d.EncoderLayers; i++)
        {
            Block(w, random, $"encoder.blocks.{i}", "attn", s);
        }
        Tensor(w, random, "decoder.positional_embedding", TypeF32, s, TextContext);
        Tensor(w, random, "decoder.token_embedding.weight", TypeF16, s, VocabSize);
        Tensor(w, random, "decoder.ln.weight", TypeF32, s);
        Tensor(w, random, "decoder.ln.bias", TypeF32, s);
        for (var i = 0; i < d.DecoderLayers; i++)
        {
            Block(w, random, $"decoder.blocks.{i}", "attn", s);
            Attention(w, random, $"decoder.blocks.{i}", "cross_attn", s);
        }
    }

    /// <summary>One transformer block: self-attention plus the MLP (15 tensors).</summary>
    private static void Block(BinaryWriter w, Random random, string prefix, string attention, int s)
    {
        Tensor(w, random, $"{prefix}.mlp_ln.weight", TypeF32, s);
        Tensor(w, random, $"{prefix}.mlp_ln.bias", TypeF32, s);
        Tensor(w, random, $"{prefix}.mlp.0.weight", TypeF16, s, 4 * s);
        Tensor(w, random, $"{prefix}.mlp.0.bias", TypeF32, 4 * s);
        Tensor(w, random, $"{prefix}.mlp.2.weight", TypeF16, 4 * s, s);
        Tensor(w, random, $"{prefix}.mlp.2.bias", TypeF32, s);
        Attention(w, random, prefix, attention, s);
    }

    /// <summary>Layer norm and query/key/value/out projections; the key has no bias in Whisper (9 tensors).</summary>
    private static void Attention(BinaryWriter w, Random random, string prefix, string attention, int s)
    {
        Tensor(w, random, $"{prefix}.{attention}_ln.weight", TypeF32, s);
        Tensor(w, random, $"{prefix}.{attention}_ln.bias", TypeF32, s);
        Tensor(w, random, $"{prefix}.{attention}.query.weight", TypeF16, s, s);
        Tensor(w, random, $"{prefix}.{attention}.query.bias", TypeF32, s);
        Tensor(w, random, $"{prefix}.{attention}.key.weight", TypeF16, s, s);
        Tensor(w, random, $"{prefix}.{attention}.value.weight", TypeF16, s, s);
        Tensor(w, random, $"{prefix}.{attention}.value.bias", TypeF32, s);
        Tensor(w, random, $"{prefix}.{attention}.out.weight", TypeF16, s, s);
        Tensor(w, random, $"{prefix}.{attention}.out.bias", TypeF32, s);
    }

    /// <summary>Writes one tensor record; <paramref name="shape"/> is innermost-first, as ggml stores it.</summary>
    private static void Tensor(BinaryWriter w, Random random, string name, int type, params int[] shape)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        w.Write(shape.Length);
        w.Write(nameBytes.Length);
        w.Write(type);
        foreach (var n in shape) w.Write(n);
        w.Write(nameBytes);

        long count = 1;
        foreach (var n in shape) count *= n;
        // Layer-norm weights near 1 and biases near 0 keep activations sane; weights scale with 1/sqrt(fan-in).
        var isNormWeight = name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal);
        var isBias = name.EndsWith(".bias", StringComparison.Ordinal);
        var scale = isBias ? 0.02f : 1f / MathF.Sqrt(shape[0]);
        var elementSize = type == TypeF16 ? 2 : 4;
        var buffer = new byte[64 * 1024];
        var perBuffer = buffer.Length / elementSize;
        for (long done = 0; done < count;)
        {
            var n = (int)Math.Min(perBuffer, count - done);
            for (var i = 0; i < n; i++)
            {
                var value = isNormWeight ? 1f + (random.NextSingle() - 0.5f) * 0.1f : (random.NextSingle() * 2 - 1) * scale;
                if (type == TypeF16) BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(i * 2), (Half)value);
                else BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), value);
            }
            w.Write(buffer, 0, n * elementSize);
            done += n;
        }
    }
}
