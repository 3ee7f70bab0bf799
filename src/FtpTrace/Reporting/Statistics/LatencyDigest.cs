namespace FtpTrace.Reporting.Statistics;

/// <summary>
/// Latency samples for percentiles. Exact (nearest-rank over every sample) up to
/// <see cref="ExactLimit"/> samples; past that it folds into logarithmic buckets with about 1%
/// relative error, so memory stays bounded on captures of any length. The maximum is always exact.
/// </summary>
public sealed class LatencyDigest
{
    public const int ExactLimit = 65_536;
    private const double BucketGrowth = 1.01;
    private static readonly double LogGrowth = Math.Log(BucketGrowth);

    /// <summary>
    /// Exact samples are kept in chunks of this many (64 KB, under the large-object threshold): growing
    /// never copies and never allocates on the large-object heap, whose allocations trigger full GCs.
    /// </summary>
    private const int ChunkSize = 8192;

    private List<long[]>? _exact = [];
    private int _exactCount;
    private Dictionary<int, long>? _buckets;
    private bool _sorted = true;

    public long Count { get; private set; }
    public long Max { get; private set; } = long.MinValue;

    public void Add(long ns)
    {
        if (ns < 0) ns = 0;
        Count++;
        if (ns > Max) Max = ns;
        if (_exact is not null)
        {
            if (_exactCount > 0 && ns < Exact(_exactCount - 1)) _sorted = false;
            if (_exactCount % ChunkSize == 0) _exact.Add(new long[ChunkSize]);
            _exact[^1][_exactCount % ChunkSize] = ns;
            _exactCount++;
            if (_exactCount > ExactLimit) FoldIntoBuckets();
            return;
        }
        AddToBucket(ns, 1);
    }

    private long Exact(int index) => _exact![index / ChunkSize][index % ChunkSize];

    /// <summary>The exact samples, in the order kept.</summary>
    private IEnumerable<long> ExactSamples()
    {
        for (int i = 0; i < _exactCount; i++) yield return Exact(i);
    }

    public void Merge(LatencyDigest other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Count == 0) return;
        if (other._exact is not null)
        {
            foreach (var v in other.ExactSamples()) Add(v);
            return;
        }
        if (_exact is not null) FoldIntoBuckets();
        foreach (var (bucket, n) in other._buckets!)
        {
            _buckets!.TryGetValue(bucket, out long have);
            _buckets[bucket] = have + n;
        }
        Count += other.Count;
        if (other.Max > Max) Max = other.Max;
    }

    /// <summary>The p-th percentile (0 &lt; p &lt;= 100) by nearest rank; null when empty.</summary>
    public long? Percentile(double p)
    {
        if (Count == 0) return null;
        long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * Count));
        if (_exact is not null)
        {
            if (!_sorted) SortExact();
            return Exact((int)Math.Min(rank, _exactCount) - 1);
        }
        long seen = 0;
        foreach (var (bucket, n) in _buckets!.OrderBy(kv => kv.Key))
        {
            seen += n;
            if (seen >= rank) return Math.Min(Max, BucketValue(bucket));
        }
        return Max;
    }

    /// <summary>Puts the exact samples in order (once, when a percentile is asked for; more may be added after).</summary>
    private void SortExact()
    {
        long[] all = [.. ExactSamples()];
        Array.Sort(all);
        for (int i = 0; i < all.Length; i++) _exact![i / ChunkSize][i % ChunkSize] = all[i];
        _sorted = true;
    }

    private void FoldIntoBuckets()
    {
        _buckets = [];
        foreach (var v in ExactSamples()) AddToBucket(v, 1);
        _exact = null;
        _exactCount = 0;
    }

    private void AddToBucket(long ns, long n)
    {
        int bucket = ns <= 0 ? -1 : (int)Math.Floor(Math.Log(ns) / LogGrowth);
        _buckets!.TryGetValue(bucket, out long have);
        _buckets[bucket] = have + n;
    }

    private static long BucketValue(int bucket) => bucket < 0 ? 0 : (long)Math.Round(Math.Pow(BucketGrowth, bucket + 0.5));
}
