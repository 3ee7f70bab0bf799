using System.Net;
using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Decoding;

public sealed class Ipv4DefragmenterTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 50123);
    private static readonly IPEndPoint Server = new(IPAddress.Parse("198.51.100.20"), 21);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::10"), 50124);
    private static readonly IPEndPoint Server6 = new(IPAddress.Parse("2001:db8::21"), 21);

    /// <summary>A multi-line FTP reply of 133 bytes: with the 20-byte TCP header, 153 bytes of IP payload.</summary>
    private static readonly byte[] FtpReply = Encoding.ASCII.GetBytes(
        "230-Welcome to the FtpTrace test server.\r\n230-Fragments must come back whole.\r\n230-Third line of the banner.\r\n230 Login successful.\r\n");

    private static byte[] ReplyPacket(ushort id = 4242) =>
        FrameBuilder.IpTcp(Server, Client, 777, 1017, TcpFlags.Psh | TcpFlags.Ack, FtpReply, ipId: id);

    private static (List<DecodeResult> Results, DecodedSegment? Segment) Feed(PacketDecoder decoder, IEnumerable<byte[]> ipPackets,
        long startNs = 1_000_000_000, long stepNs = 1_000_000, int linkType = (int)LinkType.Ethernet)
    {
        var results = new List<DecodeResult>();
        DecodedSegment? segment = null;
        long t = startNs;
        long n = 1;
        foreach (var p in ipPackets)
        {
            var f = FrameBuilder.Wrap(linkType, p);
            var (r, s) = PacketDecoderTests.Decode(decoder, f.LinkType, f.Bytes, number: n++, timeNs: t);
            t += stepNs;
            results.Add(r);
            if (s is not null) segment = s;
        }
        return (results, segment);
    }

    private static void AssertWholeReply(DecodedSegment? s)
    {
        Assert.NotNull(s);
        Assert.Equal("198.51.100.20:21", s.Source);
        Assert.Equal("192.0.2.10:50123", s.Destination);
        Assert.Equal((777u, 1017u), (s.Sequence, s.Acknowledgment));
        Assert.Equal(FtpReply, s.Payload);
        Assert.Equal(FtpReply.Length, s.PayloadLength);
    }

    [Theory]
    [InlineData("in order")]
    [InlineData("reversed")]
    [InlineData("shuffled")]
    public void FragmentedFtpReplyComesOutAsOneSegmentInAnyOrder(string order)
    {
        var fragments = FrameBuilder.FragmentIpv4(ReplyPacket(), 48);
        Assert.Equal(4, fragments.Count); // 153 bytes of IP payload: 48 + 48 + 48 + 9
        var ordered = order switch
        {
            "reversed" => fragments.AsEnumerable().Reverse().ToList(),
            "shuffled" => [fragments[2], fragments[0], fragments[3], fragments[1]],
            _ => fragments,
        };
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, segment) = Feed(decoder, ordered);

        Assert.Equal([DecodeResult.FragmentHeld, DecodeResult.FragmentHeld, DecodeResult.FragmentHeld, DecodeResult.Tcp], results);
        AssertWholeReply(segment);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal((4L, 1L, 1L, 4L), (decoder.Fragments, decoder.Reassembled, decoder.Tcp, decoder.Ipv4));
        Assert.Equal((0, 0L), (decoder.Defragmenter.PendingDatagrams, decoder.Defragmenter.BytesHeld));
    }

    [Fact]
    public void DuplicateFragmentsAreSilentAndTheDatagramCompletesOnce()
    {
        var f = FrameBuilder.FragmentIpv4(ReplyPacket(), 64);
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, segment) = Feed(decoder, [f[0], f[0], f[1], f[1], f[2]]);

        Assert.Equal([DecodeResult.FragmentHeld, DecodeResult.FragmentHeld, DecodeResult.FragmentHeld, DecodeResult.FragmentHeld, DecodeResult.Tcp], results);
        AssertWholeReply(segment);
        Assert.Equal(0, anomalies.Total);
    }

    [Fact]
    public void OverlappingFragmentWithDifferentBytesIsReportedAndTheFirstBytesWin()
    {
        var packet = ReplyPacket();
        var f = FrameBuilder.FragmentIpv4(packet, 64);
        // A rogue fragment covering bytes 56..87 (end of the first, start of the second) with 'X's.
        var rogue = FrameBuilder.Ipv4Fragment(packet, 56, more: true, Enumerable.Repeat((byte)'X', 32).ToArray());
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, segment) = Feed(decoder, [f[0], rogue, f[1], f[2]]);

        Assert.Equal(DecodeResult.Tcp, results[^1]);
        // Bytes 56..63 came first from f[0]; bytes 64..87 came first from the rogue fragment.
        var expected = packet[20..].ToArray();
        for (int i = 64; i < 88; i++) expected[i] = (byte)'X';
        Assert.Equal(expected[20..], segment!.Payload);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.FragmentOverlap, a.Kind);
        Assert.Equal(2, a.Frame); // reported on the rogue fragment: bytes 56-64 differ from f[0]
        Assert.Contains("bytes 56-64 differ", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFragmentTimesOutAndReportsTheBytesLost()
    {
        var f = FrameBuilder.FragmentIpv4(ReplyPacket(), 64); // 64 + 64 + 25
        var anomalies = new AnomalyCollector();
        var limits = FtpTraceLimits.Default with { FragmentTimeoutNs = 30_000_000_000 };
        var decoder = new PacketDecoder(limits, anomalies);

        Feed(decoder, [f[0], f[2]], startNs: 1_000_000_000);
        Assert.Equal(1, decoder.Defragmenter.PendingDatagrams);
        var later = FrameBuilder.Tcp(Client, Server, 1, 1, TcpFlags.Ack);
        PacketDecoderTests.Decode(decoder, later.LinkType, later.Bytes, number: 3, timeNs: 31_000_000_001);

        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.FragmentTimeout, 1L), (a.Kind, a.Frame));
        Assert.Equal("incomplete IPv4 datagram 198.51.100.20 -> 192.0.2.10 id 4242 protocol 6 dropped (waited 30000 ms, more than the 30000 ms timeout): 89 bytes in 2 fragments lost", a.Detail);
        Assert.Equal((0, 0L), (decoder.Defragmenter.PendingDatagrams, decoder.Defragmenter.BytesHeld));
    }

    [Fact]
    public void IncompleteDatagramsAreReportedWhenTheCaptureEnds()
    {
        var f = FrameBuilder.FragmentIpv4(ReplyPacket(), 64);
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        Feed(decoder, [f[1]]);
        decoder.Flush(2_000_000_000);

        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.FragmentTimeout, a.Kind);
        Assert.Contains("the capture ended", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void DatagramLimitEvictsTheOldest()
    {
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default with { MaxFragmentedDatagrams = 2 }, anomalies);
        var a = FrameBuilder.FragmentIpv4(ReplyPacket(1), 64);
        var b = FrameBuilder.FragmentIpv4(ReplyPacket(2), 64);
        var c = FrameBuilder.FragmentIpv4(ReplyPacket(3), 64);

        var (results, segment) = Feed(decoder, [a[0], b[0], c[0], a[1], a[2], c[1], c[2]]);

        // Datagram 1 is evicted when datagram 3 arrives; its later fragments start a new datagram 1,
        // which evicts datagram 2 (then the oldest). Datagram 3 completes; the new datagram 1 never does.
        Assert.Equal([(AnomalyKind.FragmentLimit, 1L), (AnomalyKind.FragmentLimit, 2L)], anomalies.Items.Select(x => (x.Kind, x.Frame)));
        Assert.Contains("id 1 ", anomalies.Items[0].Detail, StringComparison.Ordinal);
        Assert.Contains("id 2 ", anomalies.Items[1].Detail, StringComparison.Ordinal);
        Assert.Equal(1, decoder.Defragmenter.PendingDatagrams);
        Assert.Equal(DecodeResult.Tcp, results[^1]);
        AssertWholeReply(segment);
        Assert.Equal(1, decoder.Reassembled);
    }

    [Fact]
    public void ByteLimitEvictsTheOldestDatagram()
    {
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default with { MaxFragmentBytes = 200 }, anomalies);
        var a = FrameBuilder.FragmentIpv4(ReplyPacket(1), 64);
        var b = FrameBuilder.FragmentIpv4(ReplyPacket(2), 64);

        // a holds 128 bytes; b's second fragment would make 128 + 128 > 200: a is dropped.
        var (results, segment) = Feed(decoder, [a[0], a[1], b[0], b[1], b[2]]);

        var limit = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.FragmentLimit, limit.Kind);
        Assert.Contains("id 1 ", limit.Detail, StringComparison.Ordinal);
        Assert.Contains("128 bytes in 2 fragments lost", limit.Detail, StringComparison.Ordinal);
        AssertWholeReply(segment);
        Assert.Equal(DecodeResult.Tcp, results[^1]);
    }

    [Fact]
    public void FragmentEndingPast65535IsDropped()
    {
        var packet = ReplyPacket();
        var bad = FrameBuilder.Ipv4Fragment(packet, 65528, more: false, new byte[16]);
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, _) = Feed(decoder, [bad]);

        Assert.Equal([DecodeResult.Invalid], results);
        Assert.Equal(AnomalyKind.FragmentOverlap, Assert.Single(anomalies.Items).Kind);
    }

    [Fact]
    public void ConflictingLastFragmentsAreReported()
    {
        var packet = ReplyPacket();
        var f = FrameBuilder.FragmentIpv4(packet, 64);
        var otherLast = FrameBuilder.Ipv4Fragment(packet, 128, more: false, new byte[8]);
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, segment) = Feed(decoder, [f[2], otherLast, f[0], f[1]]);

        Assert.Equal(DecodeResult.Tcp, results[^1]);
        AssertWholeReply(segment);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.FragmentOverlap, a.Kind);
        Assert.Contains("second last fragment", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Ipv6FragmentsAreReassembledToo()
    {
        var packet = FrameBuilder.IpTcp(Server6, Client6, 777, 1017, TcpFlags.Psh | TcpFlags.Ack, FtpReply);
        var fragments = FrameBuilder.FragmentIpv6(packet, 56, identification: 0xABCDEF);
        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);

        var (results, segment) = Feed(decoder, fragments.AsEnumerable().Reverse(), linkType: (int)LinkType.LinuxSll2);

        Assert.Equal(DecodeResult.Tcp, results[^1]);
        Assert.Equal(0, anomalies.Total);
        Assert.Equal("[2001:db8::21]:21", segment!.Source);
        Assert.Equal(FtpReply, segment.Payload);
        Assert.Equal((3L, 1L), (decoder.Fragments, decoder.Reassembled));
    }

    [Fact]
    public void AtomicIpv6FragmentIsDecodedDirectly()
    {
        var packet = FrameBuilder.IpTcp(Server6, Client6, 1, 2, TcpFlags.Ack, FtpReply);
        var atomic = FrameBuilder.FragmentIpv6(packet, 4096, identification: 7);
        Assert.Single(atomic);

        var anomalies = new AnomalyCollector();
        var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);
        var (results, segment) = Feed(decoder, atomic);

        Assert.Equal([DecodeResult.Tcp], results);
        Assert.Equal(FtpReply, segment!.Payload);
        Assert.Equal(0, decoder.Fragments);
    }
}
