using System.Buffers.Binary;
using FtpTrace.Capture;
using FtpTrace.Diagnostics;

namespace FtpTrace.Decoding;

/// <summary>
/// Decodes captured frames down to TCP segments on spans: no PacketDotNet, no allocation per
/// packet (only an anomaly builds a string). One instance per capture run; not thread-safe.
/// </summary>
/// <remarks>
/// <para>Link types: Ethernet (IPv4 0x0800, IPv6 0x86DD, behind any number of 802.1Q 0x8100 /
/// 802.1ad 0x88A8 / 0x9100 tags, and inside PPPoE sessions 0x8864 or MPLS label stacks 0x8847/0x8848),
/// Linux cooked capture v1 (113) and v2 (276) (same tag handling), PPP (9, 50) and PPPoE without
/// Ethernet (51),
/// raw IP (101, 12, 14: version from the first nibble; 228 IPv4; 229 IPv6), BSD NULL (0: a 4-byte
/// address family in the capturing host's byte order, either order detected; 2 = IPv4, 10/24/28/30
/// = IPv6) and LOOP (108: the same in network byte order). Any other link type reports
/// <see cref="AnomalyKind.UnknownLinkType"/> once per value (every such frame is counted in
/// <see cref="UnknownLinkTypeFrames"/>) and the frame is <see cref="DecodeResult.Invalid"/>.</para>
/// <para>IPv4: options skipped; the total length is honoured (Ethernet padding trimmed). A total
/// length of 0 is taken as a segmentation-offload frame (captured on the sending host) and the
/// frame's length is used, as Wireshark does; the same holds for an IPv6 payload length of 0.
/// Fragments go to the <see cref="Ipv4Defragmenter"/> (IPv6 Fragment headers too) and come out
/// as one segment when complete.</para>
/// <para>Lengths: when the IP length reaches past the captured bytes but the frame's original length
/// covers it, the snapshot length cut the frame: the segment is returned with
/// <see cref="TcpSegment.PayloadLength"/> the announced length and <see cref="TcpSegment.Payload"/>
/// the captured bytes; this decoder reports nothing for it (the reassembler turns the missing bytes
/// into a gap). When the original length does not cover it either, the frame is
/// <see cref="AnomalyKind.BadLength"/>. A header cut short is <see cref="AnomalyKind.TruncatedFrame"/>;
/// an impossible field is <see cref="AnomalyKind.MalformedHeader"/>; both make the frame Invalid.</para>
/// <para>Checksums are NOT verified: captures taken on the sending host (and loopback captures)
/// carry checksums left for the NIC to fill in.</para>
/// </remarks>
public sealed class PacketDecoder : IDisposable
{
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQOld = 0x9100;
    private const ushort EtherTypePppoeSession = 0x8864;
    private const ushort EtherTypeMplsUnicast = 0x8847;
    private const ushort EtherTypeMplsMulticast = 0x8848;
    private const ushort PppIpv4 = 0x0021;
    private const ushort PppIpv6 = 0x0057;
    private const ushort ArphrdNetlink = 824;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;

    private IAnomalySink _anomalies;

    /// <summary>Where anomalies go (the fragment table's too); see <see cref="FtpTrace.Analysis.DecodeAhead"/>.</summary>
    internal IAnomalySink Anomalies
    {
        get => _anomalies;
        set
        {
            _anomalies = value;
            Defragmenter.Anomalies = value;
        }
    }

    private readonly HashSet<int> _unknownLinkTypesReported = [];
    private long _frame;
    private long _timeNs;

