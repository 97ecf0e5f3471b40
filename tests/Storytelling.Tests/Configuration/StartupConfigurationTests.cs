using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Configuration;

/// <summary>A wrong setting stops the real executable with one sentence naming the setting, and no stack trace.</summary>
public sealed class StartupConfigurationTests : IDisposable
{
    private readonly string _folder = Repo.NewTempFolder("config");

    public static TheoryData<string, string, string, string> BadSettings() => new()
    {
        { "Storytelling__Database__Provider", "Oracle", "Storytelling:Database:Provider is 'Oracle'", "only 'Sqlite' and 'Postgres'" },
        { "Storytelling__Database__Provider", "", "Storytelling:Database:Provider is ''", "supported" },
        { "Storytelling__Database__ConnectionString", "", "Storytelling:Database:ConnectionString is empty", "Sqlite connection string" },
        { "Storytelling__Database__ConnectionString", "Data Source=x.db;Bogus Key=1", "not a valid Sqlite connection string", "could not be parsed" },
        { "Storytelling__Storage__Provider", "Dropbox", "Storytelling:Storage:Provider is 'Dropbox'", "'Disk' and 'AzureBlob'" },
        { "Storytelling__Storage__DiskStore__RootPath", " ", "DiskStore:RootPath is empty", "folder" },
        { "Storytelling__SilencedAudio__MarginMs", "5000", "Setting Storytelling:SilencedAudio:MarginMs must be between 0 and 2000", "silenced name" },
        { "Storytelling__Telemetry__OtlpEndpoint", "collector:4318", "Storytelling:Telemetry:OtlpEndpoint 'collector:4318' is not an http:// or https:// address", "http://127.0.0.1:4318" },
        { "Storytelling__Telemetry__PrometheusPort", "70000", "Storytelling:Telemetry:PrometheusPort is 70000", "not the public port" },
        { "Storytelling__Telemetry__PrometheusAddress", "metrics.local", "Storytelling:Telemetry:PrometheusAddress 'metrics.local' is not an IP address", "127.0.0.1" },
        { "Storytelling__Telemetry__TraceSampleRatio", "1.5", "Storytelling:Telemetry:TraceSampleRatio is 1.5", "between 0 and 1" },
        { "Storytelling__Telemetry__OtlpProtocol", "thrift", "Storytelling:Telemetry:OtlpProtocol is 'thrift'", "'grpc'" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task The_web_app_refuses_to_start_with_a_clear_sentence(string key, string value, string expected, string alsoExpected)
    {
        await using var app = AppProcess.Start("Storytelling.Web", Settings((key, value)));
        var exit = await app.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exit);
        var error = app.Stderr.Trim();
        Assert.StartsWith("Storytelling cannot start: ", error);
        Assert.Contains(expected, error);
        Assert.Contains(alsoExpected, error);
        Assert.DoesNotContain("\n", error);
        Assert.DoesNotContain("   at ", app.Stdout + app.Stderr);
    }

    [Fact]
    public async Task A_postgres_connection_string_that_does_not_parse_is_named_without_echoing_the_password()
    {
        await using var app = AppProcess.Start("Storytelling.Web", Settings(
            ("Storytelling__Database__Provider", "Postgres"),
            ("Storytelling__Database__ConnectionString", "Host=127.0.0.1;Password=hunter2;Frobnicate=yes")));
        Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("not a valid Postgres connection string", app.Stderr);
        Assert.DoesNotContain("hunter2", app.Stdout + app.Stderr);
    }

    [Fact]
    public async Task Azure_storage_without_a_connection_string_or_with_a_bad_container_name_is_refused()
    {
        await using (var app = AppProcess.Start("Storytelling.Web", Settings(("Storytelling__Storage__Provider", "AzureBlob"))))
        {
            Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("AzureBlobStore:ConnectionString is empty", app.Stderr);
        }
        await using (var app = AppProcess.Start("Storytelling.Web", Settings(
            ("Storytelling__Storage__Provider", "AzureBlob"),
            ("Storytelling__Storage__AzureBlobStore__ConnectionString", "UseDevelopmentStorage=true"),
            ("Storytelling__Storage__AzureBlobStore__ContainerName", "Bad_Name"))))
        {
            Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("ContainerName 'Bad_Name' is not a valid container name", app.Stderr);
        }
    }

    [Fact]
    public async Task The_worker_refuses_a_bad_provider_the_same_way()
    {
        await using var worker = AppProcess.Start("Storytelling.Worker", Settings(("Storytelling__Database__Provider", "Oracle")));
        Assert.Equal(2, await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith("Storytelling worker cannot start: Setting Storytelling:Database:Provider is 'Oracle'", worker.Stderr.Trim());
        Assert.DoesNotContain("   at ", worker.Stdout + worker.Stderr);
    }

    [Fact]
    public async Task An_unknown_command_is_named_with_the_list_of_commands()
    {
        await using var app = AppProcess.Start("Storytelling.Web", Settings(), "frobnicate");
        Assert.Equal(64, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Unknown command 'frobnicate'", app.Stderr);
        Assert.Contains("create-admin", app.Stderr);
    }

    private Dictionary<string, string> Settings(params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Storytelling__Database__Provider"] = "Sqlite",
            ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(_folder, "st.db")}",
            ["Storytelling__Storage__Provider"] = "Disk",
            ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(_folder, "media"),
            ["Urls"] = $"http://127.0.0.1:{Repo.FreeLoopbackPort()}",
        };
        foreach (var (k, v) in overrides) settings[k] = v;
        return settings;
    }

    public void Dispose() => Repo.DeleteFolder(_folder);
}
