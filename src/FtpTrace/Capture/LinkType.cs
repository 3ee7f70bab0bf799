namespace FtpTrace.Capture;

/// <summary>
/// Link-layer header types (the LINKTYPE_ values of pcap and pcapng) that FtpTrace decodes.
/// Any other value is carried through as a number and reported as <c>unknown_link_type</c>.
/// </summary>
public enum LinkType
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order.</summary>
    Null = 0,
    Ethernet = 1,
    /// <summary>PPP, with or without the HDLC address/control bytes (0xFF 0x03).</summary>
    Ppp = 9,
    /// <summary>PPP in HDLC-like framing (RFC 1662).</summary>
    PppSerial = 50,
    /// <summary>PPPoE session frames without their Ethernet header (RFC 2516).</summary>
    PppEther = 51,
    /// <summary>Raw IP as some BSDs number it (DLT_RAW = 12 on OpenBSD... 14 on others).</summary>
    RawBsd12 = 12,
    RawBsd14 = 14,
    /// <summary>Raw IPv4 or IPv6, version taken from the first nibble.</summary>
    Raw = 101,
    /// <summary>OpenBSD loopback: a 4-byte address family in network byte order.</summary>
    Loop = 108,
    LinuxSll = 113,
    Ipv4 = 228,
    Ipv6 = 229,
    LinuxSll2 = 276,
}
