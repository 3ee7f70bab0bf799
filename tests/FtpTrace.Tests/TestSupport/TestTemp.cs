namespace FtpTrace.Tests.TestSupport;

/// <summary>
/// Temporary folders for tests that leave their output for the test to read (CSV reports, log files):
/// all under one folder per test run, deleted when the test process exits, so runs leave nothing behind.
/// </summary>
internal static class TestTemp
{
    private static readonly Lazy<string> Root = new(() =>
    {
        string root = System.IO.Directory.CreateTempSubdirectory("ftptrace-tests-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(root, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    /// <summary>A new empty folder whose name starts with <paramref name="prefix"/>.</summary>
    public static string Directory(string prefix)
    {
        string path = Path.Combine(Root.Value, prefix + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }
}
