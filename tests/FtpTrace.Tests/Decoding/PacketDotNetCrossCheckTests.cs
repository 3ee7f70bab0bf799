using System.Net;
using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.Capture;
using FtpTrace.Tests.TestSupport;
using PacketDotNet;
using TcpFlags = FtpTrace.Decoding.TcpFlags;

namespace FtpTrace.Tests.Decoding;

/// <summary>
/// <see cref="PacketDecoder"/> against PacketDotNet (the reference dissector): same endpoints,
/// sequence and acknowledgment numbers, flags and payload for every frame.
/// </summary>
/// <remarks>
/// PacketDotNet 1.4.8 parses Ethernet (with 802.1Q/QinQ), Linux SLL, SLL2, raw IP 101 and 12 and
/// little-endian NULL. It throws NotImplementedException for raw IP 14, 228, 229, LOOP (108) and
/// big-endian NULL: for those the reference is given the IP bytes behind the link header as raw IP
/// (101), so the IP and TCP decoding is still cross-checked. Not compared: fragments (PacketDotNet
/// does not reassemble; the reassembled segment is checked in <see cref="Ipv4DefragmenterTests"/>),
/// frames cut by the snapshot length (PacketDotNet throws ArgumentException on them), and TCP behind
/// IPv6 extension headers longer than 8 bytes (PacketDotNet 1.4.8 ignores their length field and
/// reads garbage ports; checked in <see cref="PacketDecoderTests.Ipv6ExtensionHeaderChainIsFollowed"/>).
/// </remarks>
public sealed class PacketDotNetCrossCheckTests
{
    private static readonly IPEndPoint C4 = new(IPAddress.Parse("10.1.2.3"), 40000);
    private static readonly IPEndPoint S4 = new(IPAddress.Parse("10.9.8.7"), 21);
    private static readonly IPEndPoint C6 = new(IPAddress.Parse("fe80::1"), 40001);
    private static readonly IPEndPoint S6 = new(IPAddress.Parse("fe80::2"), 21);

    private static IEnumerable<BuiltFrame> BuiltFrames()
    {
        var payload = Encoding.ASCII.GetBytes("227 Entering Passive Mode (10,9,8,7,195,80).\r\n");
        int[] linkTypes = [1, 113, 276, 101, 12, 14, 0, 108];
        foreach (int lt in linkTypes)
        {
            yield return FrameBuilder.Tcp(S4, C4, 123456, 654321, TcpFlags.Psh | TcpFlags.Ack, payload, lt);
            yield return FrameBuilder.Tcp(C6, S6, 1, 0, TcpFlags.Syn, null, lt, tcpOptions: [2, 4, 5, 0xA0, 4, 2, 1, 1]);
            yield return FrameBuilder.Tcp(S4, C4, 99, 100, TcpFlags.Fin | TcpFlags.Ack, payload, lt, ipv4Options: [1, 1, 1, 0]);
        }
        yield return FrameBuilder.Tcp(S4, C4, 7, 8, TcpFlags.Rst, null, (int)LinkType.Ipv4);
        yield return FrameBuilder.Tcp(S6, C6, 7, 8, TcpFlags.Ack | TcpFlags.Urg | TcpFlags.Ece | TcpFlags.Cwr, payload, (int)LinkType.Ipv6);
        yield return FrameBuilder.Tcp(S6, C6, 7, 8, TcpFlags.Ack, payload, (int)LinkType.Null, nullBigEndian: true);
        yield return FrameBuilder.Tcp(S4, C4, 7, 8, TcpFlags.Ack, payload, 1, [VlanTag.Dot1Q(10)]);
        yield return FrameBuilder.Tcp(S4, C4, 7, 8, TcpFlags.Ack, payload, 1, [VlanTag.Dot1Ad(10), VlanTag.Dot1Q(20)]);
        yield return FrameBuilder.Tcp(S6, C6, 7, 8, TcpFlags.Ack, payload, 1, ipv6Extensions: [new(0, 8), new(60, 8), new(43, 8)]);
        yield return FrameBuilder.Wrap(1, FrameBuilder.Ip(S4.Address, C4.Address, 17, new byte[16]));
    }

