using Microsoft.Extensions.Options;
using Storytelling.Core.Media;
using Storytelling.Core.Persistence;
using Storytelling.Worker.Transcription;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddStorytellingCore();
builder.Services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddTranscriptionWorker();

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
