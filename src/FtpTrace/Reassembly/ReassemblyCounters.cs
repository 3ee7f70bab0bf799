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
