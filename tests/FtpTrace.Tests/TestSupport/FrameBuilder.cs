using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using PacketDotNet;
using PacketDotNet.Utils;

namespace FtpTrace.Tests.TestSupport;

/// <summary>A frame built in memory: the link type it is encoded for, and its bytes.</summary>
public readonly record struct BuiltFrame(int LinkType, byte[] Bytes)
{
    /// <summary>The frame as a capture record at <paramref name="timestampNs"/> (optionally cut to <paramref name="snaplen"/>).</summary>
    public CraftedFrame At(long timestampNs, int snaplen = int.MaxValue) =>
        new(timestampNs, LinkType, Bytes.Length > snaplen ? Bytes[..snaplen] : Bytes, Bytes.Length);
}

/// <summary>One 802.1Q / 802.1ad tag: the TPID that introduces it and the 12-bit VLAN id.</summary>
public readonly record struct VlanTag(ushort Tpid, ushort VlanId)
{
    public static VlanTag Dot1Q(ushort id) => new(0x8100, id);
    public static VlanTag Dot1Ad(ushort id) => new(0x88A8, id);
    public static VlanTag QinQ9100(ushort id) => new(0x9100, id);
}

/// <summary>An IPv6 extension header to insert (zero-filled body: Pad1 options, valid for every type used here).</summary>
/// <param name="Type">0 hop-by-hop, 43 routing, 60 destination options, 51 AH, 135 mobility.</param>
/// <param name="Length">Total bytes of the header: a multiple of 8 (AH: of 4), at least 8.</param>
public readonly record struct Ipv6Extension(byte Type, int Length = 8);

/// <summary>
/// Builds frames in memory for every link type <see cref="PacketDecoder"/> reads: Ethernet (with
/// any stack of VLAN tags), Linux SLL and SLL2, raw IP (101, 12, 14, 228, 229), BSD NULL (either
/// byte order) and LOOP. Plain IPv4/IPv6 + TCP packets (no IP options, no extension headers) are
/// built with PacketDotNet objects (checksums by PacketDotNet), untagged Ethernet with
/// PacketDotNet's <see cref="EthernetPacket"/>; IP options, TCP options, IPv6 extension headers,
/// VLAN tags, cooked and loopback headers and fragments are built by hand with correct checksums.
/// </summary>
public static class FrameBuilder
{
    public static readonly PhysicalAddress SourceMac = PhysicalAddress.Parse("02-00-00-00-00-01");
    public static readonly PhysicalAddress DestinationMac = PhysicalAddress.Parse("02-00-00-00-00-02");

    /// <summary>A TCP segment wrapped for <paramref name="linkType"/>.</summary>
    public static BuiltFrame Tcp(IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, byte[]? payload = null,
        int linkType = (int)FtpTrace.Capture.LinkType.Ethernet, IReadOnlyList<VlanTag>? vlanTags = null, byte[]? ipv4Options = null,
        byte[]? tcpOptions = null, IReadOnlyList<Ipv6Extension>? ipv6Extensions = null, ushort window = 65535, ushort ipId = 1,
        bool nullBigEndian = false)
    {
        var ip = IpTcp(source, destination, seq, ack, flags, payload, ipv4Options, tcpOptions, ipv6Extensions, window, ipId);
        return Wrap(linkType, ip, vlanTags, nullBigEndian);
    }