    [Fact]
    public void EveryBuiltFrameDecodesLikePacketDotNet()
    {
        var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        int compared = 0;
        foreach (var f in BuiltFrames())
        {
            Compare(decoder, f.LinkType, f.Bytes, f.Bytes.Length, $"built frame, link type {f.LinkType}");
            compared++;
        }
        Assert.Equal(decoder.Frames, compared);
        Assert.Equal(0, decoder.Invalid);
    }

    [Fact]
    public void EveryFrameOfEveryCaptureInTheRepositoryDecodesLikePacketDotNet()
    {
        var files = Fixture.AllCaptures().ToList();
        Assert.NotEmpty(files);
        foreach (var path in files)
        {
            var anomalies = new AnomalyCollector();
            using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, anomalies);
            var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);
            foreach (var frame in CaptureTestData.ReadAll(reader))
                Compare(decoder, frame.LinkType, frame.Data, frame.OriginalLength, $"{Path.GetFileName(path)} frame {frame.Number}");
        }
    }

    private static void Compare(PacketDecoder decoder, int linkType, byte[] data, int originalLength, string what)
    {
        long reassembledBefore = decoder.Reassembled;
        var (result, ours) = PacketDecoderTests.Decode(decoder, linkType, data, originalLength);
        if (result is DecodeResult.FragmentHeld or DecodeResult.Invalid || decoder.Reassembled != reassembledBefore) return;
        if (originalLength > data.Length) return; // snaplen-cut: PacketDotNet cannot parse it

        var reference = ReferenceTcp(linkType, data);
        if (result == DecodeResult.NotTcp)
        {
            Assert.True(reference is null, $"{what}: PacketDotNet found TCP where PacketDecoder found none");
            return;
        }
        Assert.True(reference is not null, $"{what}: PacketDecoder found TCP, PacketDotNet did not");
        var ip = (IPPacket)reference.ParentPacket;
        var source = new Endpoint(IpAddress.FromIPAddress(ip.SourceAddress), reference.SourcePort).ToString();
        var destination = new Endpoint(IpAddress.FromIPAddress(ip.DestinationAddress), reference.DestinationPort).ToString();
        Assert.True(source == ours!.Source, $"{what}: source {ours.Source} vs {source}");
        Assert.True(destination == ours.Destination, $"{what}: destination {ours.Destination} vs {destination}");
        Assert.True(reference.SequenceNumber == ours.Sequence, $"{what}: seq");
        Assert.True(reference.AcknowledgmentNumber == ours.Acknowledgment, $"{what}: ack");
        Assert.True((TcpFlags)(reference.Flags & 0xFF) == ours.Flags, $"{what}: flags {ours.Flags} vs {(TcpFlags)(reference.Flags & 0xFF)}");
        Assert.True(reference.WindowSize == ours.Window, $"{what}: window");
        var referencePayload = reference.PayloadData ?? [];
        Assert.True(referencePayload.AsSpan().SequenceEqual(ours.Payload), $"{what}: payload {ours.Payload.Length} bytes vs {referencePayload.Length}");
    }

    private static TcpPacket? ReferenceTcp(int linkType, byte[] data)
    {
        (LinkLayers layer, byte[] bytes) = linkType switch
        {
            (int)LinkType.Ipv4 or (int)LinkType.Ipv6 or (int)LinkType.RawBsd14 => (LinkLayers.Raw, data),
            (int)LinkType.Loop => (LinkLayers.Raw, data[4..]),
            (int)LinkType.Null when data[0] == 0 => (LinkLayers.Raw, data[4..]), // big-endian family
            _ => ((LinkLayers)linkType, data),
        };
        return Packet.ParsePacket(layer, bytes).Extract<TcpPacket>();
    }
}
