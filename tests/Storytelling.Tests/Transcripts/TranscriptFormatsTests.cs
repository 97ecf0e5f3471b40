using System.Text;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Transcripts;

public sealed class TranscriptFormatsTests
{
    private static readonly Cue[] Story =
    [
        new(0, 4_200, "Vroeger stond hier een bakker op de hoek.", "verteller"),
        new(4_200, 9_000, "Café & bar <De Hoek> — \"gezellig\", zei hij.", "interviewer"),
        new(9_500, 12_000, "كنت أعمل في المخبز كل صباح", "تولك"),
        new(3_600_000 + 61_001, 3_600_000 + 62_500, "Na ruim een uur: 😀 emoji en ‘quotes’ blijven.", null),
        new(100L * 3_600_000 + 5, 100L * 3_600_000 + 10, "Honderd uur later (een test, geen verhaal).", "Jan & Piet"),
    ];

    [Fact]
    public async Task WebVtt_written_and_parsed_back_gives_the_same_segments_with_speakers_unicode_and_long_times()
    {
        var vtt = await TranscriptFormats.ToStringAsync(w => TranscriptFormats.WriteVttAsync(w, Story, "ggml-base.bin", "nl", CancellationToken.None));
        Assert.StartsWith("WEBVTT\n\nNOTE\nModel: ggml-base.bin\nLanguage: nl\n", vtt, StringComparison.Ordinal);
        Assert.Contains("<v verteller>Vroeger", vtt, StringComparison.Ordinal);
        Assert.Contains("01:01:01.001 --> 01:01:02.500", vtt, StringComparison.Ordinal);
        Assert.Contains("100:00:00.005 --> 100:00:00.010", vtt, StringComparison.Ordinal);
        Assert.DoesNotContain("<De Hoek>", vtt, StringComparison.Ordinal);

        var parsed = TranscriptFormats.ParseVtt(vtt);
        Assert.Null(parsed.Error);
        Assert.Equal(Story, parsed.Cues);
    }

    [Fact]
    public async Task Srt_written_and_parsed_back_gives_the_same_segments_with_speakers_unicode_and_long_times()
    {
        var srt = await TranscriptFormats.ToStringAsync(w => TranscriptFormats.WriteSrtAsync(w, Story, CancellationToken.None));
        Assert.StartsWith("1\n00:00:00,000 --> 00:00:04,200\n[verteller] Vroeger", srt, StringComparison.Ordinal);
        var parsed = TranscriptFormats.ParseSrt(srt);
        Assert.Null(parsed.Error);
        Assert.Equal(Story, parsed.Cues);
        Assert.Equal(TranscriptFileFormat.Srt, TranscriptFormats.Detect("export.txt", srt));
    }

    [Fact]
    public void WebVtt_from_other_tools_is_read_despite_BOM_CRLF_missing_hours_commas_settings_ids_notes_styles_and_tags()
    {
        var file = "\uFEFFWEBVTT - made by some editor\r\nKind: captions\r\nLanguage: nl\r\n\r\n"
            + "STYLE\r\n::cue { color: yellow }\r\n\r\n"
            + "NOTE this is a comment\r\nthat spans lines\r\n\r\n"
            + "intro\r\n00:01.500 --> 00:04.000 align:start position:10%\r\n<v.loud Jan de Vries>Hallo <b>allemaal</b>,\r\nwelkom &amp; fijn dat <i>je</i> er bent.\r\n\r\n"
            + "00:04.000 --> 00:06.000\r\n<c.yellow>Tweede</c> <00:05.000>regel&nbsp;hier\r\n\r\n"
            + "REGION\r\nid:fred\r\n\r\n"
            + "00:06.000 --> 00:06.000\r\n\r\n";
        var parsed = TranscriptFormats.ParseVtt(file);
        Assert.Null(parsed.Error);
        Assert.Equal(
            [new Cue(1_500, 4_000, "Hallo allemaal, welkom & fijn dat je er bent.", "Jan de Vries"), new Cue(4_000, 6_000, "Tweede regel hier", null)],
            parsed.Cues);
        Assert.Equal(TranscriptFileFormat.WebVtt, TranscriptFormats.Detect("x.srt", file));
    }

