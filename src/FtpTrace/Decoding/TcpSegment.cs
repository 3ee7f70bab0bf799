namespace FtpTrace.Decoding;

/// <summary>
/// One decoded TCP segment. <see cref="Payload"/> points into the frame (or a reassembled IPv4
/// datagram) and is valid only until the next frame is decoded.
/// </summary>
public ref struct TcpSegment
{
    public long Frame;
    public long TimestampNs;
    public Endpoint Source;
    public Endpoint Destination;
    public uint Sequence;
    public uint Acknowledgment;
    public TcpFlags Flags;
    public ushort Window;

    /// <summary>The payload bytes present in the capture.</summary>
    public ReadOnlySpan<byte> Payload;

    /// <summary>
    /// The payload length the IP header announces. Larger than <c>Payload.Length</c> when the
    /// snapshot length cut the frame: the missing bytes are a gap for the reassembler.
    /// </summary>
    public int PayloadLength;

    public readonly bool Has(TcpFlags flag) => (Flags & flag) != 0;
}
