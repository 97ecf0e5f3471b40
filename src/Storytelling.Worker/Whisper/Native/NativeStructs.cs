using System.Runtime.InteropServices;

namespace Storytelling.Worker.Whisper.Native;

// Mirrors of the structs in whisper.h 1.9.1, field for field (C bool = byte, size_t = nuint,
// pointers and callbacks = IntPtr). whisper_init_from_file_with_params and whisper_full take them
// by value, so a missing or reordered field shifts everything after it: a test asserts the sizes
// and reads native defaults back at their offsets.

[StructLayout(LayoutKind.Sequential)]
internal struct WhisperContextParams // 48 bytes on x86-64
{
    public byte UseGpu;
    public byte FlashAttn;
    public int GpuDevice;
    public byte DtwTokenTimestamps;
    public int DtwAheadsPreset;
    public int DtwNTop;
    public nuint DtwAheadsCount;
    public IntPtr DtwAheads;
    public nuint DtwMemSize;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WhisperVadParams // 24 bytes
{
    public float Threshold;
    public int MinSpeechDurationMs;
    public int MinSilenceDurationMs;
    public float MaxSpeechDurationS;
    public int SpeechPadMs;
    public float SamplesOverlap;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WhisperVadContextParams // 12 bytes
{
    public int Threads;
    public byte UseGpu;
    public int GpuDevice;
}

[StructLayout(LayoutKind.Sequential)]
internal struct WhisperFullParams // 304 bytes on x86-64
{
    public int Strategy;
    public int Threads;
    public int MaxTextContext;
    public int OffsetMs;
    public int DurationMs;

    public byte Translate;
    public byte NoContext;
    public byte NoTimestamps;
    public byte SingleSegment;
    public byte PrintSpecial;
    public byte PrintProgress;
    public byte PrintRealtime;
    public byte PrintTimestamps;

    public byte TokenTimestamps;
    public float TholdPt;
    public float TholdPtSum;
    public int MaxLen;
    public byte SplitOnWord;
    public int MaxTokens;

    public byte DebugMode;
    public int AudioCtx;

    public byte TdrzEnable;

    public IntPtr SuppressRegex;

    public IntPtr InitialPrompt;
    public byte CarryInitialPrompt;
    public IntPtr PromptTokens;
    public int PromptTokenCount;

    public IntPtr Language;
    public byte DetectLanguage;

    public byte SuppressBlank;
    public byte SuppressNonSpeechTokens;

    public float Temperature;
    public float MaxInitialTs;
    public float LengthPenalty;

    public float TemperatureInc;
    public float EntropyThold;
    public float LogprobThold;
    public float NoSpeechThold;

    public int GreedyBestOf;
    public int BeamSize;
    public float BeamPatience;

    public IntPtr NewSegmentCallback;
    public IntPtr NewSegmentCallbackUserData;
    public IntPtr ProgressCallback;
    public IntPtr ProgressCallbackUserData;
    public IntPtr EncoderBeginCallback;
    public IntPtr EncoderBeginCallbackUserData;
    public IntPtr AbortCallback;
    public IntPtr AbortCallbackUserData;
    public IntPtr LogitsFilterCallback;
    public IntPtr LogitsFilterCallbackUserData;

    public IntPtr GrammarRules;
    public nuint GrammarRuleCount;
    public nuint StartRule;
    public float GrammarPenalty;

    public byte Vad;
    public IntPtr VadModelPath;
    public WhisperVadParams VadParams;
}

internal enum GgmlLogLevel
{
    None = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
    Continue = 5,
}
