using System.Text.RegularExpressions;
using FtpTrace.Annotation;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Annotation;

public sealed partial class ReplyCodeCatalogTests
{
    private const string SeedName = "ftp-reply-codes.md";

    /// <summary>The committed copy of the user's reference table.</summary>
    private static string CommittedSeed => Fixture.Path(SeedName);

    /// <summary>The user's reference table itself, beside the clone (present in CI).</summary>
    private static string SharedSeed =>
        Path.GetFullPath(Path.Combine(Fixture.RepoRoot, "..", "shared", "seeds", SeedName));

    private sealed record SeedRow(int Code, bool IsSeries, string Meaning);

    // A data row of the markdown table: "<code>[ Series] | <meaning>"; cells trimmed as markdown does.
    [GeneratedRegex(@"^\s*(?<code>\d+)(?<series> Series)?\s*\|(?<meaning>.*)$")]
    private static partial Regex RowPattern();

    private static List<SeedRow> ParseSeed(string path)
    {
        var rows = new List<SeedRow>();
        foreach (var line in File.ReadAllLines(path))
        {
            var m = RowPattern().Match(line);
            if (!m.Success) continue;
            rows.Add(new SeedRow(int.Parse(m.Groups["code"].Value), m.Groups["series"].Success, m.Groups["meaning"].Value.Trim()));
        }
        return rows;
    }

    private static void AssertCatalogMatches(List<SeedRow> rows)
    {
        var codes = rows.Where(r => !r.IsSeries).ToList();
        var series = rows.Where(r => r.IsSeries).ToList();

        foreach (var row in codes)
        {
            var info = ReplyCodeCatalog.Lookup(row.Code);
            Assert.Equal(row.Code, info.Code);
            Assert.Equal(row.Meaning, info.Meaning);
            Assert.Equal(ReplyCodeSource.Table, info.Source);
        }
        Assert.Equal(codes.Select(r => (r.Code, r.Meaning)), ReplyCodeCatalog.TableCodes.Select(i => (i.Code, i.Meaning)));
        Assert.All(ReplyCodeCatalog.TableCodes, i => Assert.Equal(ReplyCodeSource.Table, i.Source));

        Assert.Equal(series.Select(r => (r.Code, r.Meaning)), ReplyCodeCatalog.Series.Select(i => (i.Code, i.Meaning)));
        foreach (var row in series)
        {
            // The series line is the meaning of its whole series and of its base code.
            Assert.Equal(row.Meaning, ReplyCodeCatalog.SeriesMeaning(row.Code + 1));
            Assert.Equal(row.Meaning, ReplyCodeCatalog.SeriesMeaning(row.Code + 99));
            Assert.Equal(new ReplyCodeInfo(row.Code, row.Meaning, ReplyCodeSource.Series), ReplyCodeCatalog.Lookup(row.Code));
        }
    }

    [Fact]
    public void SeedParserReadsEveryRowOfTheTable()
    {
        var rows = ParseSeed(CommittedSeed);
        Assert.Equal(7, rows.Count(r => r.IsSeries));
        Assert.Equal(57, rows.Count(r => !r.IsSeries));
        Assert.Contains(new SeedRow(110, false,
            "Restart marker replay . In this case, the text is exact and not left to the particular implementation; it must read: MARK yyyy = mmmm where yyyy is User-process data stream marker, and mmmm server's equivalent marker (note the spaces between markers and \"=\")."), rows);
        Assert.Contains(new SeedRow(350, false, "Requested file action pending further information"), rows);
        Assert.Contains(new SeedRow(10000, true, "Common Winsock Error Codes[2] (These are not FTP return codes)"), rows);
    }

    [Fact]
    public void EveryCodeOfTheCommittedSeedHasExactlyItsMeaning() => AssertCatalogMatches(ParseSeed(CommittedSeed));

    [Fact]
    public void SharedSeedEqualsTheCommittedCopyAndMatchesTheCatalog()
    {
        if (!File.Exists(SharedSeed))
        {
            const string reason = "needs ../shared/seeds/ftp-reply-codes.md beside the repository";
            if (Requires.AllRequired) Assert.Fail($"FTPTRACE_REQUIRE_ALL=1 but this test {reason}");
            Assert.Skip($"This test {reason}.");
        }
        Assert.Equal(File.ReadAllBytes(SharedSeed), File.ReadAllBytes(CommittedSeed));
        AssertCatalogMatches(ParseSeed(SharedSeed));
    }

