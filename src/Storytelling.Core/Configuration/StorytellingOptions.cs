using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Storytelling.Core.Configuration;

/// <summary>Section "Storytelling:Database". Sqlite is the embedded default, Postgres the production database.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Storytelling:Database";
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    public string Provider { get; set; } = Sqlite;
    public string ConnectionString { get; set; } = "Data Source=storytelling.db";

    public bool IsSqlite => string.Equals(Provider, Sqlite, StringComparison.OrdinalIgnoreCase);
    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Section "Storytelling:Storage". Disk is the default, AzureBlob the production media store.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storytelling:Storage";
    public const string Disk = "Disk";
    public const string AzureBlob = "AzureBlob";

    public string Provider { get; set; } = Disk;
    public DiskStorageOptions DiskStore { get; set; } = new();
    public AzureBlobStorageOptions AzureBlobStore { get; set; } = new();

    public bool IsDisk => string.Equals(Provider, Disk, StringComparison.OrdinalIgnoreCase);
    public bool IsAzureBlob => string.Equals(Provider, AzureBlob, StringComparison.OrdinalIgnoreCase);
}

public sealed class DiskStorageOptions
{
    /// <summary>Folder that holds the media; created when missing.</summary>
    public string RootPath { get; set; } = "media";
}

public sealed class AzureBlobStorageOptions
{
    public string ConnectionString { get; set; } = "";
    public string ContainerName { get; set; } = "recordings";
}

/// <summary>
/// Each failure is one sentence naming the setting, what is wrong and what would be right, because the person
/// reading it is an administrator at a terminal, not a developer with a debugger.
/// </summary>
internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions o)
    {
        if (!o.IsSqlite && !o.IsPostgres)
        {
            return ValidateOptionsResult.Fail(
                $"Setting {DatabaseOptions.Section}:Provider is '{o.Provider}', but only '{DatabaseOptions.Sqlite}' and '{DatabaseOptions.Postgres}' are supported.");
        }
        if (string.IsNullOrWhiteSpace(o.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"Setting {DatabaseOptions.Section}:ConnectionString is empty; give a {o.Provider} connection string.");
        }
        try
        {
            if (o.IsSqlite)
            {
                var b = new SqliteConnectionStringBuilder(o.ConnectionString);
                if (string.IsNullOrWhiteSpace(b.DataSource))
                {
                    return ValidateOptionsResult.Fail($"Setting {DatabaseOptions.Section}:ConnectionString has no 'Data Source'; give a file path such as 'Data Source=storytelling.db'.");
                }
            }
            else
            {
                var b = new NpgsqlConnectionStringBuilder(o.ConnectionString);
                if (string.IsNullOrWhiteSpace(b.Host))
                {
                    return ValidateOptionsResult.Fail($"Setting {DatabaseOptions.Section}:ConnectionString has no 'Host'; give one such as 'Host=127.0.0.1;Database=storytelling;Username=storytelling;Password=…'.");
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The parser's own message may echo the password; name only the kind of problem.
            return ValidateOptionsResult.Fail($"Setting {DatabaseOptions.Section}:ConnectionString is not a valid {o.Provider} connection string (it could not be parsed).");
        }
        return ValidateOptionsResult.Success;
    }
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        if (o.IsDisk)
        {
            return string.IsNullOrWhiteSpace(o.DiskStore.RootPath)
                ? ValidateOptionsResult.Fail($"Setting {StorageOptions.Section}:DiskStore:RootPath is empty; give the folder where recordings are kept.")
                : ValidateOptionsResult.Success;
        }
        if (o.IsAzureBlob)
        {
            if (string.IsNullOrWhiteSpace(o.AzureBlobStore.ConnectionString))
            {
                return ValidateOptionsResult.Fail($"Setting {StorageOptions.Section}:AzureBlobStore:ConnectionString is empty; give the storage account's connection string.");
            }
            if (!IsValidContainerName(o.AzureBlobStore.ContainerName))
            {
                return ValidateOptionsResult.Fail($"Setting {StorageOptions.Section}:AzureBlobStore:ContainerName '{o.AzureBlobStore.ContainerName}' is not a valid container name (3-63 lower-case letters, digits and single hyphens).");
            }
            try
            {
                _ = new Azure.Storage.Blobs.BlobServiceClient(o.AzureBlobStore.ConnectionString);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
            {
                return ValidateOptionsResult.Fail($"Setting {StorageOptions.Section}:AzureBlobStore:ConnectionString is not a valid Azure Storage connection string (it could not be parsed).");
            }
            return ValidateOptionsResult.Success;
        }
        return ValidateOptionsResult.Fail(
            $"Setting {StorageOptions.Section}:Provider is '{o.Provider}', but only '{StorageOptions.Disk}' and '{StorageOptions.AzureBlob}' are supported.");
    }

    private static bool IsValidContainerName(string? n) =>
        n is { Length: >= 3 and <= 63 }
        && n.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && n[0] != '-' && n[^1] != '-' && !n.Contains("--", StringComparison.Ordinal);
}
