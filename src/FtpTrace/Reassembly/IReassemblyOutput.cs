namespace FtpTrace.Reassembly;

/// <summary>
/// Where a <see cref="TcpStreamReassembler"/> sends what it makes of one direction's segments:
/// ordered bytes, gaps, and the byte counts. Defined here so the reassembler depends only on
/// Decoding and Diagnostics; the flow stage implements it (one implementation per connection,
/// serving both of its reassemblers).
/// </summary>
/// <remarks>
/// Every call carries the <c>stream</c> tag the reassembler was created with (e.g. 0 and 1 for the
/// two sides of a connection), so one sealed class can serve several reassemblers without an
/// adapter object per stream and without allocating per call.
/// </remarks>
internal interface IReassemblyOutput
{
    /// <summary>The connection the stream belongs to, for <see cref="Diagnostics.Anomaly.ConnectionId"/>.</summary>
    long ConnectionId { get; }

    /// <summary>
    /// True while the content is wanted: out-of-order bytes are kept, bytes are delivered through
    /// <see cref="OnData"/> and gaps through <see cref="OnGap"/>, and stream anomalies are reported.
    /// False: the stream is only counted by sequence numbers (no bytes kept, no anomalies).
    /// Read on every decision, so it may turn false at any time (e.g. from inside <see cref="OnData"/>).
    /// </summary>
    bool IsReassembling { get; }

    /// <summary>A short name of <paramref name="stream"/> for anomaly details (e.g. "client-to-server"). Called only when reporting.</summary>
    string StreamName(int stream);

    /// <summary><paramref name="count"/> more bytes of <paramref name="stream"/> were received in order (delivered or only counted).</summary>
    void AddBytes(int stream, long count);

    /// <summary><paramref name="count"/> more bytes of <paramref name="stream"/> were declared a gap (delivered as one or only counted).</summary>
    void AddGapBytes(int stream, long count);

    /// <summary>
    /// In-order bytes of <paramref name="stream"/>, already counted by <see cref="AddBytes"/>; called only
    /// while <see cref="IsReassembling"/>. <paramref name="data"/> is valid only during the call;
    /// <paramref name="frame"/>/<paramref name="timeNs"/> are those of the segment that carried its first byte.
    /// </summary>
    void OnData(int stream, ReadOnlySpan<byte> data, long frame, long timeNs);

    /// <summary>
    /// Bytes of <paramref name="stream"/> never captured, [<paramref name="streamOffset"/>, +<paramref name="length"/>),
    /// already counted by <see cref="AddGapBytes"/> and reported as an anomaly; called only while <see cref="IsReassembling"/>.
    /// </summary>
    void OnGap(int stream, long streamOffset, long length, long frame, long timeNs);
}
