using System.Buffers.Binary;
using System.Net;
using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Decoding;

/// <summary>What a decoded segment holds, copied out of the ref struct.</summary>
public sealed record DecodedSegment(string Source, string Destination, uint Sequence, uint Acknowledgment, TcpFlags Flags, ushort Window,
    byte[] Payload, int PayloadLength);

public sealed class PacketDecoderTests
{
    private static readonly IPEndPoint C4 = new(IPAddress.Parse("192.0.2.10"), 50123);
    private static readonly IPEndPoint S4 = new(IPAddress.Parse("198.51.100.20"), 21);
    private static readonly IPEndPoint C6 = new(IPAddress.Parse("2001:db8::10"), 50124);
    private static readonly IPEndPoint S6 = new(IPAddress.Parse("2001:db8::21"), 21);
    private static readonly byte[] Reply = Encoding.ASCII.GetBytes("230 Login successful.\r\n");

    internal static (DecodeResult Result, DecodedSegment? Segment) Decode(PacketDecoder decoder, int linkType, byte[] data, int? originalLength = null,
        long number = 1, long timeNs = 1_000)
    {
        var frame = new CaptureFrame(number, timeNs, linkType, originalLength ?? data.Length, data);
        var result = decoder.Decode(frame, out var s);
        if (result != DecodeResult.Tcp) return (result, null);
        Assert.Equal(number, s.Frame);
        Assert.Equal(timeNs, s.TimestampNs);
        return (result, new DecodedSegment(s.Source.ToString(), s.Destination.ToString(), s.Sequence, s.Acknowledgment, s.Flags, s.Window,
            s.Payload.ToArray(), s.PayloadLength));
    }

