using System.Text.RegularExpressions;

namespace Storytelling.Core.Storage;

/// <summary>
/// Blob names are random and fixed in shape ("ab/ab12…32 hex"), so they are safe as file paths and
/// carry no personal data. Names read back from the database are checked against the same shape.
/// </summary>
public static partial class BlobNames
{
    public static string New()
    {
        var id = Guid.NewGuid().ToString("N");
        return $"{id[..2]}/{id}";
    }

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    public static void EnsureValid(string name)
    {
        if (!IsValid(name)) throw new ArgumentException("Not a blob name this store generated.", nameof(name));
    }

    [GeneratedRegex("^[0-9a-f]{2}/[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