    /// <summary>An IP packet (IPv4 or IPv6 by the addresses' family) carrying a TCP segment.</summary>
    public static byte[] IpTcp(IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, byte[]? payload = null,
        byte[]? ipv4Options = null, byte[]? tcpOptions = null, IReadOnlyList<Ipv6Extension>? ipv6Extensions = null,
        ushort window = 65535, ushort ipId = 1)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        payload ??= [];
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        if (ipv4Options is null && tcpOptions is null && ipv6Extensions is null)
            return PacketDotNetIpTcp(source, destination, seq, ack, flags, payload, window, ipId, v6);
        var tcp = TcpBytes(source, destination, seq, ack, flags, payload, tcpOptions, window);
        return v6
            ? Ipv6Bytes(source.Address, destination.Address, 6, tcp, ipv6Extensions ?? [])
            : Ipv4Bytes(source.Address, destination.Address, 6, tcp, ipv4Options ?? [], ipId);
    }

    /// <summary>An IP packet with any protocol number and payload (e.g. 17 with a UDP header, 1 for ICMP).</summary>
    public static byte[] Ip(IPAddress source, IPAddress destination, byte protocol, byte[] payload, ushort ipId = 1,
        IReadOnlyList<Ipv6Extension>? ipv6Extensions = null) =>
        source.AddressFamily == AddressFamily.InterNetworkV6
            ? Ipv6Bytes(source, destination, protocol, payload, ipv6Extensions ?? [])
            : Ipv4Bytes(source, destination, protocol, payload, [], ipId);

    /// <summary>Wraps an IP packet (or, for Ethernet/SLL/SLL2, anything with <paramref name="etherType"/>) in a link-layer header.</summary>
    public static BuiltFrame Wrap(int linkType, byte[] ipPacket, IReadOnlyList<VlanTag>? vlanTags = null, bool nullBigEndian = false,
        ushort? etherType = null)
    {
        ArgumentNullException.ThrowIfNull(ipPacket);
        bool v6 = ipPacket.Length > 0 && ipPacket[0] >> 4 == 6;
        ushort type = etherType ?? (ushort)(v6 ? 0x86DD : 0x0800);
        vlanTags ??= [];
        switch (linkType)
        {
            case (int)FtpTrace.Capture.LinkType.Ethernet:
                if (vlanTags.Count == 0 && etherType is null)
                {
                    var eth = new EthernetPacket(SourceMac, DestinationMac, v6 ? EthernetType.IPv6 : EthernetType.IPv4)
                    {
                        PayloadPacket = v6 ? new IPv6Packet(new ByteArraySegment(ipPacket)) : new IPv4Packet(new ByteArraySegment(ipPacket)),
                    };
                    return new BuiltFrame(linkType, eth.Bytes);
                }
                return new BuiltFrame(linkType, [.. SourceMacBytes(DestinationMac), .. SourceMacBytes(SourceMac), .. Tagged(vlanTags, type), .. ipPacket]);
            case (int)FtpTrace.Capture.LinkType.LinuxSll:
            {
                var h = new byte[16];
                BinaryPrimitives.WriteUInt16BigEndian(h, 0);           // packet type: to us
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), 1); // ARPHRD_ETHER
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), 6); // address length
                SourceMac.GetAddressBytes().CopyTo(h, 6);
                var tagged = Tagged(vlanTags, type);
                tagged.AsSpan(0, 2).CopyTo(h.AsSpan(14));
                return new BuiltFrame(linkType, [.. h, .. tagged.AsSpan(2), .. ipPacket]);
            }
            case (int)FtpTrace.Capture.LinkType.LinuxSll2:
            {
                var tagged = Tagged(vlanTags, type);
                var h = new byte[20];
                tagged.AsSpan(0, 2).CopyTo(h);                            // protocol
                BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 2);    // interface index
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(8), 1);    // ARPHRD_ETHER
                h[10] = 4;                                                // outgoing
                h[11] = 6;
                SourceMac.GetAddressBytes().CopyTo(h, 12);
                return new BuiltFrame(linkType, [.. h, .. tagged.AsSpan(2), .. ipPacket]);
            }
            case (int)FtpTrace.Capture.LinkType.Null:
            case (int)FtpTrace.Capture.LinkType.Loop:
            {
                var h = new byte[4];
                uint family = v6 ? 30u : 2u; // AF_INET6 as on macOS
                if (linkType == (int)FtpTrace.Capture.LinkType.Loop || nullBigEndian) BinaryPrimitives.WriteUInt32BigEndian(h, family);
                else BinaryPrimitives.WriteUInt32LittleEndian(h, family);
                return new BuiltFrame(linkType, [.. h, .. ipPacket]);
            }
            case (int)FtpTrace.Capture.LinkType.Raw:
            case (int)FtpTrace.Capture.LinkType.RawBsd12:
            case (int)FtpTrace.Capture.LinkType.RawBsd14:
            case (int)FtpTrace.Capture.LinkType.Ipv4:
            case (int)FtpTrace.Capture.LinkType.Ipv6:
                return new BuiltFrame(linkType, ipPacket);
            default:
                throw new ArgumentOutOfRangeException(nameof(linkType), linkType, "FrameBuilder does not build this link type");
        }
    }

    /// <summary>Splits an IPv4 packet into fragments of at most <paramref name="chunk"/> payload bytes (a multiple of 8), in order.</summary>
    public static List<byte[]> FragmentIpv4(byte[] packet, int chunk)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (chunk <= 0 || chunk % 8 != 0) throw new ArgumentOutOfRangeException(nameof(chunk), "a positive multiple of 8");
        int hl = (packet[0] & 0x0F) * 4;
        var payload = packet.AsSpan(hl);
        var result = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int len = Math.Min(chunk, payload.Length - offset);
            bool more = offset + len < payload.Length;
            var f = new byte[hl + len];
            packet.AsSpan(0, hl).CopyTo(f);
            payload.Slice(offset, len).CopyTo(f.AsSpan(hl));
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), (ushort)f.Length);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            FixIpv4Checksum(f);
            result.Add(f);
        }
        return result;
    }

    /// <summary>An IPv4 fragment with explicit offset (bytes, multiple of 8), MF flag and payload, sharing the header of <paramref name="template"/>.</summary>
    public static byte[] Ipv4Fragment(byte[] template, int offset, bool more, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(payload);
        int hl = (template[0] & 0x0F) * 4;
        var f = new byte[hl + payload.Length];
        template.AsSpan(0, hl).CopyTo(f);
        payload.CopyTo(f, hl);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(2), (ushort)f.Length);
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(6), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        FixIpv4Checksum(f);
        return f;
    }

    /// <summary>Splits an IPv6 packet (no extension headers) into fragments with a Fragment header, at most <paramref name="chunk"/> bytes each.</summary>
    public static List<byte[]> FragmentIpv6(byte[] packet, int chunk, uint identification)
    {
        ArgumentNullException.ThrowIfNull(packet);
        if (chunk <= 0 || chunk % 8 != 0) throw new ArgumentOutOfRangeException(nameof(chunk), "a positive multiple of 8");
        byte next = packet[6];
        var payload = packet.AsSpan(40);
        var result = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += chunk)
        {
            int len = Math.Min(chunk, payload.Length - offset);
            bool more = offset + len < payload.Length;
            var f = new byte[48 + len];
            packet.AsSpan(0, 40).CopyTo(f);
            f[6] = 44;
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(4), (ushort)(8 + len));
            f[40] = next;
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(42), (ushort)(offset | (more ? 1 : 0)));
            BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(44), identification);
            payload.Slice(offset, len).CopyTo(f.AsSpan(48));
            result.Add(f);
        }
        return result;
    }

    /// <summary>Recomputes the IPv4 header checksum in place (after editing a header).</summary>
    public static void FixIpv4Checksum(byte[] packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        int hl = (packet[0] & 0x0F) * 4;
        packet[10] = packet[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, hl), 0));
    }

    private static byte[] PacketDotNetIpTcp(IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, byte[] payload,
        ushort window, ushort ipId, bool v6)
    {
        var tcp = new TcpPacket((ushort)source.Port, (ushort)destination.Port)
        {
            SequenceNumber = seq,
            AcknowledgmentNumber = ack,
            WindowSize = window,
            Finished = (flags & TcpFlags.Fin) != 0,
            Synchronize = (flags & TcpFlags.Syn) != 0,
            Reset = (flags & TcpFlags.Rst) != 0,
            Push = (flags & TcpFlags.Psh) != 0,
            Acknowledgment = (flags & TcpFlags.Ack) != 0,
            Urgent = (flags & TcpFlags.Urg) != 0,
            ExplicitCongestionNotificationEcho = (flags & TcpFlags.Ece) != 0,
            CongestionWindowReduced = (flags & TcpFlags.Cwr) != 0,
            PayloadData = payload,
        };
        IPPacket ip = v6
            ? new IPv6Packet(source.Address, destination.Address) { HopLimit = 64 }
            : new IPv4Packet(source.Address, destination.Address) { Id = ipId, TimeToLive = 64 };
        ip.PayloadPacket = tcp;
        ip.UpdateCalculatedValues();
        tcp.UpdateTcpChecksum();
        if (ip is IPv4Packet v4) v4.UpdateIPChecksum();
        return ip.Bytes;
    }

    private static byte[] TcpBytes(IPEndPoint source, IPEndPoint destination, uint seq, uint ack, TcpFlags flags, byte[] payload,
        byte[]? options, ushort window)
    {
        options ??= [];
        int optLen = (options.Length + 3) & ~3;
        var t = new byte[20 + optLen + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(t, (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), (ushort)destination.Port);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), ack);
        t[12] = (byte)(((20 + optLen) / 4) << 4);
        t[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), window);
        options.CopyTo(t, 20);
        payload.CopyTo(t, 20 + optLen);
        // Pseudo-header sum.
        var src = source.Address.GetAddressBytes();
        var dst = destination.Address.GetAddressBytes();
        uint sum = Sum(src, 0);
        sum = Sum(dst, sum);
        sum += 6u + (uint)t.Length;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(16), Checksum(t, sum));
        return t;
    }

    private static byte[] Ipv4Bytes(IPAddress source, IPAddress destination, byte protocol, byte[] payload, byte[] options, ushort id)
    {
        int optLen = (options.Length + 3) & ~3;
        int hl = 20 + optLen;
        var p = new byte[hl + payload.Length];
        p[0] = (byte)(0x40 | (hl / 4));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        p[8] = 64;
        p[9] = protocol;
        source.GetAddressBytes().CopyTo(p, 12);
        destination.GetAddressBytes().CopyTo(p, 16);
        options.CopyTo(p, 20);
        payload.CopyTo(p, hl);
        FixIpv4Checksum(p);
        return p;
    }

    private static byte[] Ipv6Bytes(IPAddress source, IPAddress destination, byte protocol, byte[] payload, IReadOnlyList<Ipv6Extension> extensions)
    {
        int extLen = extensions.Sum(e => e.Length);
        var p = new byte[40 + extLen + payload.Length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(extLen + payload.Length));
        p[6] = extensions.Count > 0 ? extensions[0].Type : protocol;
        p[7] = 64;
        source.GetAddressBytes().CopyTo(p, 8);
        destination.GetAddressBytes().CopyTo(p, 24);
        int o = 40;
        for (int i = 0; i < extensions.Count; i++)
        {
            var e = extensions[i];
            p[o] = i + 1 < extensions.Count ? extensions[i + 1].Type : protocol;
            p[o + 1] = (byte)(e.Type == 51 ? e.Length / 4 - 2 : e.Length / 8 - 1);
            o += e.Length;
        }
        payload.CopyTo(p, o);
        return p;
    }

    private static byte[] Tagged(IReadOnlyList<VlanTag> tags, ushort innerType)
    {
        var b = new byte[2 + (4 * tags.Count)];
        int o = 0;
        foreach (var tag in tags)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), tag.Tpid);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o + 2), (ushort)(tag.VlanId & 0x0FFF));
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), innerType);
        return b;
    }

    private static byte[] SourceMacBytes(PhysicalAddress mac) => mac.GetAddressBytes();

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        uint sum = Sum(data, initial);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
