using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Storytelling.Worker.Whisper.Native;

/// <summary>
/// The C functions of libwhisper we use, nothing more. Every <c>const char*</c> result is an IntPtr read with
/// Marshal.PtrToStringUTF8: the strings belong to whisper.cpp and must never be freed by a marshaller.
/// </summary>
internal static unsafe partial class WhisperNative
{
    public const string Library = "whisper";

    public const int SamplingGreedy = 0;

    [LibraryImport(Library)]
    public static partial IntPtr whisper_version();

    [LibraryImport(Library)]
    public static partial void whisper_log_set(delegate* unmanaged[Cdecl]<int, IntPtr, IntPtr, void> callback, IntPtr userData);

    [LibraryImport(Library)]
    public static partial WhisperContextParams* whisper_context_default_params_by_ref();

    [LibraryImport(Library)]
    public static partial void whisper_free_context_params(WhisperContextParams* parameters);

    [LibraryImport(Library)]
    public static partial WhisperFullParams* whisper_full_default_params_by_ref(int strategy);

    [LibraryImport(Library)]
    public static partial void whisper_free_params(WhisperFullParams* parameters);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial WhisperContextHandle whisper_init_from_file_with_params(string path, WhisperContextParams parameters);

    [LibraryImport(Library)]
    public static partial void whisper_free(IntPtr context);

    [LibraryImport(Library)]
    public static partial int whisper_full(WhisperContextHandle context, WhisperFullParams parameters, float* samples, int sampleCount);

    [LibraryImport(Library)]
    public static partial int whisper_full_n_segments(WhisperContextHandle context);

    [LibraryImport(Library)]
    public static partial long whisper_full_get_segment_t0(WhisperContextHandle context, int segment);

    [LibraryImport(Library)]
    public static partial long whisper_full_get_segment_t1(WhisperContextHandle context, int segment);

    [LibraryImport(Library)]
    public static partial IntPtr whisper_full_get_segment_text(WhisperContextHandle context, int segment);

    [LibraryImport(Library)]
    public static partial int whisper_full_n_tokens(WhisperContextHandle context, int segment);

    [LibraryImport(Library)]
    public static partial int whisper_full_get_token_id(WhisperContextHandle context, int segment, int token);

    [LibraryImport(Library)]
    public static partial float whisper_full_get_token_p(WhisperContextHandle context, int segment, int token);

    [LibraryImport(Library)]
    public static partial int whisper_token_eot(WhisperContextHandle context);

    [LibraryImport(Library)]
    public static partial int whisper_full_lang_id(WhisperContextHandle context);

    [LibraryImport(Library)]
    public static partial IntPtr whisper_lang_str(int id);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int whisper_lang_id(string language);

    [LibraryImport(Library)]
    public static partial WhisperVadParams whisper_vad_default_params();

    [LibraryImport(Library)]
    public static partial WhisperVadContextParams whisper_vad_default_context_params();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial WhisperVadHandle whisper_vad_init_from_file_with_params(string path, WhisperVadContextParams parameters);

    [LibraryImport(Library)]
    public static partial void whisper_vad_free(IntPtr context);

    [LibraryImport(Library)]
    public static partial IntPtr whisper_vad_segments_from_samples(WhisperVadHandle context, WhisperVadParams parameters, float* samples, int sampleCount);

    [LibraryImport(Library)]
    public static partial int whisper_vad_segments_n_segments(IntPtr segments);

    [LibraryImport(Library)]
    public static partial float whisper_vad_segments_get_segment_t0(IntPtr segments, int segment);

    [LibraryImport(Library)]
    public static partial float whisper_vad_segments_get_segment_t1(IntPtr segments, int segment);

    [LibraryImport(Library)]
    public static partial void whisper_vad_free_segments(IntPtr segments);

    public static string? ReadUtf8(IntPtr text) => text == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(text);
}

internal sealed class WhisperContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WhisperContextHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_free(handle);
        return true;
    }
}

internal sealed class WhisperVadHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public WhisperVadHandle() : base(ownsHandle: true) { }

    protected override bool ReleaseHandle()
    {
        WhisperNative.whisper_vad_free(handle);
        return true;
    }
}
