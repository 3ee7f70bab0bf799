using FtpTrace.Reporting.Csv;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Samples;

/// <summary>
/// Golden tests: for every capture in samples/, the CSV reports must equal, byte for byte, the
/// reviewed copies in tests/FtpTrace.Tests/Golden/&lt;sample&gt;/. After a deliberate change of
/// output, rewrite them with <c>FTPTRACE_UPDATE_GOLDEN=1 dotnet test --filter SampleGoldenTests</c>
/// and review the diff (the tshark cross-check in <see cref="TsharkCrossCheckTests"/> is the
/// independent oracle).
/// </summary>
public sealed class SampleGoldenTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var s in SampleFiles()) data.Add(s);
        return data;
    }

    /// <summary>Captures under samples/, relative to the repository root, in ordinal order.</summary>
    internal static IEnumerable<string> SampleFiles() =>
        Directory.EnumerateFiles(Fixture.SamplesDir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Fixture.RepoRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    [Fact]
    public void TheRepositoryShipsSamplesFromEveryServer()
    {
        var names = SampleFiles().Select(Path.GetFileName).ToList();
        Assert.Contains(names, n => n!.StartsWith("vsftpd", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("proftpd", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.StartsWith("pureftpd", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void CsvReportsMatchTheReviewedCopies(string sample)
    {
        var (dir, result) = Analyze.ToCsv([sample]);
        Assert.Equal(0, result.Failed);
        string golden = GoldenDir(sample);
        bool update = Environment.GetEnvironmentVariable("FTPTRACE_UPDATE_GOLDEN") == "1";
        if (update) Directory.CreateDirectory(golden);
        foreach (var name in CsvReportWriter.FileNames)
        {
            string actual = File.ReadAllText(Path.Combine(dir, name));
            string expectedPath = Path.Combine(golden, name);
            if (update)
            {
                File.WriteAllText(expectedPath, actual);
                continue;
            }
            Assert.True(File.Exists(expectedPath), $"{expectedPath} is missing: run with FTPTRACE_UPDATE_GOLDEN=1 and review it");
            Assert.Equal(File.ReadAllText(expectedPath), actual);
        }
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void AllSamplesTogetherInParallelGiveTheSameRowsAsOneByOne()
    {
        var samples = SampleFiles().ToList();
        var (serial, _) = Analyze.ToCsv(samples, parallelism: 1);
        var (parallel, _) = Analyze.ToCsv(samples, parallelism: 4);
        foreach (var name in CsvReportWriter.FileNames)
            Assert.Equal(File.ReadAllText(Path.Combine(serial, name)), File.ReadAllText(Path.Combine(parallel, name)));
        Assert.Empty(Directory.EnumerateFiles(parallel, ".ftptrace-part-*"));
    }

    internal static string GoldenDir(string sample) =>
        Path.Combine(Fixture.RepoRoot, "tests", "FtpTrace.Tests", "Golden", Path.GetFileNameWithoutExtension(sample));
}
