using System.Globalization;
using Storytelling.Core.Transcription;

namespace Storytelling.Worker.Models;

/// <summary>
/// <c>Storytelling.Worker models list | download NAME | verify [NAME]</c>: manages the ggml files in
/// Storytelling:Transcription:ModelsDirectory. Exit codes: 0 ok, 1 failure, 64 usage error.
/// </summary>
public static class ModelsCommand
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int UsageError = 64;

    /// <summary>Setting that replaces the download address of every catalogue entry (a mirror, or a test server): FILE is appended to it.</summary>
    public const string BaseAddressSetting = TranscriptionOptions.Section + ":ModelDownloadBaseAddress";

    public const string Usage = """
        Usage: Storytelling.Worker models <command>

          list              Show the model catalogue with sizes, checksum kind and which files are in the models folder.
          download NAME     Download model NAME into the models folder, resuming an interrupted download, and verify its checksum.
          verify [NAME]     Check model files against the catalogue (size and checksum); without NAME, every file present
                            plus the configured Model and VadModel.

        The Silero VAD model ships with the worker (VoiceDetection/ next to its files) and is the default VadModel,
        so only a Whisper model needs downloading.

        Settings (appsettings.json or environment, e.g. Storytelling__Transcription__ModelsDirectory):
          Storytelling:Transcription:ModelsDirectory            folder that holds the ggml files
          Storytelling:Transcription:Model, VadModel            the models the worker uses (verify checks them); a name
                                                                is looked up in the folder, a path taken as it is
          Storytelling:Transcription:ModelDownloadBaseAddress   download from this address instead of the publisher's

        Exit codes: 0 success, 1 failure (download failed, checksum mismatch, configured model missing), 64 usage error.
        """;

    /// <summary>Runs against the console: output on stdout, messages and progress on stderr, Ctrl+C cancels (a download keeps its .part file).</summary>
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        using var cancel = new CancellationTokenSource();
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            e.Cancel = true;
            cancel.Cancel();
        }
        Console.CancelKeyPress += OnCancel;
        try
        {
            return await RunAsync(args, configuration, Console.Out, Console.Error, interactive: !Console.IsErrorRedirected, cancel.Token);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
        }
    }

    public static async Task<int> RunAsync(
        string[] args, IConfiguration configuration, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken,
        ModelDownloaderOptions? downloaderOptions = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        var options = configuration.GetSection(TranscriptionOptions.Section).Get<TranscriptionOptions>() ?? new TranscriptionOptions();
        if (string.IsNullOrWhiteSpace(options.ModelsDirectory))
        {
            await error.WriteLineAsync($"Setting {TranscriptionOptions.Section}:ModelsDirectory is empty; give the folder that holds the ggml model files.");
            return UsageError;
        }

        Uri? baseAddress = null;
        if (configuration[BaseAddressSetting] is { Length: > 0 } configured)
        {
            if (!Uri.TryCreate(configured, UriKind.Absolute, out baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                await error.WriteLineAsync($"Setting {BaseAddressSetting} is '{configured}'; give an absolute http or https address or leave it empty.");
                return UsageError;
            }
        }

        switch (args)
        {
            case ["list"]:
                return await ListAsync(options, output);
            case ["download", var name]:
                if (Lookup(name) is not { } entry) return await UnknownModelAsync(name, error);
                using (var http = ModelDownloader.CreateHttpClient())
                {
                    var downloader = new ModelDownloader(http, downloaderOptions);
                    return await DownloadAsync(baseAddress is null ? entry : entry.WithBaseAddress(baseAddress), options, downloader, output, error, interactive, cancellationToken);
                }
            case ["verify"]:
                return await VerifyAllAsync(options, output, cancellationToken);
            case ["verify", var name]:
                if (Lookup(name) is not { } one) return await UnknownModelAsync(name, error);
                return await VerifyOneAsync(one, options, output, cancellationToken);
            case ["help" or "--help" or "-h"]:
                await output.WriteLineAsync(Usage);
                return Ok;
            case ["download"] or ["verify", _, _, ..] or ["download", _, _, ..]:
                await error.WriteLineAsync($"'models {args[0]}' takes {(args[0] == "download" ? "one model name" : "at most one model name")}; run 'models list' to see the names.");
                await error.WriteLineAsync(Usage);
                return UsageError;
            case []:
                await error.WriteLineAsync(Usage);
                return UsageError;
            default:
                await error.WriteLineAsync($"Unknown models command '{args[0]}'; use list, download NAME or verify [NAME].");
                await error.WriteLineAsync(Usage);
                return UsageError;
        }
    }

    /// <summary>Downloads one entry (whose address may already point at a mirror) and installs it in the models folder.</summary>
    public static async Task<int> DownloadAsync(
        ModelEntry entry, TranscriptionOptions options, ModelDownloader downloader, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(downloader);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var directory = Path.GetFullPath(options.ModelsDirectory);
        var target = Path.Combine(directory, entry.FileName);
        var bar = new ProgressBar(error, interactive);
        try
        {
            if (File.Exists(target))
            {
                var existing = await ModelVerifier.CheckAsync(entry, target, cancellationToken);
                if (existing.Status == ModelFileStatus.Ok)
                {
                    await output.WriteLineAsync($"{entry.FileName} is already in {directory} and its {entry.AlgorithmName} checksum matches.");
                    return Ok;
                }
                await error.WriteLineAsync($"{entry.FileName} in {directory} does not match the catalogue ({existing.Detail}), so it is downloaded again.");
            }

            var part = ModelDownloader.PartPath(entry, directory);
            var resumeFrom = File.Exists(part) ? new FileInfo(part).Length : 0;
            Directory.CreateDirectory(directory);
            if (FreeSpace(directory) is { } free && free < entry.Size - resumeFrom)
            {
                await error.WriteLineAsync(
                    $"{directory} has {ModelDownloader.Megabytes(free)} free but {entry.FileName} needs {ModelDownloader.Megabytes(entry.Size - resumeFrom)} more; free some space or choose another ModelsDirectory.");
                return Failure;
            }
            await error.WriteLineAsync(resumeFrom > 0
                ? $"Resuming {entry.Name} ({ModelDownloader.Megabytes(entry.Size)}) at {ModelDownloader.Megabytes(resumeFrom)} from {entry.Address}."
                : $"Downloading {entry.Name} ({ModelDownloader.Megabytes(entry.Size)}) from {entry.Address}.");
            var installed = await downloader.DownloadAsync(entry, directory, bar, cancellationToken);
            bar.Finish();
            await output.WriteLineAsync($"Installed {installed}; its {entry.AlgorithmName} checksum matches the catalogue.");
            return Ok;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            bar.Finish();
            var part = ModelDownloader.PartPath(entry, directory);
            var kept = File.Exists(part) ? new FileInfo(part).Length : 0;
            await error.WriteLineAsync($"Download of {entry.Name} cancelled; run the same command again to resume from {ModelDownloader.Megabytes(kept)}.");
            return Failure;
        }
        catch (ModelDownloadException e)
        {
            bar.Finish();
            await error.WriteLineAsync(e.Message);
            return Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bar.Finish();
            await error.WriteLineAsync($"Cannot write {entry.FileName} in {directory}: {e.Message}");
            return Failure;
        }
    }

    private static async Task<int> ListAsync(TranscriptionOptions options, TextWriter output)
    {
        var directory = Path.GetFullPath(options.ModelsDirectory);
        var configured = ConfiguredPaths(options);
        await output.WriteLineAsync($"Models folder: {directory}");
        await output.WriteLineAsync($"  {"NAME",-21} {"SIZE",10}  {"CHECKSUM",-8}  PRESENT");
        foreach (var entry in ModelCatalog.All)
        {
            var path = Path.Combine(directory, entry.FileName);
            var mark = configured.Contains(path) ? "*" : " ";
            var file = new FileInfo(path);
            var part = new FileInfo(path + ".part");
            var present = file.Exists
                ? file.Length == entry.Size ? "yes" : "wrong size"
                : part.Exists ? $"partial ({ModelDownloader.Megabytes(part.Length)})" : "no";
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{mark} {entry.Name,-21} {entry.Size / 1_000_000.0,7:0.0} MB  {entry.AlgorithmName,-8}  {present}"));
        }
        // A configured model outside the folder (a path, or the voice detector shipped with the worker) has no row above.
        foreach (var (setting, path) in new[] { ("Model", options.ResolveModelPath()), ("VadModel", options.ResolveVadModelPath()) })
        {
            if (string.Equals(Path.GetDirectoryName(path), directory, StringComparison.Ordinal)) continue;
            var origin = setting == "VadModel" && options.UsesShippedVadModel ? " (shipped with the worker)" : "";
            await output.WriteLineAsync($"* {setting}: {path}{origin}, {(File.Exists(path) ? "present" : "missing")}");
        }
        await output.WriteLineAsync("* = the configured Model or VadModel; 'yes' means the file has the right size, 'models verify' also checks its checksum.");
        return Ok;
    }

    private static async Task<int> VerifyOneAsync(ModelEntry entry, TranscriptionOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var check = await ModelVerifier.CheckAsync(entry, Path.Combine(Path.GetFullPath(options.ModelsDirectory), entry.FileName), cancellationToken);
        await WriteCheckAsync(output, check);
        return check.Status == ModelFileStatus.Ok ? Ok : Failure;
    }

    private static async Task<int> VerifyAllAsync(TranscriptionOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(options.ModelsDirectory);
        await output.WriteLineAsync($"Models folder: {directory}");
        var checks = new Dictionary<string, ModelFileCheck>(StringComparer.Ordinal);
        foreach (var entry in ModelCatalog.All)
        {
            var path = Path.Combine(directory, entry.FileName);
            if (!File.Exists(path)) continue;
            var check = await ModelVerifier.CheckAsync(entry, path, cancellationToken);
            checks[check.Path] = check;
            await WriteCheckAsync(output, check);
        }
        if (checks.Count == 0) await output.WriteLineAsync("No catalogue model files are in the models folder.");

        var allGood = true;
        foreach (var (setting, value, path) in new[] { ("Model", options.Model, options.ResolveModelPath()), ("VadModel", options.VadModel, options.ResolveVadModelPath()) })
        {
            var entry = ModelCatalog.FindByFileName(Path.GetFileName(path));
            ModelFileCheck check;
            if (checks.TryGetValue(path, out var done)) check = done;
            else if (entry is not null) check = await ModelVerifier.CheckAsync(entry, path, cancellationToken);
            else check = File.Exists(path)
                ? new ModelFileCheck(path, ModelFileStatus.Ok, "present; not a catalogue file, so its checksum is not checked")
                : new ModelFileCheck(path, ModelFileStatus.Missing, "not found");

            var status = StatusWord(check.Status);
            await output.WriteLineAsync(check.Status switch
            {
                ModelFileStatus.Ok => $"Configured {setting} '{value}' ({Path.GetFileName(path)}): {status}, {check.Detail}.",
                _ when entry is not null && Path.GetDirectoryName(path) == directory
                    => $"Configured {setting} '{value}' ({Path.GetFileName(path)}): {status}, {check.Detail}; run 'models download {entry.Name}'.",
                _ => $"Configured {setting} '{value}' ({path}): {status}, {check.Detail}; put the right file there or change the setting.",
            });
            allGood &= check.Status == ModelFileStatus.Ok;
        }
        return allGood ? Ok : Failure;
    }

    private static Task WriteCheckAsync(TextWriter output, ModelFileCheck check) =>
        output.WriteLineAsync($"{StatusWord(check.Status),-9} {Path.GetFileName(check.Path)}: {check.Detail}.");

    private static string StatusWord(ModelFileStatus status) => status switch
    {
        ModelFileStatus.Ok => "OK",
        ModelFileStatus.Mismatch => "MISMATCH",
        _ => "MISSING",
    };

    private static long? FreeSpace(string directory)
    {
        try
        {
            return new DriveInfo(directory).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null; // Unknown: let the download try and fail on the write if it must.
        }
    }

    private static HashSet<string> ConfiguredPaths(TranscriptionOptions options) =>
        new([options.ResolveModelPath(), options.ResolveVadModelPath()], StringComparer.Ordinal);

    private static ModelEntry? Lookup(string name) => ModelCatalog.Find(name);

    private static async Task<int> UnknownModelAsync(string name, TextWriter error)
    {
        var suggestions = ModelCatalog.Suggest(name);
        await error.WriteLineAsync(suggestions.Count > 0
            ? $"Unknown model '{name}'; did you mean {string.Join(", ", suggestions)}?"
            : $"Unknown model '{name}'; run 'models list' to see the names.");
        return UsageError;
    }
}
