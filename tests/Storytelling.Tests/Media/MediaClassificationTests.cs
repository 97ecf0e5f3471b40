using System.Text.Json;
using FFMpegCore;
using FFMpegCore.Exceptions;
using Storytelling.Core.Media;

namespace Storytelling.Tests.Media;

/// <summary>
/// FFMpegCore's reading of ffprobe 5.1's own output and our mapping of it, on output recorded from corpus files
/// (renamed "upload", as stored blobs are) with the arguments FFMpegCore passes (-sexagesimal: "0:00:07.297000"), so
/// the rules can be checked without running ffprobe.
/// </summary>
public sealed class MediaClassificationTests
{
    // ffmpeg -i speech.wav -c:a libopus -f webm: as browsers record, no per-stream duration.
    private const string WebmOpus = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "opus",
                    "codec_long_name": "Opus (Opus Interactive Audio Codec)",
                    "codec_type": "audio",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "sample_fmt": "fltp",
                    "sample_rate": "48000",
                    "channels": 1,
                    "channel_layout": "mono",
                    "bits_per_sample": 0,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/1000",
                    "start_pts": -3,
                    "start_time": "0:00:-0.003000",
                    "extradata_size": 19,
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "ENCODER": "Lavc59.37.100 libopus",
                        "DURATION": "00:00:07.297000000"
                    }
                }
            ],
            "format": {
                "filename": "upload",
                "nb_streams": 1,
                "nb_programs": 0,
                "format_name": "matroska,webm",
                "format_long_name": "Matroska / WebM",
                "start_time": "0:00:-0.003000",
                "duration": "0:00:07.297000",
                "size": "93951",
                "bit_rate": "103002",
                "probe_score": 100,
                "tags": {
                    "ENCODER": "Lavf59.27.100"
                }
            }
        }
        """;

    // ffmpeg -i speech.wav -ar 8000 -ac 1 -c:a aac -f 3gp: same demuxer as MP4, told apart by the 3gp4 brand.
    private const string ThreeGpAac = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "aac",
                    "codec_long_name": "AAC (Advanced Audio Coding)",
                    "profile": "LC",
                    "codec_type": "audio",
                    "codec_tag_string": "mp4a",
                    "codec_tag": "0x6134706d",
                    "sample_fmt": "fltp",
                    "sample_rate": "8000",
                    "channels": 1,
                    "channel_layout": "mono",
                    "bits_per_sample": 0,
                    "id": "0x1",
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/8000",
                    "start_pts": 0,
                    "start_time": "0:00:00.000000",
                    "duration_ts": 58320,
                    "duration": "0:00:07.290000",
                    "bit_rate": "38655",
                    "nb_frames": "58",
                    "extradata_size": 5,
                    "disposition": {
                        "default": 1,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "language": "und",
                        "handler_name": "SoundHandler",
                        "vendor_id": "[0][0][0][0]"
                    }
                }
            ],
            "format": {
                "filename": "upload",
                "nb_streams": 1,
                "nb_programs": 0,
                "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
                "format_long_name": "QuickTime / MOV",
                "start_time": "0:00:00.000000",
                "duration": "0:00:07.290000",
                "size": "36782",
                "bit_rate": "40364",
                "probe_score": 100,
                "tags": {
                    "major_brand": "3gp4",
                    "minor_version": "512",
                    "compatible_brands": "3gp4isomiso2"
                }
            }
        }
        """;

    // ffmpeg -i speech.mp3 -i image.png ... -disposition:v attached_pic: cover art shows up as a video stream.
    private const string Mp3WithCoverArt = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "mp3",
                    "codec_long_name": "MP3 (MPEG audio layer 3)",
                    "codec_type": "audio",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "sample_fmt": "fltp",
                    "sample_rate": "22050",
                    "channels": 1,
                    "channel_layout": "mono",
                    "bits_per_sample": 0,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/14112000",
                    "start_pts": 707200,
                    "start_time": "0:00:00.050113",
                    "duration_ts": 103956480,
                    "duration": "0:00:07.366531",
                    "bit_rate": "32000",
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    }
                },
                {
                    "index": 1,
                    "codec_name": "png",
                    "codec_long_name": "PNG (Portable Network Graphics) image",
                    "codec_type": "video",
                    "codec_tag_string": "[0][0][0][0]",
                    "codec_tag": "0x0000",
                    "width": 64,
                    "height": 64,
                    "coded_width": 64,
                    "coded_height": 64,
                    "closed_captions": 0,
                    "film_grain": 0,
                    "has_b_frames": 0,
                    "sample_aspect_ratio": "1:1",
                    "display_aspect_ratio": "1:1",
                    "pix_fmt": "rgb24",
                    "level": -99,
                    "color_range": "pc",
                    "refs": 1,
                    "r_frame_rate": "90000/1",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/90000",
                    "start_pts": 4510,
                    "start_time": "0:00:00.050111",
                    "duration_ts": 662988,
                    "duration": "0:00:07.366533",
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 1,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    },
                    "tags": {
                        "comment": "Other"
                    }
                }
            ],
            "format": {
                "filename": "upload",
                "nb_streams": 2,
                "nb_programs": 0,
                "format_name": "mp3",
                "format_long_name": "MP2/3 (MPEG audio layer 2/3)",
                "start_time": "0:00:00.050111",
                "duration": "0:00:07.366531",
                "size": "29906",
                "bit_rate": "32477",
                "probe_score": 51,
                "tags": {
                    "encoder": "Lavf59.27.100"
                }
            }
        }
        """;

    // The first 44 bytes of a WAV file: a header that promises audio and no duration.
    private const string WavHeaderOnly = """
        {
            "streams": [
                {
                    "index": 0,
                    "codec_name": "pcm_s16le",
                    "codec_long_name": "PCM signed 16-bit little-endian",
                    "codec_type": "audio",
                    "codec_tag_string": "[1][0][0][0]",
                    "codec_tag": "0x0001",
                    "sample_fmt": "s16",
                    "sample_rate": "22050",
                    "channels": 1,
                    "bits_per_sample": 16,
                    "r_frame_rate": "0/0",
                    "avg_frame_rate": "0/0",
                    "time_base": "1/22050",
                    "bit_rate": "352800",
                    "disposition": {
                        "default": 0,
                        "dub": 0,
                        "original": 0,
                        "comment": 0,
                        "lyrics": 0,
                        "karaoke": 0,
                        "forced": 0,
                        "hearing_impaired": 0,
                        "visual_impaired": 0,
                        "clean_effects": 0,
                        "attached_pic": 0,
                        "timed_thumbnails": 0,
                        "captions": 0,
                        "descriptions": 0,
                        "metadata": 0,
                        "dependent": 0,
                        "still_image": 0
                    }
                }
            ],
            "format": {
                "filename": "upload",
                "nb_streams": 1,
                "nb_programs": 0,
                "format_name": "wav",
                "format_long_name": "WAV / WAVE (Waveform Audio)",
                "size": "44",
                "bit_rate": "352800",
                "probe_score": 99
            }
        }
        """;

    private static MediaProbeResult Classify(string json) => MediaClassification.ToResult(FFProbe.FromJson(json));

    [Fact]
    public void Browser_webm_with_only_opus_is_audio_webm_with_the_format_duration()
    {
        var result = Classify(WebmOpus);

        Assert.True(result.Succeeded);
        Assert.Equal(("webm", "audio/webm", "opus"), (result.FormatName, result.MediaType, result.AudioCodec));
        Assert.Equal(7297, result.DurationMs);
        Assert.True(result.HasAudio);
        Assert.False(result.HasVideo);
    }

    [Fact]
    public void Mp4_family_file_with_a_3gp_brand_is_audio_3gpp()
    {
        var analysis = FFProbe.FromJson(ThreeGpAac);
        var result = MediaClassification.ToResult(analysis);

        Assert.Equal("3gp4", analysis.Format.Tags?["major_brand"]);
        Assert.Equal(("3gp", "audio/3gpp", "aac"), (result.FormatName, result.MediaType, result.AudioCodec));
        Assert.Equal(7290, result.DurationMs);
    }

    [Fact]
    public void Cover_art_does_not_make_an_mp3_a_video()
    {
        var analysis = FFProbe.FromJson(Mp3WithCoverArt);
        var result = MediaClassification.ToResult(analysis);

        Assert.Contains(analysis.VideoStreams, s => s.Disposition?["attached_pic"] == true);
        Assert.Equal(("mp3", "audio/mpeg", "mp3"), (result.FormatName, result.MediaType, result.AudioCodec));
        Assert.False(result.HasVideo);
    }

    [Fact]
    public void Header_without_a_duration_is_unreadable()
    {
        var analysis = FFProbe.FromJson(WavHeaderOnly);

        Assert.Equal(TimeSpan.Zero, analysis.Format.Duration);
        Assert.Equal(MediaProbeFailure.Unreadable, MediaClassification.ToResult(analysis).Failure);
    }

    [Fact]
    public void A_length_unknown_to_the_container_is_how_far_it_decoded()
    {
        var result = MediaClassification.ToResult(FFProbe.FromJson(WavHeaderOnly), decodedMs: 2353);

        Assert.Equal((MediaProbeFailure.None, 2353L), (result.Failure, result.DurationMs));
    }

    // Hand-written from here on: shapes the corpus cannot produce with Debian's ffmpeg.

    [Fact]
    public void Without_a_format_duration_the_longest_stream_counts()
    {
        const string json = """
            {"streams":[{"codec_type":"audio","codec_name":"amr_nb","duration":"0:00:12.340000"},
                        {"codec_type":"subtitle","codec_name":"mov_text","duration":"0:00:12.500000"}],
             "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"N/A","tags":{"major_brand":"isom"}}}
            """;

        var result = Classify(json);

        // AMR audio means a phone's 3GP recording whatever brand the muxer wrote.
        Assert.Equal(("3gp", "audio/3gpp", 12500L), (result.FormatName, result.MediaType, result.DurationMs));
    }

    [Theory]
    [InlineData("matroska,webm", "h264", "aac", "matroska", "video/x-matroska")]
    [InlineData("matroska,webm", "vp9", "opus", "webm", "video/webm")]
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac", "mov", "video/quicktime")]
    [InlineData("ogg", "theora", "vorbis", "ogg", "video/ogg")]
    public void Video_containers_are_named_by_brand_and_codecs(
        string formatName, string videoCodec, string audioCodec, string expectedFormat, string expectedType)
    {
        var json = $$"""
            {"streams":[{"codec_type":"video","codec_name":"{{videoCodec}}","disposition":{"attached_pic":0} },
                        {"codec_type":"audio","codec_name":"{{audioCodec}}"}],
             "format":{"format_name":"{{formatName}}","duration":"0:00:03.000000","tags":{"major_brand":"qt  "} } }
            """;

        var result = Classify(json);

        Assert.Equal((expectedFormat, expectedType), (result.FormatName, result.MediaType));
        Assert.True(result.HasVideo);
    }

    [Fact]
    public void No_audio_stream_is_no_audio_even_without_a_duration()
    {
        const string json = """{"streams":[{"codec_type":"video","codec_name":"png"}],"format":{"format_name":"png_pipe"}}""";

        Assert.Equal(MediaProbeFailure.NoAudio, Classify(json).Failure);
    }

    // The probe counts these as "ffprobe could not read it" and lets the file's first bytes decide.
    [Theory]
    [InlineData("")]
    [InlineData("moov atom not found")]
    [InlineData("[1, 2]")]
    [InlineData("{}")]
    public void Output_that_is_not_ffprobe_json_throws_what_the_probe_catches(string text)
    {
        var error = Assert.ThrowsAny<Exception>(() => FFProbe.FromJson(text));

        Assert.True(error is JsonException or FormatNullException, error.GetType().Name);
    }

    [Theory]
    [InlineData("out_time_us=2353152", 2353L)]
    [InlineData("out_time_us=N/A", null)]
    [InlineData("progress=end", null)]
    public void Decoded_length_comes_from_the_progress_report(string line, long? expectedMs)
    {
        Assert.Equal(expectedMs, FfprobeMediaProbe.ProgressMs(line));
    }

    [Theory]
    [InlineData(8000L, 8071L, false)]
    [InlineData(7200_000L, 7199_000L, false)]
    [InlineData(2353L, 8071L, true)]
    [InlineData(null, 8071L, true)]
    public void A_file_that_decodes_well_short_of_its_declared_length_ends_early(long? decodedMs, long expectedMs, bool endsEarly)
    {
        Assert.Equal(endsEarly, FfprobeMediaProbe.EndsEarly(decodedMs, expectedMs));
    }
}
