using Storytelling.Benchmarks;

// Whole-system benchmarks, run on demand (never by the test suite). Each writes its section of RESULTS.md.
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- uploads        100 concurrent 5 MB uploads vs a bare Kestrel endpoint
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- large-upload   one 1 GB upload, server memory
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- transcription [N]   worker vs whisper-cli on 60 s of Dutch, N repetitions; `memory-only`: the 2-hour memory figure alone
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- transcript-page [N]  a 2-hour transcript in Chromium: open → ready, click → answer
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- workshop [N…]  40+ SignalR participants tagging at once: p95 fan-out latency, then more until p95 > 500 ms
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- workshop-nodes [N…]  the same on PostgreSQL: one node vs one node with Redis vs two nodes with Redis, medians of 3
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- qdpx [N]     REFI-QDA export of 1,000 stories with 20,000 codings: time and server memory
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- qdpx-import [N]  REFI-QDA import of that project into an empty one: time and server memory
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- exports [N]      codings.csv of 500 stories (20,000 rows) and a 2-hour WebVTT: time and server memory
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- report [N]    theme report → .docx for 31 and 1,000 stories, median of N
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- languages [N]  demo first start (migrate + load-demo) and pages in Dutch vs English
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- media [N]      probe and decode: own process code (main before issue 14) vs FFMpegCore, median of N
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- telemetry [N]  chunk transfer with telemetry off vs on (Prometheus + OTLP traces and metrics)
//   dotnet run -c Release --project tests/Storytelling.Benchmarks -- all
if (args is ["bare-server", var port, var folder]) return await BareServer.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), folder);

var which = args.FirstOrDefault() ?? "all";
if (which is "uploads" or "all") await UploadBenchmarks.ConcurrentUploadsAsync(args.Skip(1).ToArray());
if (which is "large-upload" or "all") await UploadBenchmarks.LargeUploadAsync();
if (which is "workshop" or "all") await WorkshopBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "workshop-nodes" or "all") await WorkshopNodesBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "transcription" or "all") await TranscriptionBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "transcript-page" or "all") await TranscriptPageBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "qdpx" or "all") await QdpxBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "qdpx-import" or "all") await QdpxBenchmark.RunImportAsync(args.Skip(1).ToArray());
if (which is "exports" or "all") await ExportsBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "report" or "all") await ReportBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "languages" or "all") await LanguagesBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "telemetry" or "all") await TelemetryBenchmark.RunAsync(args.Skip(1).ToArray());
if (which is "media" or "all") await MediaToolsBenchmark.RunAsync(args.Skip(1).ToArray());
return 0;
