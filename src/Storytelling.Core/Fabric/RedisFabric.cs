using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Storytelling.Core.Fabric;

/// <summary>
/// Section "Storytelling:Redis". Empty: one machine, nothing shared beyond the database and the media store.
/// Set: every web node and worker of the installation share live workshops, rate limits and progress through it.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Storytelling:Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. "127.0.0.1:6379,password=…".</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Prefix of every key and channel, so several installations can share one Redis.</summary>
    public string Prefix { get; set; } = "storytelling";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString);
}

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions o)
    {
        if (!o.IsConfigured) return ValidateOptionsResult.Success;
        try
        {
            ConfigurationOptions.Parse(o.ConnectionString);
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Fail(
                $"Setting {RedisOptions.Section}:ConnectionString is not a Redis connection string; write it as host:port[,password=…].");
        }
        if (string.IsNullOrWhiteSpace(o.Prefix) || o.Prefix.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return ValidateOptionsResult.Fail(
                $"Setting {RedisOptions.Section}:Prefix must be a word without spaces, e.g. 'storytelling'.");
        }
        return ValidateOptionsResult.Success;
    }
}

public static class RedisFabric
{
    /// <summary>
    /// Registers the Redis options and, when a connection string is set, one shared <see cref="IConnectionMultiplexer"/>.
    /// It does not fail the start when Redis is down for a moment (AbortOnConnectFail off): the multiplexer
    /// reconnects by itself, and the parts that use it decide what a missing Redis means for them.
    /// </summary>
    public static IServiceCollection AddRedisFabric(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        if (!IsConfigured(configuration)) return services;
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConnectOptions(sp.GetRequiredService<IOptions<RedisOptions>>().Value);
            return ConnectionMultiplexer.Connect(options);
        });
        return services;
    }

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[$"{RedisOptions.Section}:ConnectionString"]);

    public static ConfigurationOptions ConnectOptions(RedisOptions options)
    {
        var parsed = ConfigurationOptions.Parse(options.ConnectionString);
        parsed.AbortOnConnectFail = false;
        parsed.ClientName ??= "storytelling";
        return parsed;
    }

    /// <summary>A channel name under the installation's prefix.</summary>
    public static RedisChannel Channel(this RedisOptions options, string name) => RedisChannel.Literal($"{options.Prefix}:{name}");

    /// <summary>A key under the installation's prefix.</summary>
    public static RedisKey Key(this RedisOptions options, string name) => new($"{options.Prefix}:{name}");
}
