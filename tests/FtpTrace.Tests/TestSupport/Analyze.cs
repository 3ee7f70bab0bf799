using FtpTrace.Analysis;
using FtpTrace.Reporting.Csv;

namespace FtpTrace.Tests.TestSupport;

/// <summary>Runs the analyzer in process on repository files, as <c>ftptrace analyze --csv</c> does.</summary>
internal static class Analyze
{
    /// <summary>
    /// Analyses <paramref name="relativePaths"/> (relative to the repository root, which is also
    /// the label in the reports) and writes the CSV reports into a new temporary folder, returned.
    /// </summary>
    public static (string CsvDir, BatchResult Result) ToCsv(IReadOnlyList<string> relativePaths, AnalysisOptions? options = null,
        bool showPasswords = false, int parallelism = 1)
    {
        string dir = TestTemp.Directory("csv-");
        var files = relativePaths.Select(p => new InputFile(Path.Combine(Fixture.RepoRoot, p), p.Replace('\\', '/'))).ToList();
        BatchResult result;
        using (var csv = new CsvReportWriter(dir, new CsvOptions { ShowPasswords = showPasswords }))
        {
            result = BatchAnalyzer.Run(files, options ?? AnalysisOptions.Default, csv, parallelism,
                (f, reason) => throw new InvalidOperationException($"{f.Label}: {reason}"));
            csv.Complete(result.Statistics);
        }
        return (dir, result);
    }

    /// <summary>Reads a CSV report back as rows of named cells (CsvHelper, invariant culture).</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvHelper.CsvReader(reader, System.Globalization.CultureInfo.InvariantCulture);
        var rows = new List<Dictionary<string, string>>();
        csv.Read();
        csv.ReadHeader();
        var header = csv.HeaderRecord!;
        while (csv.Read())
            rows.Add(header.ToDictionary(h => h, h => csv.GetField(h) ?? "", StringComparer.Ordinal));
        return rows;
    }
}
