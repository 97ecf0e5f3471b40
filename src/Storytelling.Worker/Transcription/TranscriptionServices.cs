using Storytelling.Core.Transcription;

namespace Storytelling.Worker.Transcription;

internal static class TranscriptionServices
{
    public static IServiceCollection AddTranscriptionWorker(this IServiceCollection services)
    {
        services.AddSingleton<ISpeechEngine, WhisperSpeechEngine>();
        services.AddSingleton<AudioDecoder>();
        services.AddSingleton<TranscriptionRunner>();
        services.AddScoped<JobQueue>();
        services.AddJobChanges();
        services.AddHostedService<TranscriptionWorker>();
        return services;
    }
}
