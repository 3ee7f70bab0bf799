namespace FtpTrace.Diagnostics;

/// <summary>
/// One irregularity found in the input.
/// </summary>
/// <param name="Kind">What went wrong.</param>
/// <param name="Frame">1-based frame number in its capture file (or line number in a log); 0 when not tied to one.</param>
/// <param name="TimeNs">Capture time in nanoseconds since the Unix epoch; 0 when unknown.</param>
/// <param name="ConnectionId">The TCP connection (<c>TcpConnection.Id</c>) it belongs to; 0 when none.</param>
/// <param name="Detail">A short, human-readable description. Untrusted bytes in it are already escaped.</param>
public readonly record struct Anomaly(AnomalyKind Kind, long Frame, long TimeNs, long ConnectionId, string Detail);

/// <summary>Receives anomalies from any stage. Implementations count and/or record them.</summary>
public interface IAnomalySink
{
    void Report(in Anomaly anomaly);
}

/// <summary>Counts anomalies by kind and keeps every one for the reports.</summary>
public sealed class AnomalyCollector : IAnomalySink
{
    private readonly long[] _counts = new long[Enum.GetValues<AnomalyKind>().Length];
    private readonly List<Anomaly> _items = [];
    private readonly int _maxKept;

    /// <param name="maxKept">How many anomalies are kept in full (all are counted); protects memory on hostile input.</param>
    public AnomalyCollector(int maxKept = 1_000_000) => _maxKept = maxKept;

    public long Total { get; private set; }

    /// <summary>Anomalies counted but not kept because <c>maxKept</c> was reached.</summary>
    public long Dropped { get; private set; }

    public IReadOnlyList<Anomaly> Items => _items;

    public long Count(AnomalyKind kind) => _counts[(int)kind];

    public void Report(in Anomaly anomaly)
    {
        _counts[(int)anomaly.Kind]++;
        Total++;
        if (_items.Count < _maxKept) _items.Add(anomaly);
        else Dropped++;
    }
}

/// <summary>An anomaly sink that drops everything (for benchmarks and tests that do not look).</summary>
public sealed class NullAnomalySink : IAnomalySink
{
    public static readonly NullAnomalySink Instance = new();
    public void Report(in Anomaly anomaly) { }
}
