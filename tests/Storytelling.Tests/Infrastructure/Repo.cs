using System.Net;
using System.Net.Sockets;

namespace Storytelling.Tests.Infrastructure;

internal static class Repo
{
    /// <summary>The repository root: the folder holding Storytelling.sln, found from the test binaries upwards.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Storytelling.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find Storytelling.sln above " + AppContext.BaseDirectory);
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string NewTempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void DeleteFolder(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // A process we started may still be letting go of a file; the OS temp cleaner gets it later.
        }
    }
}
