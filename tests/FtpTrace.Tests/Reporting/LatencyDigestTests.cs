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

    [Fact]
    public void ExactPercentilesHoldAcrossStorageChunksInAnyOrder()
    {
        // More samples than one storage chunk, in random order, some asked for before more arrive.
        var random = new Random(7);
        var digest = new LatencyDigest();
        var all = new List<long>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 9_000; i++)
            {
                long v = random.NextInt64(0, 5_000_000_000);
                digest.Add(v);
                all.Add(v);
            }
            all.Sort();
            foreach (double p in new[] { 1, 50, 90, 99, 100 })
            {
                long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * all.Count));
                Assert.Equal(all[(int)rank - 1], digest.Percentile(p));
            }
        }
        var merged = new LatencyDigest();
        merged.Merge(digest);
        Assert.Equal(digest.Percentile(90), merged.Percentile(90));
        Assert.Equal(all.Count, merged.Count);
    }
}
