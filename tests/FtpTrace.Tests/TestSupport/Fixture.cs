namespace FtpTrace.Tests.TestSupport;

/// <summary>Paths of files the tests use, resolved from the test output folder or the repository.</summary>
internal static class Fixture
{
    /// <summary>The repository root (the folder holding FtpTrace.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>A file under tests/FtpTrace.Tests/Fixtures.</summary>
    public static string Path(string relative) =>
        System.IO.Path.Combine(RepoRoot, "tests", "FtpTrace.Tests", "Fixtures", relative);

    /// <summary>The samples folder of the repository.</summary>
    public static string SamplesDir => System.IO.Path.Combine(RepoRoot, "samples");

    /// <summary>Every capture file committed in the repository (samples and test fixtures).</summary>
    public static IEnumerable<string> AllCaptures()
    {
        foreach (var root in new[] { SamplesDir, System.IO.Path.Combine(RepoRoot, "tests", "FtpTrace.Tests", "Fixtures") })
        {
            if (!Directory.Exists(root)) continue;
            foreach (var f in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (f.EndsWith(".pcap", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pcapng", StringComparison.OrdinalIgnoreCase))
                    yield return f;
            }
        }
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FtpTrace.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("FtpTrace.sln not found above " + AppContext.BaseDirectory);
    }
}