    [Fact]
    public void Cues_out_of_order_are_sorted_and_overlapping_cues_are_kept()
    {
        var parsed = TranscriptFormats.ParseSrt("2\n00:00:05,000 --> 00:00:08,000\nTweede\n\n1\n00:00:01,000 --> 00:00:06,000\nEerste, overlapt\n");
        Assert.Null(parsed.Error);
        Assert.Equal(["Eerste, overlapt", "Tweede"], parsed.Cues.Select(c => c.Text));
    }

    [Fact]
    public void WebVtt_cues_without_blank_lines_between_them_are_four_cues_as_in_a_browser()
    {
        var parsed = TranscriptFormats.ParseVtt("WEBVTT\n\n00:00.000 --> 00:02.000\nEen\n00:02.000 --> 00:04.000\nTwee\n2\n00:04.000 --> 00:06.000\nDrie\n00:06.000 --> 00:08.000\nVier");
        Assert.Null(parsed.Error);
        Assert.Equal([new Cue(0, 2_000, "Een", null), new Cue(2_000, 4_000, "Twee 2", null), new Cue(4_000, 6_000, "Drie", null), new Cue(6_000, 8_000, "Vier", null)],
            parsed.Cues);
    }

    [Fact]
    public void A_WebVtt_cue_a_browser_skips_is_skipped_and_named_and_one_ending_before_its_start_lasts_no_time()
    {
        var parsed = TranscriptFormats.ParseVtt("WEBVTT\n\n00:01.000 --> 00:02,500\nkomma\n\n00:05.000 --> 00:03.000\nachteruit\n\n00:06.000 --> 00:07.000\ngoed\n");
        Assert.Null(parsed.Error);
        Assert.Equal([new Cue(5_000, 5_000, "achteruit", null), new Cue(6_000, 7_000, "goed", null)], parsed.Cues);
        Assert.StartsWith("Line 3: '00:01.000 --> 00:02,500' is not a time line", Assert.Single(parsed.Notices!), StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> SrtEncodings()
    {
        const string srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCafé één\r\n";
        return new TheoryData<string, byte[]>
        {
            { "UTF-8", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(srt)] },
            { "UTF-16LE", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(srt)] },
            { "UTF-16BE", [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(srt)] },
            { "UTF-32LE", [0xFF, 0xFE, 0x00, 0x00, .. new UTF32Encoding(false, false).GetBytes(srt)] },
            { "UTF-32BE", [0x00, 0x00, 0xFE, 0xFF, .. new UTF32Encoding(true, false).GetBytes(srt)] },
            { "Windows-1252", Encoding.Latin1.GetBytes(srt) },
        };
    }

    [Theory]
    [MemberData(nameof(SrtEncodings))]
    public void Srt_in_any_encoding_players_read_comes_in_with_its_accents(string encoding, byte[] bytes)
    {
        var decoded = TextDecoding.Decode(bytes);
        Assert.Equal(encoding, decoded.Encoding);
        Assert.Equal(encoding == "Windows-1252", decoded.Guessed);
        var parsed = TranscriptFormats.ParseSrt(decoded.Text);
        Assert.Null(parsed.Error);
        Assert.Equal([new Cue(1_000, 2_000, "Café één", null)], parsed.Cues);
        Assert.Equal(TranscriptFileFormat.Srt, TranscriptFormats.Detect("x.txt", decoded.Text));
    }

