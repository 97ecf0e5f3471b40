extern alias worker;

using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using Storytelling.Core.Transcription;
using worker::Storytelling.Worker.Models;

namespace Storytelling.Tests.Models;

public sealed class ModelCatalogTests
{
    [Fact]
    public void Every_entry_has_a_unique_name_a_ggml_file_an_https_address_a_size_and_a_full_length_checksum()
    {
        var all = ModelCatalog.All;

        Assert.Equal(all.Count, all.Select(e => e.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(all.Count, all.Select(e => e.FileName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(all, e =>
        {
            Assert.Equal("ggml-" + e.Name + ".bin", e.FileName);
            Assert.Equal("https", e.Address.Scheme);
            Assert.EndsWith("/resolve/main/" + e.FileName, e.Address.AbsoluteUri, StringComparison.Ordinal);
            Assert.True(e.Size > 0);
            Assert.Matches(e.Algorithm == ChecksumAlgorithm.Sha256 ? "^[0-9a-f]{64}$" : "^[0-9a-f]{40}$", e.Checksum);
        });
        Assert.Equal(all.Count, all.Select(e => e.Checksum).Distinct().Count());
    }

    [Fact]
    public void The_catalogue_holds_every_standard_whisper_model_its_quantised_variants_and_the_silero_vad_model()
    {
        string[] expected =
        [
            "tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en",
            "large-v1", "large-v2", "large-v3", "large-v3-turbo",
            "tiny-q5_1", "tiny.en-q5_1", "tiny-q8_0", "base-q5_1", "base.en-q5_1", "base-q8_0", "small-q5_1", "small.en-q5_1",
            "small-q8_0", "medium-q5_0", "medium.en-q5_0", "medium-q8_0", "large-v2-q5_0", "large-v2-q8_0", "large-v3-q5_0",
            "large-v3-turbo-q5_0", "large-v3-turbo-q8_0", "silero-v6.2.0",
        ];
        Assert.All(expected, name => Assert.NotNull(ModelCatalog.Find(name)));

        var vad = ModelCatalog.Find("silero-v6.2.0")!;
        Assert.True(vad.IsVoiceActivityModel);
        Assert.Equal(885_098, vad.Size);
        Assert.StartsWith("https://huggingface.co/ggml-org/whisper-vad/", vad.Address.AbsoluteUri, StringComparison.Ordinal);
        Assert.StartsWith("https://huggingface.co/ggerganov/whisper.cpp/", ModelCatalog.Find("base")!.Address.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_whisper_model_is_a_catalogue_name_so_a_new_installation_downloads_only_that()
    {
        var defaults = new TranscriptionOptions();
        Assert.NotNull(ModelCatalog.Find(defaults.Model));
    }

    [Fact]
    public async Task The_default_voice_detector_is_the_silero_model_shipped_next_to_the_worker_with_its_licence_and_published_checksum()
    {
        // The test binaries' folder holds the worker's build output too (the process tests run the worker from here).
        var defaults = new TranscriptionOptions { ModelsDirectory = Path.Combine(Path.GetTempPath(), "no-models-here") };
        var path = defaults.ResolveVadModelPath();

        Assert.True(defaults.UsesShippedVadModel);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "VoiceDetection", "ggml-silero-v6.2.0.bin"), path);
        var check = await ModelVerifier.CheckAsync(ModelCatalog.Find("silero-v6.2.0")!, path, CancellationToken.None);
        Assert.Equal(ModelFileStatus.Ok, check.Status);
        var licence = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(path)!, "LICENSE.txt"));
        Assert.Contains("Copyright (c) 2020-present Silero Team", licence, StringComparison.Ordinal);
        Assert.Contains("MIT License", licence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silero-v6.2.0", "/srv/models/ggml-silero-v6.2.0.bin")]
    [InlineData("/opt/vad/ggml-silero-v5.1.2.bin", "/opt/vad/ggml-silero-v5.1.2.bin")]
    public void A_configured_vad_model_name_or_path_wins_over_the_shipped_one(string configured, string expected)
    {
        var options = new TranscriptionOptions { ModelsDirectory = "/srv/models", VadModel = configured };

        Assert.Equal(expected, options.ResolveVadModelPath());
        Assert.False(options.UsesShippedVadModel);
    }

    [Theory]
    [InlineData("bse", "base")]
    [InlineData("large-v3-turbo-q8", "large-v3-turbo-q8_0")]
    [InlineData("ggml-small.en.bin", "small.en")]
    [InlineData("silero", "silero-v6.2.0")]
    public void A_mistyped_name_gets_the_closest_names_as_suggestions(string typed, string suggested) =>
        Assert.Contains(suggested, ModelCatalog.Suggest(typed));

    [Fact]
    public void A_base_address_override_keeps_the_file_name()
    {
        var moved = ModelCatalog.Find("base")!.WithBaseAddress(new Uri("http://127.0.0.1:9/mirror"));
        Assert.Equal("http://127.0.0.1:9/mirror/ggml-base.bin", moved.Address.AbsoluteUri);
    }

    [Fact]
    public void The_progress_bar_shows_percent_megabytes_and_speed_and_redraws_only_when_it_changes_visibly()
    {
        var time = new FakeTimeProvider();
        var text = new StringWriter();
        var bar = new ProgressBar(text, interactive: true, time);

        bar.Report(new DownloadProgress(0, 10_000_000));
        for (var i = 1; i <= 50; i++) bar.Report(new DownloadProgress(i * 1000, 10_000_000)); // same instant: no redraws
        time.Advance(TimeSpan.FromSeconds(1));
        bar.Report(new DownloadProgress(5_000_000, 10_000_000));
        time.Advance(TimeSpan.FromSeconds(1));
        bar.Report(new DownloadProgress(10_000_000, 10_000_000));
        bar.Finish();

        var draws = text.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, draws.Length);
        Assert.Matches(new Regex(@"^ 50% \[#{15}-{15}\]\s+5\.0 / 10\.0 MB  5\.0 MB/s"), draws[1]);
        Assert.Matches(new Regex(@"^100% \[#{30}\]\s+10\.0 / 10\.0 MB  5\.0 MB/s\s*\n$"), draws[2]);
    }

    [Fact]
    public void Redirected_progress_is_one_plain_line_per_ten_percent()
    {
        var text = new StringWriter();
        var bar = new ProgressBar(text, interactive: false, new FakeTimeProvider());

        for (var i = 0; i <= 1000; i++) bar.Report(new DownloadProgress(i * 1000, 1_000_000));

        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(11, lines.Length);
        Assert.DoesNotContain('\r', text.ToString());
    }
}