    public PacketDecoder(FtpTraceLimits limits, IAnomalySink anomalies)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(anomalies);
        _anomalies = anomalies;
        Defragmenter = new Ipv4Defragmenter(limits, anomalies);
    }

    /// <summary>The fragment reassembler this decoder feeds.</summary>
    public Ipv4Defragmenter Defragmenter { get; }

    /// <summary>Frames given to <see cref="Decode"/>.</summary>
    public long Frames { get; private set; }
    /// <summary>Frames with a valid IPv4 header (fragments included; a reassembled datagram is not counted again).</summary>
    public long Ipv4 { get; private set; }
    /// <summary>Frames with a valid IPv6 header.</summary>
    public long Ipv6 { get; private set; }
    /// <summary>TCP segments returned.</summary>
    public long Tcp { get; private set; }
    /// <summary>UDP datagrams seen (not decoded further).</summary>
    public long Udp { get; private set; }
    /// <summary>Frames that carry neither TCP nor UDP: other IP protocols and non-IP link-layer payloads (ARP, LLDP...).</summary>
    public long OtherProtocols { get; private set; }
    /// <summary>IP fragments seen (IPv4, and IPv6 fragments that are not atomic).</summary>
    public long Fragments { get; private set; }
    /// <summary>Datagrams reassembled from fragments.</summary>
    public long Reassembled { get; private set; }
    /// <summary>Frames that could not be decoded (each reported as an anomaly, unknown link types once per value).</summary>
    public long Invalid { get; private set; }
    /// <summary>Frames whose link type is not decoded.</summary>
    public long UnknownLinkTypeFrames { get; private set; }

    /// <summary>
    /// Decodes one frame. On <see cref="DecodeResult.Tcp"/> <paramref name="segment"/> is filled; its
    /// payload points into the frame or into a reassembled datagram and is valid until the next call.
    /// </summary>
    public DecodeResult Decode(in CaptureFrame frame, out TcpSegment segment)
    {
        Frames++;
        segment = default;
        segment.Frame = _frame = frame.Number;
        segment.TimestampNs = _timeNs = frame.TimestampNs;
        Defragmenter.Expire(frame.TimestampNs);
        var data = frame.Data;
        int cut = Math.Max(0, frame.OriginalLength - data.Length);
        var result = DecodeLink(frame.LinkType, data, cut, ref segment);
        if (result == DecodeResult.Invalid) Invalid++;
        return result;
    }

    /// <summary>End of the capture: incomplete fragmented datagrams are dropped and reported.</summary>
    public void Flush(long nowNs) => Defragmenter.Flush(nowNs);

    public void Dispose() => Defragmenter.Dispose();

    private DecodeResult DecodeLink(int linkType, ReadOnlySpan<byte> data, int cut, ref TcpSegment segment)
    {
        switch (linkType)
        {
            case (int)LinkType.Ethernet:
                if (data.Length < 14) return Truncated("Ethernet header", 14, data.Length);
                return EtherType(BinaryPrimitives.ReadUInt16BigEndian(data[12..]), data, 14, cut, ref segment);
            case (int)LinkType.LinuxSll:
                if (data.Length < 16) return Truncated("Linux cooked (SLL) header", 16, data.Length);
                if (BinaryPrimitives.ReadUInt16BigEndian(data[2..]) == ArphrdNetlink) return Other();
                return EtherType(BinaryPrimitives.ReadUInt16BigEndian(data[14..]), data, 16, cut, ref segment);
            case (int)LinkType.LinuxSll2:
                if (data.Length < 20) return Truncated("Linux cooked v2 (SLL2) header", 20, data.Length);
                if (BinaryPrimitives.ReadUInt16BigEndian(data[8..]) == ArphrdNetlink) return Other();
                return EtherType(BinaryPrimitives.ReadUInt16BigEndian(data), data, 20, cut, ref segment);
            case (int)LinkType.Raw:
            case (int)LinkType.RawBsd12:
            case (int)LinkType.RawBsd14:
                if (data.IsEmpty) return Truncated("raw IP header", 1, 0);
                return (data[0] >> 4) switch
                {
                    4 => Ipv4Packet(data, cut, ref segment, reassembled: false),
                    6 => Ipv6Packet(data, cut, ref segment, reassembled: false),
                    int v => Malformed($"raw IP packet with version {v}"),
                };
            case (int)LinkType.Ppp:
            case (int)LinkType.PppSerial:
                return Ppp(data, 0, cut, ref segment);
            case (int)LinkType.PppEther:
                return Pppoe(data, 0, cut, ref segment);
            case (int)LinkType.Ipv4:
                return Ipv4Packet(data, cut, ref segment, reassembled: false);
            case (int)LinkType.Ipv6:
                return Ipv6Packet(data, cut, ref segment, reassembled: false);
            case (int)LinkType.Null:
            case (int)LinkType.Loop:
            {
                if (data.Length < 4) return Truncated("loopback header", 4, data.Length);
                uint family = BinaryPrimitives.ReadUInt32BigEndian(data);
                if (linkType == (int)LinkType.Null)
                {
                    // Host byte order of the capturing machine: a family is small, so the non-zero
                    // half tells the order.
                    uint little = BinaryPrimitives.ReadUInt32LittleEndian(data);
                    if ((little & 0xFFFF_0000) == 0) family = little;
                }
                return family switch
                {
                    2 => Ipv4Packet(data[4..], cut, ref segment, reassembled: false),
                    10 or 24 or 28 or 30 => Ipv6Packet(data[4..], cut, ref segment, reassembled: false),
                    _ => Other(),
                };
            }
            default:
                UnknownLinkTypeFrames++;
                if (_unknownLinkTypesReported.Add(linkType))
                {
                    Report(AnomalyKind.UnknownLinkType,
                        $"link type {linkType} is not decoded; every frame with it is skipped (reported once, counted in unknown-link-type frames)");
                }
                return DecodeResult.Invalid;
        }
    }

    private DecodeResult EtherType(ushort type, ReadOnlySpan<byte> data, int offset, int cut, ref TcpSegment segment)
    {
        while (type is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQOld)
        {
            if (data.Length < offset + 4) return Truncated("VLAN tag", offset + 4, data.Length);
            type = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            offset += 4;
        }
        return type switch
        {
            EtherTypeIpv4 => Ipv4Packet(data[offset..], cut, ref segment, reassembled: false),
            EtherTypeIpv6 => Ipv6Packet(data[offset..], cut, ref segment, reassembled: false),
            EtherTypePppoeSession => Pppoe(data, offset, cut, ref segment),
            EtherTypeMplsUnicast or EtherTypeMplsMulticast => Mpls(data, offset, cut, ref segment),
            _ => Other(),
        };
    }

    /// <summary>A PPPoE session header (6 bytes, RFC 2516) and the PPP protocol field after it.</summary>
    private DecodeResult Pppoe(ReadOnlySpan<byte> data, int offset, int cut, ref TcpSegment segment)
    {
        if (data.Length < offset + 8) return Truncated("PPPoE header", offset + 8, data.Length);
        return PppProtocol(BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 6)..]), data, offset + 8, cut, ref segment);
    }

    /// <summary>PPP: optional HDLC address and control (0xFF 0x03), then a 1- or 2-byte protocol field (RFC 1661).</summary>
    private DecodeResult Ppp(ReadOnlySpan<byte> data, int offset, int cut, ref TcpSegment segment)
    {
        if (data.Length >= offset + 2 && data[offset] == 0xFF && data[offset + 1] == 0x03) offset += 2;
        if (data.Length < offset + 1) return Truncated("PPP header", offset + 1, data.Length);
        // An odd first byte is a compressed (1-byte) protocol field.
        if ((data[offset] & 1) == 1) return PppProtocol(data[offset], data, offset + 1, cut, ref segment);
        if (data.Length < offset + 2) return Truncated("PPP protocol", offset + 2, data.Length);
        return PppProtocol(BinaryPrimitives.ReadUInt16BigEndian(data[offset..]), data, offset + 2, cut, ref segment);
    }

    private DecodeResult PppProtocol(ushort protocol, ReadOnlySpan<byte> data, int offset, int cut, ref TcpSegment segment) => protocol switch
    {
        PppIpv4 => Ipv4Packet(data[offset..], cut, ref segment, reassembled: false),
        PppIpv6 => Ipv6Packet(data[offset..], cut, ref segment, reassembled: false),
        _ => Other(),
    };

    /// <summary>An MPLS label stack (4 bytes a label, the last with the bottom-of-stack bit), then IP told by its version nibble.</summary>
    private DecodeResult Mpls(ReadOnlySpan<byte> data, int offset, int cut, ref TcpSegment segment)
    {
        while (true)
        {
            if (data.Length < offset + 4) return Truncated("MPLS label", offset + 4, data.Length);
            bool bottom = (data[offset + 2] & 1) == 1;
            offset += 4;
            if (bottom) break;
        }
        if (data.Length <= offset) return Truncated("IP header after MPLS", offset + 1, data.Length);
        return (data[offset] >> 4) switch
        {
            4 => Ipv4Packet(data[offset..], cut, ref segment, reassembled: false),
            6 => Ipv6Packet(data[offset..], cut, ref segment, reassembled: false),
            _ => Other(),
        };
    }

    /// <summary>
    /// The two endpoints of a plain TCP segment (Ethernet with at most one VLAN tag, or raw IP; IPv4
    /// not fragmented, or IPv6 without extension headers), read straight from the headers with no
    /// check beyond bounds and nothing counted or reported: a hint for prefetching the packets
    /// coming next. <see cref="Decode"/> decides what a frame really is.
    /// </summary>
    internal static bool TryPeekTcpEndpoints(int linkType, ReadOnlySpan<byte> frame, out Endpoint a, out Endpoint b)
    {
        a = b = default;
        int offset;
        if (linkType == (int)LinkType.Ethernet)
        {
            if (frame.Length < 14) return false;
            ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
            offset = 14;
            if (etherType == EtherTypeVlan)
            {
                if (frame.Length < 18) return false;
                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
                offset = 18;
            }
            if (etherType is not (EtherTypeIpv4 or EtherTypeIpv6)) return false;
        }
        else if (linkType is (int)LinkType.Raw or (int)LinkType.RawBsd12 or (int)LinkType.RawBsd14 or (int)LinkType.Ipv4 or (int)LinkType.Ipv6)
        {
            offset = 0;
        }
        else
        {
            return false;
        }
        ReadOnlySpan<byte> ip = frame[offset..];
        if (ip.IsEmpty) return false;
        if (ip[0] >> 4 == 4)
        {
            int headerLength = (ip[0] & 0x0F) * 4;
            if (headerLength < 20 || ip.Length < headerLength + 4 || ip[9] != 6) return false;
            if ((BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0) return false; // a fragment
            a = new Endpoint(IpAddress.FromV4(ip[12..]), BinaryPrimitives.ReadUInt16BigEndian(ip[headerLength..]));
            b = new Endpoint(IpAddress.FromV4(ip[16..]), BinaryPrimitives.ReadUInt16BigEndian(ip[(headerLength + 2)..]));
            return true;
        }
        if (ip[0] >> 4 == 6)
        {
            if (ip.Length < 44 || ip[6] != 6) return false;
            a = new Endpoint(IpAddress.FromV6(ip[8..]), BinaryPrimitives.ReadUInt16BigEndian(ip[40..]));
            b = new Endpoint(IpAddress.FromV6(ip[24..]), BinaryPrimitives.ReadUInt16BigEndian(ip[42..]));
            return true;
        }
        return false;
    }

    private DecodeResult Ipv4Packet(ReadOnlySpan<byte> ip, int cut, ref TcpSegment segment, bool reassembled)
    {
        if (ip.IsEmpty) return Truncated("IPv4 header", 20, 0);
        int version = ip[0] >> 4;
        if (version != 4) return Malformed($"IPv4 header with version {version}");
        if (ip.Length < 20) return Truncated("IPv4 header", 20, ip.Length);
        int headerLength = (ip[0] & 0x0F) * 4;
        if (headerLength < 20) return Malformed($"IPv4 header length {headerLength} is below 20");
        if (ip.Length < headerLength) return Truncated("IPv4 options", headerLength, ip.Length);
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (total == 0) total = ip.Length + cut; // segmentation offload: the length is the frame's
        else if (total < headerLength) return Malformed($"IPv4 total length {total} is below the header length {headerLength}");
        else if (total > ip.Length + cut)
            return Report(AnomalyKind.BadLength, $"IPv4 total length {total} but the frame holds {ip.Length + cut} bytes from the IP header on");
        if (!reassembled) Ipv4++;
        ip = ip[..Math.Min(total, ip.Length)];
        ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x3FFF) != 0)
        {
            Fragments++;
            if (ip.Length < total)
                return Report(AnomalyKind.TruncatedFrame, $"IPv4 fragment cut by the snapshot length ({ip.Length} of {total} bytes); its datagram cannot be reassembled");
            var outcome = Defragmenter.SubmitIpv4(ip, _frame, _timeNs, out var datagram);
            if (outcome == FragmentOutcome.Held) return DecodeResult.FragmentHeld;
            if (outcome == FragmentOutcome.Dropped) return DecodeResult.Invalid;
            Reassembled++;
            return Ipv4Packet(datagram, 0, ref segment, reassembled: true);
        }
        var source = IpAddress.FromV4(ip[12..]);
        var destination = IpAddress.FromV4(ip[16..]);
        return Transport(ip[9], ip[headerLength..], total - headerLength, source, destination, ref segment);
    }

    private DecodeResult Ipv6Packet(ReadOnlySpan<byte> ip, int cut, ref TcpSegment segment, bool reassembled)
    {
        if (ip.IsEmpty) return Truncated("IPv6 header", 40, 0);
        int version = ip[0] >> 4;
        if (version != 6) return Malformed($"IPv6 header with version {version}");
        if (ip.Length < 40) return Truncated("IPv6 header", 40, ip.Length);
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        int total = payloadLength == 0 ? ip.Length + cut : 40 + payloadLength; // 0: jumbogram or offload
        if (total > ip.Length + cut)
            return Report(AnomalyKind.BadLength, $"IPv6 payload length {payloadLength} but the frame holds {ip.Length + cut - 40} bytes after the IPv6 header");
        if (!reassembled) Ipv6++;
        ip = ip[..Math.Min(total, ip.Length)];
        byte next = ip[6];
        int offset = 40;
        while (true)
        {
            int length;
            switch (next)
            {
                case 0:   // hop-by-hop options
                case 43:  // routing
                case 60:  // destination options
                case 135: // mobility
                case 51:  // authentication header
                    if (ip.Length < offset + 2) return ExtensionShort(next, offset + 2, ip.Length, total);
                    length = next == 51 ? (ip[offset + 1] + 2) * 4 : (ip[offset + 1] + 1) * 8;
                    if (ip.Length < offset + length) return ExtensionShort(next, offset + length, ip.Length, total);
                    next = ip[offset];
                    offset += length;
                    continue;
                case 44: // fragment
                {
                    if (ip.Length < offset + 8) return ExtensionShort(next, offset + 8, ip.Length, total);
                    byte inner = ip[offset];
                    ushort offsetAndFlags = BinaryPrimitives.ReadUInt16BigEndian(ip[(offset + 2)..]);
                    uint id = BinaryPrimitives.ReadUInt32BigEndian(ip[(offset + 4)..]);
                    int fragmentOffset = offsetAndFlags & 0xFFF8;
                    bool more = (offsetAndFlags & 1) != 0;
                    offset += 8;
                    if (fragmentOffset == 0 && !more)
                    {
                        next = inner; // atomic fragment: the whole packet
                        continue;
                    }
                    Fragments++;
                    if (ip.Length < total)
                        return Report(AnomalyKind.TruncatedFrame, $"IPv6 fragment cut by the snapshot length ({ip.Length} of {total} bytes); its datagram cannot be reassembled");
                    var outcome = Defragmenter.SubmitIpv6(ip, id, inner, fragmentOffset, more, ip[offset..], _frame, _timeNs, out var datagram);
                    if (outcome == FragmentOutcome.Held) return DecodeResult.FragmentHeld;
                    if (outcome == FragmentOutcome.Dropped) return DecodeResult.Invalid;
                    Reassembled++;
                    return Ipv6Packet(datagram, 0, ref segment, reassembled: true);
                }
                case 50: // ESP: encrypted
                case 59: // no next header
                    return Other();
                default:
                    var source = IpAddress.FromV6(ip[8..]);
                    var destination = IpAddress.FromV6(ip[24..]);
                    return Transport(next, ip[offset..], total - offset, source, destination, ref segment);
            }
        }
    }

    private DecodeResult ExtensionShort(byte header, int need, int have, int total) =>
        need > total
            ? Malformed($"IPv6 extension header {header} runs past the payload length ({need} > {total} bytes)")
            : Truncated($"IPv6 extension header {header}", need, have);

    private DecodeResult Transport(byte protocol, ReadOnlySpan<byte> tcp, int announced, IpAddress source, IpAddress destination, ref TcpSegment segment)
    {
        if (protocol != ProtocolTcp)
        {
            if (protocol == ProtocolUdp) Udp++;
            else OtherProtocols++;
            return DecodeResult.NotTcp;
        }
        if (announced < 20) return Report(AnomalyKind.BadLength, $"the IP payload of {announced} bytes is shorter than a TCP header");
        if (tcp.Length < 20) return Truncated("TCP header", 20, tcp.Length);
        int headerLength = (tcp[12] >> 4) * 4;
        if (headerLength < 20) return Malformed($"TCP data offset {headerLength} is below 20");
        if (headerLength > announced) return Malformed($"TCP header length {headerLength} exceeds the {announced}-byte segment");
        if (tcp.Length < headerLength) return Truncated("TCP options", headerLength, tcp.Length);
        segment.Source = new Endpoint(source, BinaryPrimitives.ReadUInt16BigEndian(tcp));
        segment.Destination = new Endpoint(destination, BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]));
        segment.Sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
        segment.Acknowledgment = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]);
        segment.Flags = (TcpFlags)tcp[13];
        segment.Window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]);
        segment.Payload = tcp[headerLength..Math.Min(tcp.Length, announced)];
        segment.PayloadLength = announced - headerLength;
        Tcp++;
        return DecodeResult.Tcp;
    }

    private DecodeResult Other()
    {
        OtherProtocols++;
        return DecodeResult.NotTcp;
    }

    private DecodeResult Truncated(string what, int need, int have) =>
        Report(AnomalyKind.TruncatedFrame, $"{what} needs {need} bytes, the frame has {have}");

    private DecodeResult Malformed(string detail) => Report(AnomalyKind.MalformedHeader, detail);

    private DecodeResult Report(AnomalyKind kind, string detail)
    {
        _anomalies.Report(new Anomaly(kind, _frame, _timeNs, 0, detail));
        return DecodeResult.Invalid;
    }
}
