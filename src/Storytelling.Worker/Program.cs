using Microsoft.Extensions.Options;
using Storytelling.Core.Media;
using Storytelling.Core.Fabric;
using Storytelling.Core.Persistence;
using Storytelling.Core.Telemetry;
using Storytelling.Worker.Transcription;

// `models list | download NAME | verify [NAME]` manages the ggml files; same configuration sources as the host.
if (args is ["models", .. var modelArgs])
    return await Storytelling.Worker.Models.ModelsCommand.RunAsync(modelArgs, Host.CreateApplicationBuilder().Configuration);

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddStorytellingCore();
builder.Services.AddRedisFabric(builder.Configuration);
builder.Services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddTranscriptionWorker();
builder.Services.AddStorytellingTelemetry(builder.Configuration, "storytelling-worker");

using var host = builder.Build();
try
{
    host.Services.GetRequiredService<IStartupValidator>().Validate();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync("Storytelling worker cannot start: " + string.Join(" ", e.Failures));
    return 2;
}
await host.RunAsync();
return 0;
