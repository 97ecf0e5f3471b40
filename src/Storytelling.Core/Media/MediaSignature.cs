namespace Storytelling.Core.Media;

/// <summary>
/// The first bytes of the containers people record in. Only used after ffmpeg has given up on a file, to tell a
/// damaged recording (ask the teller to upload it again) from something that never was one.
/// </summary>
internal static class MediaSignature
{
    public const int Length = 12;

    public static bool LooksLikeMedia(ReadOnlySpan<byte> head) =>
        (head.Length >= 8 && head[4..8].SequenceEqual("ftyp"u8))                     // MP4, M4A, 3GP, MOV
        || head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])                                 // Matroska, WebM
        || head.StartsWith("OggS"u8)
        || (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WAVE"u8))
        || head.StartsWith("ID3"u8)                                                  // MP3 with a tag
        || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)         // MPEG audio or ADTS frame
        || head.StartsWith("#!AMR"u8)
        || head.StartsWith("fLaC"u8)
        || head.StartsWith("caff"u8)
        || (head.Length >= 12 && head.StartsWith("FORM"u8) && head[8..11].SequenceEqual("AIF"u8));
}
