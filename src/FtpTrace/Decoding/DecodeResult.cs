namespace FtpTrace.Decoding;

/// <summary>What <c>PacketDecoder.Decode</c> found in a frame.</summary>
public enum DecodeResult
{
    /// <summary>A TCP segment; the out parameter is filled.</summary>
    Tcp,
    /// <summary>A well-formed frame that carries no TCP (UDP, ICMP, ARP, IPv6 ND ...). Counted, not reported.</summary>
    NotTcp,
    /// <summary>An IPv4 fragment held until its datagram is complete.</summary>
    FragmentHeld,
    /// <summary>The frame could not be decoded; an anomaly was reported.</summary>
    Invalid,
}