    private static (DecodeResult Result, DecodedSegment? Segment, AnomalyCollector Anomalies, PacketDecoder Decoder) DecodeOne(BuiltFrame f,
        int? originalLength = null, byte[]? data = null)
    {
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);
        var (r, s) = Decode(decoder, f.LinkType, data ?? f.Bytes, originalLength);
        return (r, s, anomalies, decoder);
    }

    public static TheoryData<int, bool, bool> LinkTypes() => new()
    {
        { (int)LinkType.Ethernet, false, false },
        { (int)LinkType.Ethernet, true, false },
        { (int)LinkType.LinuxSll, false, false },
        { (int)LinkType.LinuxSll, true, false },
        { (int)LinkType.LinuxSll2, false, false },
        { (int)LinkType.LinuxSll2, true, false },
        { (int)LinkType.Raw, false, false },
        { (int)LinkType.Raw, true, false },
        { (int)LinkType.RawBsd12, false, false },
        { (int)LinkType.RawBsd14, true, false },
        { (int)LinkType.Ipv4, false, false },
        { (int)LinkType.Ipv6, true, false },
        { (int)LinkType.Null, false, false },   // family 2 little-endian (x86 host)
        { (int)LinkType.Null, true, true },     // family 30 big-endian (PowerPC/MIPS host)
        { (int)LinkType.Null, false, true },
        { (int)LinkType.Loop, false, false },
        { (int)LinkType.Loop, true, false },
    };

    [Theory]
    [MemberData(nameof(LinkTypes))]
    public void EveryLinkTypeDecodesToTheSameSegment(int linkType, bool ipv6, bool nullBigEndian)
    {
        var (client, server) = ipv6 ? (C6, S6) : (C4, S4);
        var f = FrameBuilder.Tcp(server, client, 0xFFFF_FFF0, 1017, TcpFlags.Psh | TcpFlags.Ack, Reply, linkType, window: 501, nullBigEndian: nullBigEndian);

        var (result, s, anomalies, decoder) = DecodeOne(f);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal(ipv6 ? "[2001:db8::21]:21" : "198.51.100.20:21", s!.Source);
        Assert.Equal(ipv6 ? "[2001:db8::10]:50124" : "192.0.2.10:50123", s.Destination);
        Assert.Equal(0xFFFF_FFF0u, s.Sequence);
        Assert.Equal(1017u, s.Acknowledgment);
        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, s.Flags);
        Assert.Equal(501, s.Window);
        Assert.Equal(Reply, s.Payload);
        Assert.Equal(Reply.Length, s.PayloadLength);
        Assert.Equal((1L, ipv6 ? 0L : 1L, ipv6 ? 1L : 0L, 1L), (decoder.Frames, decoder.Ipv4, decoder.Ipv6, decoder.Tcp));
    }

    public static TheoryData<int, ushort[]> VlanStacks() => new()
    {
        { (int)LinkType.Ethernet, [0x8100] },
        { (int)LinkType.Ethernet, [0x88A8, 0x8100] },          // QinQ
        { (int)LinkType.Ethernet, [0x9100, 0x88A8, 0x8100] },  // three tags, old QinQ TPID outermost
        { (int)LinkType.LinuxSll, [0x8100] },
        { (int)LinkType.LinuxSll2, [0x88A8, 0x8100] },
    };

    [Theory]
    [MemberData(nameof(VlanStacks))]
    public void VlanTagsOfAnyDepthAreSkipped(int linkType, ushort[] tpids)
    {
        var tags = tpids.Select((t, i) => new VlanTag(t, (ushort)(100 + i))).ToList();
        var f = FrameBuilder.Tcp(S4, C4, 7, 8, TcpFlags.Ack | TcpFlags.Psh, Reply, linkType, tags);

        var (result, s, anomalies, _) = DecodeOne(f);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal("198.51.100.20:21", s!.Source);
        Assert.Equal(Reply, s.Payload);
    }

    [Fact]
    public void Ipv4OptionsAndTcpOptionsAreSkipped()
    {
        byte[] ipOptions = [0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00]; // record route (7 bytes) + end of options
        byte[] tcpOptions = [0x02, 0x04, 0x05, 0xB4, 0x04, 0x02, 0x08, 0x0A, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x03, 0x03, 0x07]; // MSS, SACK-permitted, timestamps, NOP, window scale
        var f = FrameBuilder.Tcp(C4, S4, 100, 200, TcpFlags.Syn, Reply, ipv4Options: ipOptions, tcpOptions: tcpOptions);
        Assert.Equal(0x47, f.Bytes[14]); // IHL 7 words

        var (result, s, anomalies, _) = DecodeOne(f);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal((100u, 200u, TcpFlags.Syn), (s!.Sequence, s.Acknowledgment, s.Flags));
        Assert.Equal(Reply, s.Payload);
    }

    [Fact]
    public void Ipv6ExtensionHeaderChainIsFollowed()
    {
        Ipv6Extension[] chain = [new(0, 8), new(43, 24), new(60, 16), new(51, 12), new(135, 8)];
        var f = FrameBuilder.Tcp(C6, S6, 1, 2, TcpFlags.Ack, Reply, (int)LinkType.Ethernet, ipv6Extensions: chain);

        var (result, s, anomalies, _) = DecodeOne(f);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal("[2001:db8::10]:50124", s!.Source);
        Assert.Equal(Reply, s.Payload);
    }

    [Theory]
    [InlineData((byte)50)] // ESP: the rest is encrypted
    [InlineData((byte)59)] // no next header
    public void Ipv6EspAndNoNextHeaderAreNotTcp(byte next)
    {
        var ip = FrameBuilder.Ip(C6.Address, S6.Address, next, new byte[16], ipv6Extensions: [new(0, 8)]);

        var (result, _, anomalies, decoder) = DecodeOne(FrameBuilder.Wrap((int)LinkType.Raw, ip));

        Assert.Equal(DecodeResult.NotTcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal(1, decoder.OtherProtocols);
    }

    [Fact]
    public void UdpIcmpAndNonIpFramesAreNotTcpAndCounted()
    {
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var udp = FrameBuilder.Wrap(1, FrameBuilder.Ip(C4.Address, S4.Address, 17, new byte[12]));
        var icmp = FrameBuilder.Wrap(1, FrameBuilder.Ip(C4.Address, S4.Address, 1, new byte[8]));
        var arp = FrameBuilder.Wrap(1, new byte[28], etherType: 0x0806);
        var nullOther = new byte[] { 7, 0, 0, 0, 1, 2, 3 }; // AF 7: not IP

        Assert.Equal(DecodeResult.NotTcp, Decode(decoder, udp.LinkType, udp.Bytes).Result);
        Assert.Equal(DecodeResult.NotTcp, Decode(decoder, icmp.LinkType, icmp.Bytes).Result);
        Assert.Equal(DecodeResult.NotTcp, Decode(decoder, arp.LinkType, arp.Bytes).Result);
        Assert.Equal(DecodeResult.NotTcp, Decode(decoder, 0, nullOther).Result);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal((4L, 2L, 1L, 3L, 0L, 0L), (decoder.Frames, decoder.Ipv4, decoder.Udp, decoder.OtherProtocols, decoder.Tcp, decoder.Invalid));
    }

    [Fact]
    public void EthernetPaddingIsTrimmedByTheIpTotalLength()
    {
        var f = FrameBuilder.Tcp(C4, S4, 1, 2, TcpFlags.Ack);
        Assert.Equal(54, f.Bytes.Length);
        byte[] padded = [.. f.Bytes, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE];

        var (result, s, anomalies, _) = DecodeOne(f, data: padded);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Empty(s!.Payload);
        Assert.Equal(0, s.PayloadLength);
    }

    [Fact]
    public void PayloadCutBySnaplenKeepsTheAnnouncedLengthWithoutAnomaly()
    {
        var payload = Enumerable.Range(0, 100).Select(i => (byte)('a' + (i % 26))).ToArray();
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack | TcpFlags.Psh, payload);

        var (result, s, anomalies, _) = DecodeOne(f, originalLength: f.Bytes.Length, data: f.Bytes[..(54 + 10)]);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal(payload[..10], s!.Payload);
        Assert.Equal(100, s.PayloadLength);
    }

    [Theory]
    [InlineData(10, "Ethernet header needs 14 bytes, the frame has 10")]
    [InlineData(14 + 12, "IPv4 header needs 20 bytes, the frame has 12")]
    [InlineData(14 + 20 + 15, "TCP header needs 20 bytes, the frame has 15")]
    public void HeaderCutBySnaplenIsTruncatedFrame(int captured, string detail)
    {
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack, Reply);

        var (result, _, anomalies, decoder) = DecodeOne(f, originalLength: f.Bytes.Length, data: f.Bytes[..captured]);

        Assert.Equal(DecodeResult.Invalid, result);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.TruncatedFrame, 1L, detail), (a.Kind, a.Frame, a.Detail));
        Assert.Equal(1, decoder.Invalid);
    }

    [Fact]
    public void TcpOptionsCutBySnaplenAreTruncatedFrame()
    {
        var f = FrameBuilder.Tcp(C4, S4, 1, 0, TcpFlags.Syn, tcpOptions: [2, 4, 5, 0xB4, 1, 1, 4, 2]);

        var (result, _, anomalies, _) = DecodeOne(f, originalLength: f.Bytes.Length, data: f.Bytes[..(14 + 20 + 24)]);

        Assert.Equal(DecodeResult.Invalid, result);
        Assert.Equal("TCP options needs 28 bytes, the frame has 24", Assert.Single(anomalies.Items).Detail);
    }

    [Fact]
    public void Ipv4TotalLengthBeyondTheFrameIsBadLength()
    {
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack, Reply);
        var data = f.Bytes.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(14 + 2), 500);

        var (result, _, anomalies, _) = DecodeOne(f, data: data);

        Assert.Equal(DecodeResult.Invalid, result);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.BadLength, a.Kind);
        Assert.Equal("IPv4 total length 500 but the frame holds 63 bytes from the IP header on", a.Detail);
    }

    [Fact]
    public void Ipv6PayloadLengthBeyondTheFrameIsBadLength()
    {
        var f = FrameBuilder.Tcp(S6, C6, 1, 2, TcpFlags.Ack, Reply, (int)LinkType.Raw);
        var data = f.Bytes.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(4), 900);

        var (result, _, anomalies, _) = DecodeOne(f, data: data);

        Assert.Equal(DecodeResult.Invalid, result);
        Assert.Equal(AnomalyKind.BadLength, Assert.Single(anomalies.Items).Kind);
    }

    [Theory]
    [InlineData(0x45, 10, "IPv4 total length 10 is below the header length 20")]
    [InlineData(0x44, -1, "IPv4 header length 16 is below 20")]
    [InlineData(0x55, -1, "IPv4 header with version 5")]
    public void ImpossibleIpv4FieldsAreMalformedHeader(byte versionIhl, int totalLength, string detail)
    {
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack, Reply);
        var data = f.Bytes.ToArray();
        data[14] = versionIhl;
        if (totalLength >= 0) BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(14 + 2), (ushort)totalLength);

        var (result, _, anomalies, _) = DecodeOne(f, data: data);

        Assert.Equal(DecodeResult.Invalid, result);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.MalformedHeader, detail), (a.Kind, a.Detail));
    }

    [Fact]
    public void TcpDataOffsetBelowFiveIsMalformedHeader()
    {
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack, Reply);
        var data = f.Bytes.ToArray();
        data[14 + 20 + 12] = 0x40;

        var (result, _, anomalies, _) = DecodeOne(f, data: data);

        Assert.Equal(DecodeResult.Invalid, result);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.MalformedHeader, "TCP data offset 16 is below 20"), (a.Kind, a.Detail));
    }

    [Fact]
    public void Ipv4TotalLengthZeroIsTakenAsSegmentationOffload()
    {
        var big = Enumerable.Repeat((byte)'x', 3000).ToArray();
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack, big);
        var data = f.Bytes.ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(14 + 2), 0);

        var (result, s, anomalies, _) = DecodeOne(f, data: data);

        Assert.Equal(DecodeResult.Tcp, result);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal(3000, s!.PayloadLength);
        Assert.Equal(big, s.Payload);
    }

    [Fact]
    public void UnknownLinkTypeIsReportedOncePerValueAndCountedEveryFrame()
    {
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        for (int i = 1; i <= 3; i++) Assert.Equal(DecodeResult.Invalid, Decode(decoder, 147, [1, 2, 3], number: i).Result);
        Assert.Equal(DecodeResult.Invalid, Decode(decoder, 105, [1, 2, 3], number: 4).Result);

        Assert.Equal([(AnomalyKind.UnknownLinkType, 1L), (AnomalyKind.UnknownLinkType, 4L)], anomalies.Items.Select(a => (a.Kind, a.Frame)));
        Assert.StartsWith("link type 147 is not decoded", anomalies.Items[0].Detail, StringComparison.Ordinal);
        Assert.Equal((4L, 4L), (decoder.UnknownLinkTypeFrames, decoder.Invalid));
    }

    [Fact]
    public void RawIpWithAnotherVersionIsMalformed()
    {
        var (result, _, anomalies, _) = DecodeOne(new BuiltFrame((int)LinkType.Raw, [0x50, 0, 0, 0]));

        Assert.Equal(DecodeResult.Invalid, result);
        Assert.Equal("raw IP packet with version 5", Assert.Single(anomalies.Items).Detail);
    }

    [Fact]
    public void DecodingAllocatesNothingPerPacket()
    {
        var f = FrameBuilder.Tcp(S4, C4, 1, 2, TcpFlags.Ack | TcpFlags.Psh, Reply, (int)LinkType.Ethernet, [VlanTag.Dot1Q(5)]);
        var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        var frame = new CaptureFrame(1, 1, f.LinkType, f.Bytes.Length, f.Bytes);
        for (int i = 0; i < 100; i++) decoder.Decode(frame, out _);

        const int Packets = 20_000;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int payload = 0;
        for (int i = 0; i < Packets; i++)
        {
            decoder.Decode(frame, out var s);
            payload += s.Payload.Length;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(Packets * Reply.Length, payload);
        // Fewer bytes than packets: nothing is allocated per packet (the runtime's JIT may allocate a little once).
        Assert.True(allocated < Packets, $"{allocated} bytes allocated for {Packets} packets");
    }
}
