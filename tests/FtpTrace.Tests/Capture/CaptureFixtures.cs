using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Tests.TestSupport;
using static FtpTrace.Tests.Capture.CaptureTestData;

namespace FtpTrace.Tests.Capture;

/// <summary>
/// The generator of the crafted captures committed in tests/FtpTrace.Tests/Fixtures/Captures.
/// <see cref="CaptureFixturesTests"/> checks the committed bytes against it, or rewrites them
/// (and the folder's README.md) when FTPTRACE_REGENERATE_FIXTURES=1.
/// </summary>
internal static class CaptureFixtures
{
    public sealed record Entry(string Name, string Description, byte[] Bytes);

    public static string Folder => Fixture.Path("Captures");

    public static IReadOnlyList<Entry> All() =>
    [
        new("ftp_ethernet_us_le.pcap",
            "pcap, microseconds, little-endian, Ethernet: IPv4 FTP handshake, greeting, USER, 331.",
            CaptureWriter.Pcap(Crafted(FtpExchange()))),
        new("ftp_raw_ipv6_ns_be.pcap",
            "pcap, nanoseconds, big-endian, raw IP (101): the same exchange over IPv6.",
            CaptureWriter.Pcap(Crafted(FtpExchange((int)LinkType.Raw, ipv6: true)), nanoseconds: true, bigEndian: true)),
        new("ftp_two_sections_mixed_linktypes.pcapng",
            "pcapng, section 1 little-endian (Ethernet ns + Linux SLL µs), section 2 big-endian (NULL 2^-20 s + LOOP ms with if_tsoffset); libpcap refuses it.",
            TwoSections()),
        new("ftp_sll2.pcap",
            "pcap, microseconds, Linux cooked capture v2 (276): the IPv4 exchange.",
            CaptureWriter.Pcap(Crafted(FtpExchange((int)LinkType.LinuxSll2)))),
        new("ftp_null_loopback.pcap",
            "pcap, microseconds, BSD NULL (0) with little-endian address families: IPv4 then IPv6 exchange.",
            CaptureWriter.Pcap(Crafted([.. FtpExchange((int)LinkType.Null), .. FtpExchange((int)LinkType.Null, ipv6: true)]))),
        new("ftp_vlan_qinq.pcap",
            "pcap, nanoseconds, Ethernet with 802.1ad + 802.1Q tags (QinQ): the IPv4 exchange.",
            CaptureWriter.Pcap(Crafted(FtpExchange(vlanTags: [VlanTag.Dot1Ad(100), VlanTag.Dot1Q(200)])), nanoseconds: true)),
        new("ftp_fragments_snaplen.pcapng",
            "pcapng, Ethernet, snaplen 96: a 331 reply in three IPv4 fragments (out of order) and a RETR reply cut by the snapshot length.",
            FragmentsAndSnaplen()),
    ];

    private static byte[] TwoSections()
    {
        var eth = FtpExchange();
        var sll = FtpExchange((int)LinkType.LinuxSll);
        var nul = FtpExchange((int)LinkType.Null, ipv6: true);
        var loop = FtpExchange((int)LinkType.Loop);
        return new PcapngBuilder()
            .Section()
            .Interface((int)LinkType.Ethernet, tsresol: 9)
            .Interface((int)LinkType.LinuxSll)
            .Packet(0, eth[0].At(BaseNs))
            .Packet(1, sll[1].At(BaseNs + 1_000_000))
            .Packet(0, eth[2].At(BaseNs + 2_000_000))
            .Section(bigEndian: true)
            .Interface((int)LinkType.Null, tsresol: 0x80 | 20)
            .Interface((int)LinkType.Loop, tsresol: 3, tsOffsetSeconds: 1_700_000_000)
            .Packet(0, nul[3].At(1_704_164_646_000_000_000L + (1_953_125L * 5)))
            .Packet(1, loop[4].At(1_704_164_646_250_000_000L))
            .Packet(0, nul[5].At(1_704_164_646_500_000_000L))
            .ToArray();
    }

    private static byte[] FragmentsAndSnaplen()
    {
        var exchange = FtpExchange();
        var reply = FrameBuilder.IpTcp(Server, Client, 5033, 1017, TcpFlags.Psh | TcpFlags.Ack,
            Encoding.ASCII.GetBytes("331-Please specify the password.\r\n331-(fragmented on purpose)\r\n331 Go on.\r\n"), ipId: 77);
        var fragments = FrameBuilder.FragmentIpv4(reply, 32).Select(p => FrameBuilder.Wrap((int)LinkType.Ethernet, p)).ToList();
        var data = Enumerable.Range(0, 400).Select(i => (byte)('A' + (i % 26))).ToArray();
        var cut = FrameBuilder.Tcp(Server, Client, 5106, 1017, TcpFlags.Ack, data);
        var b = new PcapngBuilder().Section().Interface((int)LinkType.Ethernet, tsresol: 9, snaplen: 96);
        long t = BaseNs;
        foreach (var f in exchange.Take(5)) b.Packet(0, f.At(t += 1_000_000));
        b.Packet(0, fragments[1].At(t += 1_000));
        b.Packet(0, fragments[0].At(t += 1_000));
        foreach (var f in fragments.Skip(2)) b.Packet(0, f.At(t += 1_000, snaplen: 96));
        b.Packet(0, cut.At(t + 1_000_000, snaplen: 96));
        return b.ToArray();
    }
}