    [Fact]
    public void Srt_as_players_read_it_without_numbers_with_wrong_numbers_extra_or_missing_blank_lines_dots_and_no_final_newline()
    {
        var file = "\n\n00:00:01,000 --> 00:00:02,000\nZonder nummer\n\n\n\n7\n00:00:02.500 --> 00:00:03.000 X1:10 X2:20\nFout nummer, punt\n"
            + "3\n00:00:03,000 --> 00:00:05,000\nGeen lege regel ervoor\n00:00:04,000 --> 00:00:06,000\nOverlapt\n\nen een alinea erna\n\n"
            + "9\n0:00:07,5 --> 0:00:08,25\nLaatste zonder einde";
        var parsed = TranscriptFormats.ParseSrt(file);
        Assert.Null(parsed.Error);
        Assert.Equal(
        [
            new Cue(1_000, 2_000, "Zonder nummer", null), new Cue(2_500, 3_000, "Fout nummer, punt", null),
            new Cue(3_000, 5_000, "Geen lege regel ervoor", null), new Cue(4_000, 6_000, "Overlapt en een alinea erna", null),
            new Cue(7_500, 8_250, "Laatste zonder einde", null),
        ], parsed.Cues);
    }

    [Theory]
    [InlineData("", "must start with the line 'WEBVTT'")]
    [InlineData("WEBVTTX\n\n00:01.000 --> 00:02.000\nx", "must start with the line 'WEBVTT'")]
    [InlineData("<html><body>WEBVTT</body></html>", "must start with the line 'WEBVTT'")]
    [InlineData("WEBVTT\n\n00:01.000 -> 00:02.000\nkapotte pijl", "Line 3: this block has no time line")]
    [InlineData("WEBVTT\n\n00:01,000 --> 00:02,000\nkomma's", "Line 3: '00:01,000 --> 00:02,000' is not a time line")]
    [InlineData("WEBVTT\n\nid\neen --> twee\nwoorden", "Line 4: 'een --> twee' is not a time line")]
    [InlineData("WEBVTT\n\n00:61.000 --> 01:02.000\nzestig seconden", "is not a time line")]
    [InlineData("WEBVTT\n\nNOTE alleen een notitie\n", "holds no text")]
    [InlineData("WEBVTT\n\n00:01.000 --> 00:02.000\n<b></b>  \n", "holds no text")]
    public void Malformed_WebVtt_is_refused_with_a_sentence_naming_the_problem(string file, string expected)
    {
        var parsed = TranscriptFormats.ParseVtt(file);
        Assert.Empty(parsed.Cues);
        Assert.Contains(expected, parsed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1\n00:00:01,000 --> banaan\ntekst", "Line 2:")]
    [InlineData("1\nalleen tekst zonder tijden\n", "Line 1: expected a time line")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\nkapot --> 00:00:03,000\ny", "Line 6: 'kapot --> 00:00:03,000' is not a time line")]
    [InlineData("1\n00:00:01,000 --> 00:00:02,000\nx\n\n2\n\ny", "Line 5: expected a time line such as '00:00:01,000 --> 00:00:04,000' after the number '2'")]
    [InlineData("1\n00:00:09,000 --> 00:00:01,000\ntekst", "ends")]
    [InlineData("1\n999999:00:00,000 --> 999999:00:01,000\ntekst", "is not a time line")]
    public void Malformed_Srt_is_refused_with_the_line(string file, string expected)
    {
        var parsed = TranscriptFormats.ParseSrt(file);
        Assert.Contains(expected, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Hostile_cue_text_loses_markup_and_control_characters_but_keeps_its_words_and_a_NUL_shows_as_a_browser_shows_it()
    {
        var parsed = TranscriptFormats.ParseVtt("WEBVTT\n\n00:01.000 --> 00:02.000\n<script>alert(1)</script>Hallo\u0007\u0000 <img src=x onerror=alert(1)>wereld\n");
        Assert.Null(parsed.Error);
        Assert.Equal("alert(1)Hallo \uFFFD wereld", Assert.Single(parsed.Cues).Text);
    }

    [Fact]
    public void A_file_with_too_many_cues_or_an_overlong_cue_or_speaker_is_refused()
    {
        var many = new StringBuilder("WEBVTT\n\n");
        for (var i = 0; i < 10_001; i++) many.Append("00:01.000 --> 00:02.000\nx\n\n");
        Assert.Contains("at most 10000", TranscriptFormats.ParseVtt(many.ToString()).Error, StringComparison.Ordinal);
        Assert.Contains("split it", TranscriptFormats.ParseVtt("WEBVTT\n\n00:01.000 --> 00:02.000\n" + new string('a', 5_001)).Error, StringComparison.Ordinal);
        Assert.Contains("speaker", TranscriptFormats.ParseVtt($"WEBVTT\n\n00:01.000 --> 00:02.000\n<v {new string('n', 51)}>x").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_text_becomes_one_segment_per_paragraph_with_time_shared_by_length()
    {
        var text = "\uFEFFEerste alinea\r\nloopt door.\r\n\r\n\r\nTweede alinea is twee keer zo lang als de eerste!!\n\n   \n";
        var parsed = TranscriptFormats.ParsePlain(text, 60_000);
        Assert.Null(parsed.Error);
        Assert.Equal(2, parsed.Cues.Count);
        var (first, second) = (parsed.Cues[0], parsed.Cues[1]);
        Assert.Equal("Eerste alinea loopt door.", first.Text);
        Assert.Equal(0, first.StartMs);
        Assert.Equal(first.EndMs, second.StartMs);
        Assert.Equal(60_000, second.EndMs);
        Assert.Equal(60_000L * first.Text.Length / (first.Text.Length + second.Text.Length), first.EndMs);
    }

    [Fact]
    public void A_plain_paragraph_longer_than_a_segment_is_cut_at_sentence_ends()
    {
        var sentence = "Dit is een zin over werk en wonen in de wijk. ";
        var paragraph = string.Concat(Enumerable.Repeat(sentence, 300));
        var parsed = TranscriptFormats.ParsePlain(paragraph, 600_000);
        Assert.Null(parsed.Error);
        Assert.True(parsed.Cues.Count >= 3);
        Assert.All(parsed.Cues, c => Assert.True(c.Text.Length <= 5_000 && c.Text.EndsWith('.')));
        Assert.Equal(paragraph.Trim(), string.Join(" ", parsed.Cues.Select(c => c.Text)));
        Assert.Equal(600_000, parsed.Cues[^1].EndMs);
        Assert.Contains("holds no text", TranscriptFormats.ParsePlain(" \n\n\t\n", 1000).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_data_is_refused_and_text_is_read_by_its_BOM_or_as_UTF8_or_else_Windows_1252()
    {
        Assert.Equal("café € “quote”", TranscriptFormats.Decode([0x63, 0x61, 0x66, 0xE9, 0x20, 0x80, 0x20, 0x93, 0x71, 0x75, 0x6F, 0x74, 0x65, 0x94]));
        Assert.Null(TranscriptFormats.Decode([0x7F, 0x45, 0x4C, 0x46, 0x00, 0x01]));
        Assert.Equal("café", TranscriptFormats.Decode([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("café")]));
        Assert.Equal("مرحبا", TranscriptFormats.Decode([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("مرحبا")]));
    }

    [Theory]
    [InlineData("gewoon", "gewoon")]
    [InlineData("met, komma", "\"met, komma\"")]
    [InlineData("zei \"ja\"", "\"zei \"\"ja\"\"\"")]
    [InlineData("twee\nregels", "\"twee\nregels\"")]
    [InlineData("=SUM(A1:A9)", "'=SUM(A1:A9)")]
    [InlineData("+31 6 1234", "'+31 6 1234")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("=HYPERLINK(\"http://x\",\"klik\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"klik\"\")\"")]
    [InlineData("", "")]
    public void Csv_fields_are_quoted_per_RFC_4180_and_formulas_are_defused(string value, string expected) =>
        Assert.Equal(expected, ExportsApi.CsvRow.Field(value, ','));

    [Theory]
    [InlineData("Anna", "Anna")]
    [InlineData("../../etc/passwd", "etc-passwd")]
    [InlineData("Ömer \"Ali\"\r\nX-Header: 1", "Ömer-Ali-X-Header-1")]
    [InlineData("***", "verhaal")]
    [InlineData("عائشة", "عائشة")]
    public void Download_names_keep_letters_and_digits_only(string name, string expected) =>
        Assert.Equal(expected, ExportsApi.FileNameOf(name));
}
