namespace Storytelling.Worker.Models;

/// <summary>How a catalogue entry's checksum is computed.</summary>
public enum ChecksumAlgorithm
{
    Sha256,
    /// <summary>Only for entries whose publisher gives no SHA-256; whisper.cpp's README table lists SHA-1.</summary>
    Sha1,
}

/// <summary>One downloadable model file: where it comes from, how big it is and what it must hash to.</summary>
public sealed record ModelEntry(string Name, string FileName, Uri Address, long Size, string Checksum, ChecksumAlgorithm Algorithm)
{
    public bool IsVoiceActivityModel => Name.StartsWith("silero-", StringComparison.Ordinal);

    public string AlgorithmName => Algorithm == ChecksumAlgorithm.Sha256 ? "SHA-256" : "SHA-1";

    /// <summary>The same file served from another place (a mirror, or a test server): the file name is appended to it.</summary>
    public ModelEntry WithBaseAddress(Uri baseAddress)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var root = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        return this with { Address = new Uri(root, Uri.EscapeDataString(FileName)) };
    }
}

/// <summary>
/// The standard ggml Whisper models as whisper.cpp publishes them (models/download-ggml-model.sh and the model
/// repository's README), plus the Silero VAD model from whisper.cpp's VAD repository (models/download-vad-model.sh).
/// </summary>
public static class ModelCatalog
{
    /// <summary>Where whisper.cpp's download-ggml-model.sh fetches ggml-NAME.bin from.</summary>
    public static readonly Uri WhisperBaseAddress = new("https://huggingface.co/ggerganov/whisper.cpp/resolve/main/");

    /// <summary>Where whisper.cpp's download-vad-model.sh fetches ggml-NAME.bin from.</summary>
    public static readonly Uri VadBaseAddress = new("https://huggingface.co/ggml-org/whisper-vad/resolve/main/");

