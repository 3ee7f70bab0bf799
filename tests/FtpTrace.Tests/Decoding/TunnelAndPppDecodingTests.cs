using System.Net;
using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Decoding;

/// <summary>FTP carried over PPP, PPPoE and MPLS: the TCP segment inside comes out whole.</summary>
public sealed class TunnelAndPppDecodingTests
{
    private static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 50123);
    private static readonly IPEndPoint Server = new(IPAddress.Parse("198.51.100.20"), 21);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::10"), 50124);
    private static readonly IPEndPoint Server6 = new(IPAddress.Parse("2001:db8::21"), 21);
    private static readonly byte[] Reply = Encoding.ASCII.GetBytes("230 Login successful.\r\n");

    private static byte[] Ip4 => FrameBuilder.IpTcp(Server, Client, 5001, 1001, TcpFlags.Ack | TcpFlags.Psh, Reply);
    private static byte[] Ip6 => FrameBuilder.IpTcp(Server6, Client6, 5001, 1001, TcpFlags.Ack | TcpFlags.Psh, Reply);

    private static readonly byte[] Macs = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];

    private static byte[] Pppoe(ushort pppProtocol, byte[] ip) =>
        [0x11, 0x00, 0x12, 0x34, (byte)((ip.Length + 2) >> 8), (byte)(ip.Length + 2), (byte)(pppProtocol >> 8), (byte)pppProtocol, .. ip];

    public static TheoryData<string, int, byte[], string> Frames() => new()
    {
        { "Ethernet + PPPoE + IPv4", (int)LinkType.Ethernet, [.. Macs, 0x88, 0x64, .. Pppoe(0x0021, Ip4)], "198.51.100.20:21" },
        { "Ethernet + PPPoE + IPv6", (int)LinkType.Ethernet, [.. Macs, 0x88, 0x64, .. Pppoe(0x0057, Ip6)], "[2001:db8::21]:21" },
        { "Ethernet + 802.1Q + PPPoE", (int)LinkType.Ethernet, [.. Macs, 0x81, 0x00, 0x00, 0x07, 0x88, 0x64, .. Pppoe(0x0021, Ip4)], "198.51.100.20:21" },
        { "Ethernet + two MPLS labels + IPv4", (int)LinkType.Ethernet, [.. Macs, 0x88, 0x47, 0x00, 0x01, 0x00, 0x40, 0x00, 0x02, 0x01, 0x40, .. Ip4], "198.51.100.20:21" },
        { "Ethernet + MPLS + IPv6", (int)LinkType.Ethernet, [.. Macs, 0x88, 0x47, 0x00, 0x01, 0x01, 0x40, .. Ip6], "[2001:db8::21]:21" },
        { "PPP with address and control", (int)LinkType.Ppp, [0xFF, 0x03, 0x00, 0x21, .. Ip4], "198.51.100.20:21" },
        { "PPP with a compressed protocol field", (int)LinkType.Ppp, [0x21, .. Ip4], "198.51.100.20:21" },
        { "PPP in HDLC framing, IPv6", (int)LinkType.PppSerial, [0xFF, 0x03, 0x00, 0x57, .. Ip6], "[2001:db8::21]:21" },
        { "PPPoE without Ethernet", (int)LinkType.PppEther, Pppoe(0x0021, Ip4), "198.51.100.20:21" },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void TheSegmentInsideComesOutWhole(string name, int linkType, byte[] frame, string source)
    {
        var anomalies = new AnomalyCollector();
        using var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);
        var (result, segment) = PacketDecoderTests.Decode(decoder, linkType, frame);
        Assert.True(result == DecodeResult.Tcp, name);
        Assert.Equal(source, segment!.Source);
        Assert.Equal(5001u, segment.Sequence);
        Assert.Equal(Reply, segment.Payload);
        Assert.Empty(anomalies.Items);
    }

    [Theory]
    [InlineData((int)LinkType.Ppp, new byte[] { 0xFF, 0x03, 0xC0, 0x21, 1, 2, 3, 4 })]   // LCP: not IP
    [InlineData((int)LinkType.Ethernet, new byte[] { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x63, 0x11, 0x09, 0, 0, 0, 0 })] // PPPoE discovery
    public void ControlTrafficIsNotTcp(int linkType, byte[] frame)
    {
        using var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        Assert.Equal(DecodeResult.NotTcp, PacketDecoderTests.Decode(decoder, linkType, frame).Result);
    }

    [Theory]
    [InlineData((int)LinkType.Ethernet, new byte[] { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x64, 0x11, 0x00 })]      // PPPoE cut
    [InlineData((int)LinkType.Ethernet, new byte[] { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0x47, 0x00, 0x01, 0x00, 0x40 })] // no bottom label
    [InlineData((int)LinkType.Ppp, new byte[] { 0xFF, 0x03 })]
    public void CutHeadersAreTruncatedFrames(int linkType, byte[] frame)
    {
        var anomalies = new AnomalyCollector();
        using var decoder = new PacketDecoder(FtpTraceLimits.Default, anomalies);
        Assert.Equal(DecodeResult.Invalid, PacketDecoderTests.Decode(decoder, linkType, frame).Result);
        Assert.Equal(AnomalyKind.TruncatedFrame, Assert.Single(anomalies.Items).Kind);
    }
}