    [Theory]
    [InlineData(299, "2xx (positive completion): The requested action has been successfully completed. (x9z: no functional group defined by RFC 959)")]
    [InlineData(431, "4xx (transient negative completion): The command was not accepted and the requested action did not take place, but the error condition is temporary and the action may be requested again. (x3z: authentication and accounting)")]
    [InlineData(558, "5xx (permanent negative completion): Syntax error, command unrecognized and the requested action did not take place. This may include errors such as command line too long. (x5z: file system)")]
    [InlineData(522, "5xx (permanent negative completion): Syntax error, command unrecognized and the requested action did not take place. This may include errors such as command line too long. (x2z: connections)")]
    [InlineData(639, "6xx (protected reply, RFC 2228): Replies regarding confidentiality and integrity (x3z: authentication and accounting)")]
    [InlineData(101, "1xx (positive preliminary): The requested action is being initiated, expect another reply before proceeding with a new command. (x0z: syntax, or a command that fits no functional group)")]
    [InlineData(311, "3xx (positive intermediate): The command has been accepted, but the requested action is on hold, pending receipt of further information. (x1z: information)")]
    [InlineData(441, "4xx (transient negative completion): The command was not accepted and the requested action did not take place, but the error condition is temporary and the action may be requested again. (x4z: unspecified)")]
    [InlineData(750, "7xx: not an FTP reply class (RFC 959 defines first digits 1 to 5, RFC 2228 adds 6)")]
    [InlineData(999, "9xx: not an FTP reply class (RFC 959 defines first digits 1 to 5, RFC 2228 adds 6)")]
    public void CodeMissingFromTheTableGetsAMeaningFromItsDigits(int code, string meaning)
    {
        var info = ReplyCodeCatalog.Lookup(code);
        Assert.Equal(code, info.Code);
        Assert.Equal(meaning, info.Meaning);
        Assert.Equal(ReplyCodeSource.Derived, info.Source);
    }

    [Theory]
    [InlineData(200, "The requested action has been successfully completed.")]
    [InlineData(500, "Syntax error, command unrecognized and the requested action did not take place. This may include errors such as command line too long.")]
    [InlineData(600, "Replies regarding confidentiality and integrity")]
    public void SeriesBaseCodeHasTheSeriesLine(int code, string meaning) =>
        Assert.Equal(new ReplyCodeInfo(code, meaning, ReplyCodeSource.Series), ReplyCodeCatalog.Lookup(code));

    [Theory]
    [InlineData(10054, "Connection reset by peer. The connection was forcibly closed by the remote host.", ReplyCodeSource.Table)]
    [InlineData(10068, "Too many users, server is full.", ReplyCodeSource.Table)]
    [InlineData(10053, "Winsock error 10053 (not an FTP reply code)", ReplyCodeSource.Derived)]
    [InlineData(10999, "Winsock error 10999 (not an FTP reply code)", ReplyCodeSource.Derived)]
    [InlineData(10000, "Common Winsock Error Codes[2] (These are not FTP return codes)", ReplyCodeSource.Series)]
    public void WinsockCodesAreAnnotatedAsWinsockErrors(int code, string meaning, ReplyCodeSource source) =>
        Assert.Equal(new ReplyCodeInfo(code, meaning, source), ReplyCodeCatalog.Lookup(code));

    [Theory]
    [InlineData(10001)]
    [InlineData(10999)]
    public void WinsockSeriesMeaningSaysTheyAreNotFtpCodes(int code) =>
        Assert.Equal("Common Winsock Error Codes[2] (These are not FTP return codes)", ReplyCodeCatalog.SeriesMeaning(code));

    [Theory]
    [InlineData(0)]
    [InlineData(42)]
    [InlineData(1000)]
    [InlineData(11000)]
    public void NumberThatIsNeitherFtpNorWinsockSaysSo(int code)
    {
        var info = ReplyCodeCatalog.Lookup(code);
        Assert.Equal($"{code}: not an FTP reply code (FTP reply codes have three digits)", info.Meaning);
        Assert.Equal(ReplyCodeSource.Derived, info.Source);
        Assert.Null(ReplyCodeCatalog.SeriesMeaning(code));
    }

    [Theory]
    [InlineData(700)]
    [InlineData(99)]
    public void SeriesMeaningIsNullOutsideTheSeries(int code) => Assert.Null(ReplyCodeCatalog.SeriesMeaning(code));

    [Theory]
    [InlineData(226)]
    [InlineData(299)]
    [InlineData(10054)]
    public void KnownCodesAreLookedUpWithoutBuildingANewInfo(int code) =>
        Assert.Same(ReplyCodeCatalog.Lookup(code), ReplyCodeCatalog.Lookup(code));

    [Fact]
    public void EveryThreeDigitCodeHasAMeaningThatNamesItsSeries()
    {
        for (int code = 100; code <= 999; code++)
        {
            var info = ReplyCodeCatalog.Lookup(code);
            Assert.Equal(code, info.Code);
            Assert.False(string.IsNullOrWhiteSpace(info.Meaning));
            if (info.Source == ReplyCodeSource.Derived)
                Assert.StartsWith($"{code / 100}xx", info.Meaning, StringComparison.Ordinal);
        }
    }
}
