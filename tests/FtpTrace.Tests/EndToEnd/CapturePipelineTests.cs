using System.Text;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.EndToEnd;

/// <summary>
/// Crafted capture FILES through reader, decoder, flow table and reassembly: for each case the byte
/// streams each direction must deliver are written beside it.
/// </summary>
public sealed class CapturePipelineTests
{
    private const string Greeting = "220 FtpTrace test server ready\r\n";
    private const string Feat = "211-Features:\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n211 End\r\n";

    private static byte[] L1(string s) => Encoding.Latin1.GetBytes(s);

    [Fact]
    public void MultiLineReplyInSevenSegmentsArrivesWholeAndInOrder()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server(Greeting);
        b.Client("FEAT\r\n");
        var pieces = b.Server(Feat, 3, 15, 22, 29, 40, 52);
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        var c = run.Single;
        Assert.Equal("FEAT\r\n", c.ClientToServer.Text);
        Assert.Equal(Greeting + Feat, c.ServerToClient.Text);
        Assert.Equal(7, pieces.Count);
        Assert.Equal(pieces.Select(p => p.Frame), c.ServerToClient.Deliveries.Skip(1).Select(d => d.Frame));
        Assert.Empty(c.ServerToClient.Gaps);
        Assert.Equal(CloseReason.Fin, c.ClosedBy);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void OutOfOrderSegmentsAreDeliveredInStreamOrder()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server(Greeting);
        b.Client("FEAT\r\n");
        var pieces = b.Server(Feat, 20, 40);
        b.Reorder(pieces, 2, 0, 1); // file order: third, first, second
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        var s2c = run.Single.ServerToClient;
        Assert.Equal(Greeting + Feat, s2c.Text);
        Assert.Empty(s2c.Gaps);
        // The first piece is delivered at once, then the second releases the buffered third.
        Assert.Equal([(Greeting.Length, 20, pieces[0].Frame), (Greeting.Length + 20, 20, pieces[1].Frame), (Greeting.Length + 40, Feat.Length - 40, pieces[2].Frame)],
            s2c.Deliveries.Skip(1));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void RetransmittedSegmentsAreDeliveredOnce()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        var greeting = b.Server(Greeting);
        b.Client("USER bob\r\n");
        b.Retransmit(greeting[0]);                 // after it was delivered
        var reply = b.Server("331 Password required\r\n", 10);
        b.Retransmit(reply[1]);
        b.Retransmit(reply[0]);
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(Greeting + "331 Password required\r\n", run.Single.ServerToClient.Text);
        Assert.Equal("USER bob\r\n", run.Single.ClientToServer.Text);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void OverlappingSegmentsWithTheSameBytesDeliverEachByteOnce()
    {
        const string reply = "257 \"/home/bob\" is the current directory\r\n";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Client("PWD\r\n");
        var pieces = b.Server(reply, 10, 30);
        int start = (int)pieces[0].StreamOffset;
        // Straddles the first and second piece, sent before the second: buffered ahead, then overlapped.
        var overlap = b.At(Side.Server, start + 5, reply[5..25]);
        b.Segments.Remove(overlap);
        b.Segments.Insert(b.Segments.IndexOf(pieces[1]), overlap);
        b.At(Side.Server, start + 25, reply[25..35]); // overlaps the end of the second and start of the third
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(reply, run.Single.ServerToClient.Text);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void RetransmissionWithDifferentBytesIsAConflictAndTheFirstBytesAreKept()
    {
        const string first = "230 User bob logged in\r\n";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Client("PASS secret\r\n");
        var reply = b.Server(first);
        var forged = b.Retransmit(reply[0], L1("530 Login incorrect!!\r\n"));
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(first, run.Single.ServerToClient.Text);
        var conflict = Assert.Single(run.Of(AnomalyKind.ConflictingOverlap));
        Assert.Equal(forged.Frame, conflict.Frame);
        Assert.Contains("stream offset 0", conflict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void OverlapWithDifferentBytesOnBufferedDataKeepsTheBytesReceivedFirst()
    {
        // Stream: "AAAA" "BBBB" "CCCC"; CCCC arrives first (buffered), then "XXXXXXXX" for BBBB+CCCC: the
        // hole BBBB is filled by the X bytes, the CCCC bytes win where they were already held.
        var b = TcpConversationBuilder.Ipv4(serverPort: 21).Handshake();
        var pieces = b.Server("AAAABBBBCCCC", 4, 8);
        pieces[1].Dropped = true;
        var overlap = b.At(Side.Server, 4, "XXXXXXXX");
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal("AAAAXXXXCCCC", run.Single.ServerToClient.Text);
        Assert.Empty(run.Single.ServerToClient.Gaps);
        var conflict = Assert.Single(run.Of(AnomalyKind.ConflictingOverlap));
        Assert.Equal(overlap.Frame, conflict.Frame);
        Assert.Contains("stream offset 8", conflict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void SequenceNumbersWrappingPast2To32KeepTheStreamWhole()
    {
        // Server data starts at 0xFFFFFF01: 255 bytes before the wrap; the second reply crosses it.
        var b = TcpConversationBuilder.Ipv4(clientIsn: 0xFFFFFFF0, serverIsn: 0xFFFFFF00).Handshake();
        string banner = "220-" + new string('w', 150) + "\r\n220 ready\r\n";
        b.Server(banner);
        b.Client("HELP\r\n");                       // client data crosses 2^32 too (16 bytes before)
        b.Client("SITE HELP\r\n");
        string help = "214-" + string.Concat(Enumerable.Range(0, 20).Select(i => $" command{i:D2}\r\n")) + "214 end\r\n";
        var helpPieces = b.Server(help, 50, 100);
        b.Close();

        Assert.True(helpPieces[0].Sequence > 0xFFFFFF00 && helpPieces[2].Sequence < 0x1000, "the reply must cross 2^32");
        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(banner + help, run.Single.ServerToClient.Text);
        Assert.Equal("HELP\r\nSITE HELP\r\n", run.Single.ClientToServer.Text);
        Assert.Equal(CloseReason.Fin, run.Single.ClosedBy);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void ConnectionJoinedMidStreamTakesTheServerFromPort21()
    {
        // No handshake; the first packet seen is the server's reply.
        var b = TcpConversationBuilder.Ipv4(clientIsn: 77_000, serverIsn: 990_000);
        var first = b.Server("331 Password required\r\n");
        b.Client("PASS x\r\n");
        b.Server("230 Logged in\r\n");

        var run = StreamHarness.Run(b.ToCapture());

        var c = run.Single;
        Assert.Equal(21, c.Connection.Server.Port);
        Assert.Equal(50000, c.Connection.Client.Port);
        Assert.Equal(RoleEvidence.WellKnownPort, c.Connection.RoleEvidence);
        Assert.Equal("331 Password required\r\n230 Logged in\r\n", c.ServerToClient.Text);
        Assert.Equal("PASS x\r\n", c.ClientToServer.Text);
        Assert.False(c.Connection.SawSyn);
        Assert.Equal(first[0].Frame, c.Connection.FirstFrame);
        Assert.Empty(run.Kinds); // midstream_join comes from the FTP layer (see CaptureAnalyzerTests), not the flow table
    }

    [Fact]
    public void ConnectionJoinedMidStreamOnHighPortsTakesTheFirstSpeakerAsClient()
    {
        // Both ports above 1024 and none configured: the flow stage can only go by who spoke first
        // (the content stage corrects it; see CaptureAnalyzerTests).
        var b = TcpConversationBuilder.Ipv4(serverPort: 40021, clientPort: 50000);
        b.Server("331 Password required\r\n");
        b.Client("PASS x\r\n");

        var run = StreamHarness.Run(b.ToCapture(), serverPorts: new HashSet<ushort>());

        var c = run.Single;
        Assert.Equal(RoleEvidence.FirstSpeaker, c.Connection.RoleEvidence);
        Assert.Equal(40021, c.Connection.Client.Port);
        Assert.Equal("331 Password required\r\n", c.ClientToServer.Text);
        Assert.Equal("PASS x\r\n", c.ServerToClient.Text);

        // With the port configured the roles come from it.
        var configured = StreamHarness.Run(b.ToCapture(), serverPorts: new HashSet<ushort> { 40021 });
        Assert.Equal(RoleEvidence.WellKnownPort, configured.Single.Connection.RoleEvidence);
        Assert.Equal("331 Password required\r\n", configured.Single.ServerToClient.Text);
    }

    [Fact]
    public void DroppedSegmentFollowedByAnAckPastItIsAGapOfItsPositionAndSize()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server(Greeting);
        b.Client("USER bob\r\n");
        var lost = b.Server("331 Password required for bob\r\n");
        lost[0].Dropped = true;
        b.Client("PASS x\r\n");                      // acknowledges past the lost segment
        var after = b.Server("230 Logged in\r\n");
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        var s2c = run.Single.ServerToClient;
        Assert.Equal(Greeting + "230 Logged in\r\n", s2c.Text);
        Assert.Equal([new StreamGapRecord(Greeting.Length, 31, after[0].Frame)], s2c.Gaps);
        var gap = Assert.Single(run.Of(AnomalyKind.StreamGap));
        Assert.Contains($"31 bytes missing at stream offset {Greeting.Length}", gap.Detail, StringComparison.Ordinal);
        Assert.Equal(31, run.Single.Connection.GapBytesServerToClient);
    }

    public static TheoryData<string> LinkLayers => ["802.1Q", "QinQ", "SLL", "SLL2", "Raw101", "Raw228", "NullLE", "NullBE", "Loop"];

    [Theory]
    [MemberData(nameof(LinkLayers))]
    public void EveryLinkLayerDeliversTheSameStreams(string linkLayer)
    {
        var options = linkLayer switch
        {
            "802.1Q" => new FrameOptions { VlanTags = [VlanTag.Dot1Q(100)] },
            "QinQ" => new FrameOptions { VlanTags = [VlanTag.Dot1Ad(200), VlanTag.Dot1Q(100)] },
            "SLL" => new FrameOptions { LinkType = 113 },
            "SLL2" => new FrameOptions { LinkType = 276 },
            "Raw101" => new FrameOptions { LinkType = 101 },
            "Raw228" => new FrameOptions { LinkType = 228 },
            "NullLE" => new FrameOptions { LinkType = 0 },
            "NullBE" => new FrameOptions { LinkType = 0, NullBigEndian = true },
            "Loop" => new FrameOptions { LinkType = 108 },
            _ => throw new ArgumentOutOfRangeException(nameof(linkLayer)),
        };
        var run = StreamHarness.Run(SimpleSession(TcpConversationBuilder.Ipv4(), options).ToCapture());

        Assert.Equal(SimpleServer, run.Single.ServerToClient.Text);
        Assert.Equal(SimpleClient, run.Single.ClientToServer.Text);
        Assert.Equal(CloseReason.Fin, run.Single.ClosedBy);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void RawIpv6LinkType229WithAnExtensionHeaderDeliversTheStreams()
    {
        var options = new FrameOptions { LinkType = 229, Ipv6Extensions = [new Ipv6Extension(0), new Ipv6Extension(60, 16)] };
        var run = StreamHarness.Run(SimpleSession(TcpConversationBuilder.Ipv6(), options).ToCapture());

        Assert.Equal(SimpleServer, run.Single.ServerToClient.Text);
        Assert.Equal(SimpleClient, run.Single.ClientToServer.Text);
        Assert.Equal("[2001:db8::2]:21", run.Single.Connection.Server.ToString());
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void Ipv6OverEthernetAndSllWithExtensionHeadersInOnePcapng()
    {
        var b = SimpleSession(TcpConversationBuilder.Ipv6(), new FrameOptions { Ipv6Extensions = [new Ipv6Extension(43)] });
        foreach (var s in b.Segments.Where((_, i) => i % 2 == 1)) s.Options = new FrameOptions { LinkType = 113, Ipv6Extensions = [new Ipv6Extension(60)] };
        var capture = b.ToCapture();
        Assert.Equal(0x0A0D0D0Au, BitConverter.ToUInt32(capture, 0)); // mixed link types: pcapng

        var run = StreamHarness.Run(capture);

        Assert.Equal(SimpleServer, run.Single.ServerToClient.Text);
        Assert.Equal(SimpleClient, run.Single.ClientToServer.Text);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void ReplyInThreeOutOfOrderIpv4FragmentsComesThroughWhole()
    {
        string reply = "250-" + new string('x', 40) + "\r\n250 " + new string('y', 30) + "\r\n";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Client("CWD /pub\r\n");
        var seg = b.Server(reply)[0];
        seg.Options = new FrameOptions { FragmentPayloadBytes = 40, FragmentOrder = [2, 0, 1] };
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(3, seg.Frames.Count);
        Assert.Equal(reply, run.Single.ServerToClient.Text);
        Assert.Equal(seg.Frame, run.Single.ServerToClient.Deliveries.Single().Frame);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void ReplyInIpv6FragmentsComesThroughWhole()
    {
        string reply = "211-" + new string('z', 70) + "\r\n211 end\r\n";
        var b = TcpConversationBuilder.Ipv6().Handshake();
        b.Client("STAT\r\n");
        var seg = b.Server(reply)[0];
        seg.Options = new FrameOptions { FragmentPayloadBytes = 56, FragmentOrder = [1, 0] };
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal(2, seg.Frames.Count);
        Assert.Equal(reply, run.Single.ServerToClient.Text);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void FileCutInsideARecordYieldsEverythingBeforeAndATruncatedFileAnomaly()
    {
        var b = SimpleSession(TcpConversationBuilder.Ipv4(), new FrameOptions());
        var frames = b.Build();
        var file = TcpConversationBuilder.ToCapture(frames);
        // Cut 10 bytes into the last record's data (after its 16-byte header): the final ACK is lost.
        int cut = file.Length - frames[^1].Data.Length + 10;

        var run = StreamHarness.Run(CaptureWriter.Cut(file, cut));

        Assert.Equal(SimpleServer, run.Single.ServerToClient.Text);
        Assert.Equal(SimpleClient, run.Single.ClientToServer.Text);
        var truncated = Assert.Single(run.Of(AnomalyKind.TruncatedFile));
        Assert.Equal(frames.Count, truncated.Frame);
        Assert.Equal(frames.Count - 1, run.Frames);
    }

    [Fact]
    public void FramesCutBySnaplenBecomeGapsOfTheMissingSize()
    {
        string reply = "150 Opening BINARY mode data connection for big.iso (4096 bytes)\r\n";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Client("RETR big.iso\r\n");
        var seg = b.Server(reply)[0];
        seg.CapturedPayloadBytes = 20;
        b.Server("226 Transfer complete\r\n");
        b.Close();

        var run = StreamHarness.Run(b.ToCapture());

        var s2c = run.Single.ServerToClient;
        Assert.Equal(reply[..20] + "226 Transfer complete\r\n", s2c.Text);
        Assert.Equal([new StreamGapRecord(20, reply.Length - 20, seg.Frame)], s2c.Gaps);
        Assert.Equal(seg.Frame, Assert.Single(run.Of(AnomalyKind.SnaplenCut)).Frame);
        Assert.Contains($"{reply.Length - 20} bytes missing at stream offset 20", Assert.Single(run.Of(AnomalyKind.StreamGap)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RstFlushesBufferedBytesAndDeclaresTheHole()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        var pieces = b.Server("220 a\r\n220 b\r\n", 7);
        pieces[0].Dropped = true;
        var rst = b.Rst(Side.Client);

        var run = StreamHarness.Run(b.ToCapture());

        Assert.Equal("220 b\r\n", run.Single.ServerToClient.Text);
        Assert.Equal([new StreamGapRecord(0, 7, rst.Frame)], run.Single.ServerToClient.Gaps);
        Assert.Equal(CloseReason.Reset, run.Single.ClosedBy);
    }

    [Fact]
    public void NewSynOnAFinishedFourTupleStartsASecondConnection()
    {
        var first = SimpleSession(TcpConversationBuilder.Ipv4(clientIsn: 100), new FrameOptions());
        var second = TcpConversationBuilder.Ipv4(clientIsn: 900_000, serverIsn: 7_000).Handshake();
        second.Server("220 again\r\n");
        second.Close();
        var frames = first.Build().Concat(second.Build(firstFrame: first.Build().Count + 1)).ToList();
        // Keep time moving forward across both.
        var timed = frames.Select((f, i) => f with { TimestampNs = first.StartNs + (i * 1_000_000L) }).ToList();

        var run = StreamHarness.Run(TcpConversationBuilder.ToCapture(timed));

        Assert.Equal(2, run.Connections.Count);
        Assert.Equal(SimpleServer, run.Connections[0].ServerToClient.Text);
        Assert.Equal("220 again\r\n", run.Connections[1].ServerToClient.Text);
    }

    private const string SimpleServer = "220 ready\r\n331 Password required\r\n230 Logged in\r\n221 Bye\r\n";
    private const string SimpleClient = "USER anonymous\r\nPASS guest@\r\nQUIT\r\n";

    private static TcpConversationBuilder SimpleSession(TcpConversationBuilder b, FrameOptions options)
    {
        b.Defaults = options;
        b.Handshake();
        b.Server("220 ready\r\n");
        b.Client("USER anonymous\r\n");
        b.Server("331 Password required\r\n");
        b.Client("PASS guest@\r\n");
        b.Server("230 Logged in\r\n");
        b.Client("QUIT\r\n");
        b.Server("221 Bye\r\n");
        return b.Close();
    }
}
