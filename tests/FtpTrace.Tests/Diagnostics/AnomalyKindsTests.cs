using FtpTrace.Diagnostics;

namespace FtpTrace.Tests.Diagnostics;

public sealed class AnomalyKindsTests
{
    [Theory]
    [InlineData(AnomalyKind.StreamGap, "stream_gap")]
    [InlineData(AnomalyKind.TruncatedFile, "truncated_file")]
    [InlineData(AnomalyKind.InvalidUtf8, "invalid_utf8")]
    public void NameIsSnakeCase(AnomalyKind kind, string expected) => Assert.Equal(expected, AnomalyKinds.Name(kind));

    [Fact]
    public void EveryKindHasADistinctName()
    {
        var names = Enum.GetValues<AnomalyKind>().Select(AnomalyKinds.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(_[a-z0-9]+)*$", n));
    }

    [Fact]
    public void CollectorCountsEveryAnomalyButKeepsOnlyTheLimit()
    {
        var c = new AnomalyCollector(maxKept: 2);
        for (int i = 0; i < 5; i++) c.Report(new Anomaly(AnomalyKind.StreamGap, i, 0, 0, "x"));
        Assert.Equal(5, c.Total);
        Assert.Equal(5, c.Count(AnomalyKind.StreamGap));
        Assert.Equal(2, c.Items.Count);
        Assert.Equal(3, c.Dropped);
    }
}
