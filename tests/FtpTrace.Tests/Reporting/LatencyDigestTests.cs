using FtpTrace.Reporting.Statistics;

namespace FtpTrace.Tests.Reporting;

public sealed class LatencyDigestTests
{
    [Fact]
    public void PercentilesAreNearestRankWhileExact()
    {
        var d = new LatencyDigest();
        foreach (var v in new long[] { 50, 10, 40, 20, 30 }) d.Add(v);
        Assert.Equal(30, d.Percentile(50));
        Assert.Equal(50, d.Percentile(90));
        Assert.Equal(10, d.Percentile(1));
        Assert.Equal(50, d.Max);
    }

    [Fact]
    public void EmptyDigestHasNoPercentile() => Assert.Null(new LatencyDigest().Percentile(50));

    [Fact]
    public void LargeDigestStaysWithinOnePercent()
    {
        var d = new LatencyDigest();
        for (long i = 1; i <= 200_000; i++) d.Add(i * 1000);
        Assert.Equal(200_000, d.Count);
        long p50 = d.Percentile(50)!.Value;
        Assert.InRange(p50, 100_000_000 * 0.99, 100_000_000 * 1.01);
        Assert.Equal(200_000_000, d.Max);
    }

    [Fact]
    public void MergeCombinesSamples()
    {
        var a = new LatencyDigest();
        var b = new LatencyDigest();
        a.Add(1); a.Add(2);
        b.Add(3); b.Add(4);
        a.Merge(b);
        Assert.Equal(4, a.Count);
        Assert.Equal(2, a.Percentile(50));
        Assert.Equal(4, a.Max);
    }
}