    // Sizes and SHA-256 values are the model repository's Git LFS metadata ("oid sha256" = SHA-256 of the file
    // content) at its revision 5359861c739e955e79d9a303bcbc70fb988958b1, as recorded in the public catalogue of
    // tnware/freehand-stt (internal/managedruntime, the whisper.cpp provider's model specs), and cross-checked with
    // other public catalogues that list the same LFS ids (e.g. chidiwilliams/buzz README.md for tiny/base/small/
    // medium/large-v2). Every entry has a SHA-256, so none falls back to the SHA-1 table of whisper.cpp's README;
    // the Sha1 algorithm stays for entries that only have that. small.en-tdrz lives in another repository and is left out.
    // Silero: size and SHA-256 measured on the genuine file, the copy the worker ships (VoiceDetection/ggml-silero-v6.2.0.bin).
    public static IReadOnlyList<ModelEntry> All { get; } =
    [
        Whisper("tiny", 77_691_713, "be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21"),
        Whisper("tiny-q5_1", 32_152_673, "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7"),
        Whisper("tiny-q8_0", 43_537_433, "c2085835d3f50733e2ff6e4b41ae8a2b8d8110461e18821b09a15c40c42d1cca"),
        Whisper("tiny.en", 77_704_715, "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f"),
        Whisper("tiny.en-q5_1", 32_166_155, "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b"),
        Whisper("tiny.en-q8_0", 43_550_795, "5bc2b3860aa151a4c6e7bb095e1fcce7cf12c7b020ca08dcec0c6d018bb7dd94"),
        Whisper("base", 147_951_465, "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe"),
        Whisper("base-q5_1", 59_707_625, "422f1ae452ade6f30a004d7e5c6a43195e4433bc370bf23fac9cc591f01a8898"),
        Whisper("base-q8_0", 81_768_585, "c577b9a86e7e048a0b7eada054f4dd79a56bbfa911fbdacf900ac5b567cbb7d9"),
        Whisper("base.en", 147_964_211, "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002"),
        Whisper("base.en-q5_1", 59_721_011, "4baf70dd0d7c4247ba2b81fafd9c01005ac77c2f9ef064e00dcf195d0e2fdd2f"),
        Whisper("base.en-q8_0", 81_781_811, "a4d4a0768075e13cfd7e19df3ae2dbc4a68d37d36a7dad45e8410c9a34f8c87e"),
        Whisper("small", 487_601_967, "1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b"),
        Whisper("small-q5_1", 190_085_487, "ae85e4a935d7a567bd102fe55afc16bb595bdb618e11b2fc7591bc08120411bb"),
        Whisper("small-q8_0", 264_464_607, "49c8fb02b65e6049d5fa6c04f81f53b867b5ec9540406812c643f177317f779f"),
        Whisper("small.en", 487_614_201, "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d"),
        Whisper("small.en-q5_1", 190_098_681, "bfdff4894dcb76bbf647d56263ea2a96645423f1669176f4844a1bf8e478ad30"),
        Whisper("small.en-q8_0", 264_477_561, "67a179f608ea6114bd3fdb9060e762b588a3fb3bd00c4387971be4d177958067"),
        Whisper("medium", 1_533_763_059, "6c14d5adee5f86394037b4e4e8b59f1673b6cee10e3cf0b11bbdbee79c156208"),
        Whisper("medium-q5_0", 539_212_467, "19fea4b380c3a618ec4723c3eef2eb785ffba0d0538cf43f8f235e7b3b34220f"),
        Whisper("medium-q8_0", 823_369_779, "42a1ffcbe4167d224232443396968db4d02d4e8e87e213d3ee2e03095dea6502"),
        Whisper("medium.en", 1_533_774_781, "cc37e93478338ec7700281a7ac30a10128929eb8f427dda2e865faa8f6da4356"),
        Whisper("medium.en-q5_0", 539_225_533, "76733e26ad8fe1c7a5bf7531a9d41917b2adc0f20f2e4f5531688a8c6cd88eb0"),
        Whisper("medium.en-q8_0", 823_382_461, "43fa2cd084de5a04399a896a9a7a786064e221365c01700cea4666005218f11c"),
        Whisper("large-v1", 3_094_623_691, "7d99f41a10525d0206bddadd86760181fa920438b6b33237e3118ff6c83bb53d"),
        Whisper("large-v2", 3_094_623_691, "9a423fe4d40c82774b6af34115b8b935f34152246eb19e80e376071d3f999487"),
        Whisper("large-v2-q5_0", 1_080_732_091, "3a214837221e4530dbc1fe8d734f302af393eb30bd0ed046042ebf4baf70f6f2"),
        Whisper("large-v2-q8_0", 1_656_129_691, "fef54e6d898246a65c8285bfa83bd1807e27fadf54d5d4e81754c47634737e8c"),
        Whisper("large-v3", 3_095_033_483, "64d182b440b98d5203c4f9bd541544d84c605196c4f7b845dfa11fb23594d1e2"),
        Whisper("large-v3-q5_0", 1_081_140_203, "d75795ecff3f83b5faa89d1900604ad8c780abd5739fae406de19f23ecd98ad1"),
        Whisper("large-v3-turbo", 1_624_555_275, "1fc70f774d38eb169993ac391eea357ef47c88757ef72ee5943879b7e8e2bc69"),
        Whisper("large-v3-turbo-q5_0", 574_041_195, "394221709cd5ad1f40c46e6031ca61bce88931e6e088c188294c6d5a55ffa7e2"),
        Whisper("large-v3-turbo-q8_0", 874_188_075, "317eb69c11673c9de1e1f0d459b253999804ec71ac4c23c17ecf5fbe24e259a1"),
        new("silero-v6.2.0", "ggml-silero-v6.2.0.bin", new Uri(VadBaseAddress, "ggml-silero-v6.2.0.bin"), 885_098,
            "2aa269b785eeb53a82983a20501ddf7c1d9c48e33ab63a41391ac6c9f7fb6987", ChecksumAlgorithm.Sha256),
    ];

    public static ModelEntry? Find(string name) =>
        All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry whose file is called <paramref name="fileName"/> (ggml-base.bin → base), if any.</summary>
    public static ModelEntry? FindByFileName(string fileName) =>
        All.FirstOrDefault(e => string.Equals(e.FileName, fileName, StringComparison.OrdinalIgnoreCase));

    /// <summary>Up to three catalogue names closest to a mistyped one: same start first, then smallest edit distance.</summary>
    public static IReadOnlyList<string> Suggest(string name, int max = 3)
    {
        var typed = name.Trim().ToLowerInvariant();
        if (typed.StartsWith("ggml-", StringComparison.Ordinal)) typed = typed[5..];
        if (typed.EndsWith(".bin", StringComparison.Ordinal)) typed = typed[..^4];
        return All
            .Select(e => (e.Name, Distance: EditDistance(typed, e.Name), Prefix: typed.Length > 0 && e.Name.StartsWith(typed, StringComparison.Ordinal)))
            .Where(c => c.Prefix || c.Distance <= Math.Max(2, c.Name.Length / 3))
            .OrderBy(c => c.Prefix ? 0 : 1).ThenBy(c => c.Distance).ThenBy(c => c.Name.Length)
            .Take(max)
            .Select(c => c.Name)
            .ToList();
    }

    private static ModelEntry Whisper(string name, long size, string sha256)
    {
        var file = "ggml-" + name + ".bin";
        return new ModelEntry(name, file, new Uri(WhisperBaseAddress, file), size, sha256, ChecksumAlgorithm.Sha256);
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
