namespace FtpTrace.Flows;

/// <summary>
/// Told by the <c>FlowTable</c> about each new connection; decides whether its bytes are wanted.
/// Implemented by the composition root, so the flow stage never knows what consumes it.
/// </summary>
public interface ITcpStreamObserver
{
    /// <summary>
    /// A connection was seen for the first time. Return a handler to receive its ordered byte
    /// streams, or null when its content is not wanted (it is then only counted, not reassembled).
    /// </summary>
    ITcpStreamHandler? OnConnectionOpened(TcpConnection connection);
}

/// <summary>Receives the ordered byte streams of one connection, both directions.</summary>
public interface ITcpStreamHandler
{
    /// <summary>
    /// In-order bytes. <paramref name="data"/> is valid only during the call. <paramref name="frame"/>
    /// and <paramref name="timeNs"/> are those of the segment that carried the first byte of
    /// <paramref name="data"/>; a contiguous run spanning several segments is delivered as one call
    /// per segment so every byte keeps its own frame.
    /// </summary>
    /// <returns><see cref="StreamAction.Detach"/> to stop receiving this connection's bytes (they are still counted).</returns>
    StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs);

    /// <summary>
    /// Bytes that were never captured, between <paramref name="streamOffset"/> (0 = first byte after the SYN or first byte seen)
    /// and <paramref name="streamOffset"/> + <paramref name="length"/>. Data resumes after it.
    /// </summary>
    void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs);

    /// <summary>The connection ended: every buffered byte has been delivered or declared a gap. Called once.</summary>
    void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs);

    /// <summary>
    /// A packet of this connection comes in a couple of packets: a hint to prefetch (see
    /// <c>CachePrefetch</c>) the state that will handle it. <paramref name="stage"/> 2 comes first
    /// (what the handler itself points at, the handler being in cache), then 1 (one level further).
    /// Must not change anything; does nothing by default.
    /// </summary>
    void PrefetchState(int stage) { }
}

public enum StreamAction
{
    Continue,
    Detach,
}
