using FtpTrace.Diagnostics;

namespace FtpTrace.Reassembly;

/// <summary>Totals over every <see cref="TcpStreamReassembler"/> that shares one instance (the flow table shares one across all its connections and reports them).</summary>
internal sealed class ReassemblyCounters
{
    /// <summary>Segments whose bytes were all received before (retransmissions, keep-alives with one old byte).</summary>
    public long RetransmittedSegments;
    /// <summary>Stream bytes announced after the FIN of their direction: dropped, not delivered.</summary>
    public long BytesAfterFin;
    /// <summary>Bytes before offset 0 of a stream joined mid-stream (a reordered earlier segment): dropped.</summary>
    public long BytesBeforeStart;
    public long Gaps;
    public long GapBytes;
    public long ConflictingOverlaps;
    public long BufferLimitHits;
}

/// <summary>
/// What every reassembler of one table shares: its limits, its anomaly sink and its totals. One
/// reference per reassembler instead of three keeps each connection small.
/// </summary>
internal sealed class ReassemblyContext(FtpTraceLimits limits, IAnomalySink anomalies, ReassemblyCounters? counters = null)
{
    public FtpTraceLimits Limits { get; } = limits;
    public IAnomalySink Anomalies { get; } = anomalies;
    public ReassemblyCounters Counters { get; } = counters ?? new();
}
