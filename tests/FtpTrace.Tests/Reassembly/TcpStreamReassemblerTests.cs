using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Reassembly;
using FtpTrace.Tests.Flows;
using static FtpTrace.Decoding.TcpFlags;

namespace FtpTrace.Tests.Reassembly;

/// <summary>
/// Byte streams out of the reassembler, driven through the flow table with hand-made segments.
/// Client ISN 1000 (data from 1001), server ISN 5000 (data from 5001) unless a test says otherwise.
/// </summary>
public sealed class TcpStreamReassemblerTests
{
    private const TcpFlags PshAck = Psh | Ack;

    [Fact]
    public void InOrderSegmentsAreDeliveredAsTheyArrive()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.S(5001, 1001, PshAck, "220 ready\r\n");
        t.C(1001, 5012, PshAck, "USER anonymous\r\n");
        t.S(5012, 1017, PshAck, "331 password please\r\n");

        Assert.Equal("USER anonymous\r\n", t.Handler.ClientText);
        Assert.Equal("220 ready\r\n331 password please\r\n", t.Handler.ServerText);
        Assert.Equal([4L, 5L, 6L], t.Handler.Deliveries.Select(d => d.Frame));
        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(16, c.BytesClientToServer);
        Assert.Equal(32, c.BytesServerToClient);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void PayloadSplitAcrossManySegmentsIsJoinedAndEachByteKeepsItsFrame()
    {
        var t = new TcpScenario();
        t.Handshake();
        const string command = "RETR file.txt\r\n";
        for (int i = 0; i < command.Length; i++) t.C(1001 + (uint)i, 5001, PshAck, command[i].ToString());

        Assert.Equal("RETR file.txt\r\n", t.Handler.ClientText);
        Assert.Equal(Enumerable.Range(4, 15).Select(f => (long)f), t.Handler.Deliveries.Select(d => d.Frame));
    }

    public static TheoryData<int[]> PermutationsOfFour()
    {
        var data = new TheoryData<int[]>();
        foreach (int[] p in Permutations([0, 1, 2, 3])) data.Add(p);
        return data;
    }

    [Theory]
    [MemberData(nameof(PermutationsOfFour))]
    public void OutOfOrderSegmentsAreDeliveredInOrder(int[] order)
    {
        string[] parts = ["AAAA", "BBBB", "CCCC", "DDDD"];
        var t = new TcpScenario();
        t.Handshake();
        foreach (int i in order) t.C(1001 + (uint)(4 * i), 5001, PshAck, parts[i]);

        Assert.Equal("AAAABBBBCCCCDDDD", t.Handler.ClientText);
        Assert.Empty(t.Handler.Gaps);
        Assert.Equal(16, t.Observer.Connections[0].BytesClientToServer);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void RetransmittedSegmentsAreDeliveredAndCountedOnce()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "USER a\r\n");
        t.C(1001, 5001, PshAck, "USER a\r\n");
        t.C(1009, 5001, PshAck, "PASS b\r\n");
        t.C(1001, 5001, PshAck, "USER a\r\nPASS b\r\n");
        t.C(1009, 5001, PshAck, "PASS b\r\n");

        Assert.Equal("USER a\r\nPASS b\r\n", t.Handler.ClientText);
        Assert.Equal(16, t.Observer.Connections[0].BytesClientToServer);
        Assert.Equal(3, t.Table.RetransmittedSegments);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void OverlapWithTheSameBytesDeliversOnlyTheNewBytes()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "ABCDEF");
        t.C(1004, 5001, PshAck, "DEFGHI");
        t.C(1013, 5001, PshAck, "MNOP");     // buffered
        t.C(1011, 5001, PshAck, "KLMN");     // buffered, overlaps MN of MNOP with the same bytes
        t.C(1010, 5001, PshAck, "JK");       // fills the hole

        Assert.Equal("ABCDEFGHIJKLMNOP", t.Handler.ClientText);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void ConflictingOverlapWithBufferedBytesKeepsTheFirstBytesAndIsReported()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1005, 5001, PshAck, "WXYZ");                 // buffered first
        long conflicting = t.C(1005, 5001, PshAck, "EFGH");
        t.C(1001, 5001, PshAck, "ABCD");

        Assert.Equal("ABCDWXYZ", t.Handler.ClientText);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
        Assert.Equal(conflicting, a.Frame);
        Assert.Equal(t.Observer.Connections[0].Id, a.ConnectionId);
        Assert.Contains("client-to-server", a.Detail, StringComparison.Ordinal);
        Assert.Contains("offset 4", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ConflictingRetransmissionOfDeliveredBytesKeepsTheFirstBytesAndIsReported()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "STOR a.txt\r\n");
        long conflicting = t.C(1001, 5001, PshAck, "STOR b.txt\r\nNOOP\r\n");

        Assert.Equal("STOR a.txt\r\nNOOP\r\n", t.Handler.ClientText);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
        Assert.Equal(conflicting, a.Frame);
        // Delivered bytes are remembered as segment fingerprints: the detail names the segment, not the byte.
        Assert.Contains("the 12 bytes at stream offset 0", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RetransmissionCoalescingSeveralDeliveredSegmentsIsCheckedAgainstEachOfThem()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "USER a\r\n");
        t.C(1009, 5001, PshAck, "PASS b\r\n");
        t.C(1017, 5001, PshAck, "PWD\r\n");
        long conflicting = t.C(1001, 5001, PshAck, "USER a\r\nPASS c\r\nPWD\r\n");

        Assert.Equal("USER a\r\nPASS b\r\nPWD\r\n", t.Handler.ClientText);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
        Assert.Equal(conflicting, a.Frame);
        Assert.Contains("the 8 bytes at stream offset 8", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RetransmissionCoveringADeliveredSegmentOnlyInPartIsNotCheckedButFirstBytesStillWin()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "USER a\r\n");
        t.C(1009, 5001, PshAck, "PASS b\r\n");
        t.C(1005, 5001, PshAck, "xa\r\nPASS c\r\n");  // offsets 4-15: "PASS b" whole (differs), "USER a" in part (differs, not checked)
        t.C(1003, 5001, PshAck, "XX");                    // offsets 2-3, inside "USER a" only: not checked

        Assert.Equal("USER a\r\nPASS b\r\n", t.Handler.ClientText);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
        Assert.Contains("the 8 bytes at stream offset 8", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ShorterRetransmissionFromTheStartOfADeliveredSegmentIsCheckedOnItsFirstBytes()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.S(5001, 1001, PshAck, "230 User bob logged in, proceed with care.\r\n");   // 44 bytes
        long shortForgery = t.S(5001, 1001, PshAck, "530 No\r\n");                    // 8 bytes: first 8 compared
        t.S(5001, 1001, PshAck, "230 User bob logged in, proceed wiTH");   // 36 bytes: first 32 compared, equal
        t.S(5001, 1001, PshAck, "230 Us");                                  // 6 bytes: too short to compare

        Assert.Equal("230 User bob logged in, proceed with care.\r\n", t.Handler.ServerText);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
        Assert.Equal(shortForgery, a.Frame);
        Assert.Contains("the 8 bytes at stream offset 0", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void LargeRetransmissionWithOneDifferentByteIsAConflict()
    {
        var t = new TcpScenario();
        t.Handshake();
        byte[] bytes = new byte[1448];
        new Random(7).NextBytes(bytes);
        string original = new(bytes.Select(b => (char)('a' + b % 26)).ToArray());
        t.C(1001, 5001, PshAck, original);
        t.C(1001, 5001, PshAck, original);                // identical: no conflict
        char[] changed = original.ToCharArray();
        changed[1000] = changed[1000] == 'z' ? 'y' : 'z';
        long conflicting = t.C(1001, 5001, PshAck, new string(changed));

        Assert.Equal(original, t.Handler.ClientText);
        Assert.Equal(conflicting, Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap)).Frame);
    }

    [Fact]
    public void InOrderSegmentOverlappingBufferedBytesYieldsToThem()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "ABCD");
        t.C(1007, 5001, PshAck, "XY");       // buffered at offsets 6-7
        long frame = t.C(1005, 5001, PshAck, "EFGHIJ"); // offsets 4-9, GH conflicts with XY

        Assert.Equal("ABCDEFXYIJ", t.Handler.ClientText);
        Assert.Equal(frame, Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap)).Frame);
    }

    [Fact]
    public void ConflictBeyondTheHistoryWindowIsNotDetectedButFirstBytesStillWin()
    {
        var t = new TcpScenario();
        t.Handshake();
        // HistorySegments + 1 segments of 4 bytes: the first one's fingerprint is gone.
        var sent = new System.Text.StringBuilder();
        for (int i = 0; i <= TcpStreamReassembler.HistorySegments; i++)
        {
            string part = ((char)('A' + i)).ToString() + "aaa";
            t.C(1001 + (uint)(4 * i), 5001, PshAck, part);
            sent.Append(part);
        }
        t.C(1001, 5001, PshAck, "bbbb");     // offset 0 is out of the window now

        Assert.Equal(sent.ToString(), t.Handler.ClientText);
        Assert.Empty(t.AnomaliesOf(AnomalyKind.ConflictingOverlap));
    }

    [Fact]
    public void ConflictWithTheOldestRememberedSegmentIsDetected()
    {
        var t = new TcpScenario();
        t.Handshake();
        for (int i = 0; i < TcpStreamReassembler.HistorySegments; i++) t.C(1001 + (uint)(4 * i), 5001, PshAck, "aaaa");
        long conflicting = t.C(1001, 5001, PshAck, "bbbb");

        Assert.Equal(conflicting, Assert.Single(t.AnomaliesOf(AnomalyKind.ConflictingOverlap)).Frame);
    }

    [Fact]
    public void SequenceNumbersWrapPast2To32()
    {
        var t = new TcpScenario();
        const uint isn = 0xFFFF_FFF5;          // data starts at 0xFFFFFFF6: 10 bytes before the wrap
        t.Handshake(clientIsn: isn);
        t.C(0xFFFF_FFF6, 5001, PshAck, "0123456");   // ends at 0xFFFFFFFD
        t.C(0x0000_0001, 5001, PshAck, "ABCDEF");    // out of order, after the wrap
        t.C(0xFFFF_FFFD, 5001, PshAck, "789+");      // crosses the wrap: 0xFFFFFFFD..0x00000000
        t.C(0x0000_0007, 5001, PshAck, "GH");
        t.C(0xFFFF_FFF6, 5001, PshAck, "0123");      // old retransmission, from before the wrap

        Assert.Equal("0123456789+ABCDEFGH", t.Handler.ClientText);
        Assert.Equal(19, t.Observer.Connections[0].BytesClientToServer);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void MidstreamJoinCountsOffsetsFromTheFirstSequenceSeenAndTakesRolesFromPort21()
    {
        var t = new TcpScenario();
        // No handshake; the server (port 21) speaks first.
        long first = t.S(777_000, 333_000, PshAck, "230 logged in\r\n");
        t.C(333_000, 777_015, PshAck, "PWD\r\n");
        t.S(777_015, 333_005, PshAck, "257 \"/\"\r\n");

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(RoleEvidence.WellKnownPort, c.RoleEvidence);
        Assert.Equal(TcpScenario.DefaultServer, c.Server);
        Assert.False(c.SawSyn);
        Assert.Equal("PWD\r\n", t.Handler.ClientText);
        Assert.Equal("230 logged in\r\n257 \"/\"\r\n", t.Handler.ServerText);
        Assert.Equal(first, c.FirstFrame);
        Assert.Equal(0, t.Anomalies.Total);  // midstream_join is the FTP layer's to report, for FTP sessions only
    }

    [Fact]
    public void MidstreamJoinWithoutWellKnownPortMakesTheFirstSpeakerTheClient()
    {
        var t = new TcpScenario(
            client: new Endpoint(IpAddress.FromV4(0x0A00_0001), 40000),
            server: new Endpoint(IpAddress.FromV4(0x0A00_0002), 50001));
        t.S(9000, 100, PshAck, "hello");      // "server" endpoint speaks first, so it is taken as the client
        t.C(100, 9005, PshAck, "world");

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(RoleEvidence.FirstSpeaker, c.RoleEvidence);
        Assert.Equal(t.Server, c.Client);
        Assert.Equal("hello", t.Handler.ClientText);
        Assert.Equal("world", t.Handler.ServerText);
    }

    [Fact]
    public void ConfiguredServerPortDecidesRolesWithoutHandshake()
    {
        var ftpOn2121 = new Endpoint(IpAddress.FromV4(0x0A00_0002), 2121);
        var t = new TcpScenario(server: ftpOn2121, serverPorts: new HashSet<ushort> { 2121 });
        t.S(9000, 100, PshAck, "220 hi\r\n");

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(RoleEvidence.WellKnownPort, c.RoleEvidence);
        Assert.Equal(ftpOn2121, c.Server);
        Assert.Equal("220 hi\r\n", t.Handler.ServerText);
    }

    [Fact]
    public void SegmentBeforeTheFirstOneSeenOfAMidstreamJoinIsDroppedAndCounted()
    {
        var t = new TcpScenario();
        t.C(2000, 9000, PshAck, "CDEF");
        t.C(1998, 9000, PshAck, "ABCD");

        Assert.Equal("CDEF", t.Handler.ClientText);
        Assert.Equal(2, t.Table.BytesBeforeStart);
    }

    [Fact]
    public void HoleIsDeclaredAGapWhenThePeerAcknowledgesPastIt()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        // 1005..1008 "BBBB" never captured
        t.C(1009, 5001, PshAck, "CCCC");
        Assert.Equal("AAAA", t.Handler.ClientText);
        long ack = t.S(5001, 1013, Ack);

        Assert.Equal("AAAA[gap 4@4]CCCC", t.Handler.ClientText);
        var gap = Assert.Single(t.Handler.Gaps);
        Assert.Equal((FlowDirection.ClientToServer, 4L, 4L, ack), gap);
        Anomaly a = Assert.Single(t.AnomaliesOf(AnomalyKind.StreamGap));
        Assert.Equal(ack, a.Frame);
        Assert.Contains("client-to-server: 4 bytes missing at stream offset 4", a.Detail, StringComparison.Ordinal);
        TcpConnection c = t.Observer.Connections[0];
        Assert.Equal(8, c.BytesClientToServer);
        Assert.Equal(4, c.GapBytesClientToServer);
    }

    [Fact]
    public void AcknowledgmentBeforeTheDataArrivesDeclaresTheGapWhenLaterDataShowsTheHole()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.S(5001, 1009, Ack);                 // acks "BBBB", which was never captured
        Assert.Empty(t.Handler.Gaps);         // the ACK alone cannot tell a lost segment from a lost FIN
        t.C(1009, 5001, PshAck, "CCCC");

        Assert.Equal("AAAA[gap 4@4]CCCC", t.Handler.ClientText);
    }

    [Fact]
    public void AcknowledgedButUncapturedFinIsNotAGap()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "QUIT\r\n");
        t.S(5001, 1008, Ack);                 // acks the FIN the capture missed
        t.Finish();

        Assert.Equal("QUIT\r\n", t.Handler.ClientText);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void FinFlushDeclaresHolesBeforeItAsGaps()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.C(1009, 5001, PshAck, "CCCC");            // 1005..1008 lost
        t.C(1017, 5001, Fin | Ack);                 // 1013..1016 lost as well; FIN at 1017
        t.S(5001, 1005, Fin | Ack);                 // the server has only seen AAAA, closes too

        Assert.Equal("AAAA[gap 4@4]CCCC[gap 4@12]", t.Handler.ClientText);
        Assert.Equal([(CloseReason.Fin, 7L)], t.Handler.Closes);
        Assert.Equal(2, t.AnomaliesOf(AnomalyKind.StreamGap).Count());
    }

    [Fact]
    public void FinBeforeTheLastDataSegmentWaitsForItAndClosesOnce()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.C(1009, 5001, Fin | PshAck, "CCCC");      // FIN and data overtake "BBBB"
        t.C(1005, 5001, PshAck, "BBBB");
        t.S(5001, 1014, PshAck, "221 bye\r\n");
        t.S(5010, 1014, Fin | Ack);
        t.C(1014, 5011, Ack);                       // last ACK, absorbed by the lingering connection

        Assert.Equal("AAAABBBBCCCC", t.Handler.ClientText);
        Assert.Equal("221 bye\r\n", t.Handler.ServerText);
        Assert.Equal([(CloseReason.Fin, 8L)], t.Handler.Closes);
        Assert.Equal(0, t.Anomalies.Total);
        Assert.Equal(1, t.Table.PacketsAfterClose);
    }

    [Fact]
    public void DataAfterFinIsDroppedAndCounted()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, Fin | PshAck, "QUIT\r\n");  // FIN at 1007
        t.C(1007, 5001, PshAck, "NOOP\r\n");        // beyond the FIN
        t.S(5001, 1008, Fin | Ack);

        Assert.Equal("QUIT\r\n", t.Handler.ClientText);
        Assert.Equal(6, t.Table.BytesAfterFin);
        Assert.Equal(6, t.Observer.Connections[0].BytesClientToServer);
    }

    [Fact]
    public void RstFlushesBufferedBytesWithGapsAndClosesTheConnection()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.C(1009, 5001, PshAck, "CCCC");
        t.C(1017, 5001, PshAck, "EEEE");
        long rst = t.S(5001, 0, Rst);

        Assert.Equal("AAAA[gap 4@4]CCCC[gap 4@12]EEEE", t.Handler.ClientText);
        Assert.All(t.Handler.Gaps, g => Assert.Equal(rst, g.Frame));
        Assert.Equal([(CloseReason.Reset, rst)], t.Handler.Closes);
        Assert.Equal(CloseReason.Reset, t.Observer.Connections[0].Closed);
    }

    [Fact]
    public void EndOfCaptureFlushesBufferedBytesWithGaps()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.S(5001, 1001, PshAck, "220-hello\r\n");
        t.S(5022, 1001, PshAck, "220 end\r\n");    // 5012..5021 lost
        t.Finish();

        Assert.Equal("220-hello\r\n[gap 10@11]220 end\r\n", t.Handler.ServerText);
        Assert.Equal(CloseReason.EndOfCapture, Assert.Single(t.Handler.Closes).Reason);
        Assert.Equal(10, t.Observer.Connections[0].GapBytesServerToClient);
        Assert.Equal(0, t.Table.TrackedConnections);
    }

    [Fact]
    public void SegmentCountLimitDeclaresTheHoleAGapAndLetsBufferedBytesFlow()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { MaxBufferedSegmentsPerDirection = 2 });
        t.Handshake();
        t.C(1001, 5001, PshAck, "AA");
        t.C(1005, 5001, PshAck, "CC");              // hole at offset 2
        t.C(1007, 5001, PshAck, "DD");
        Assert.Equal("AA", t.Handler.ClientText);
        long third = t.C(1011, 5001, PshAck, "FF"); // third buffered segment: over the limit

        Assert.Equal("AA[gap 2@2]CCDD", t.Handler.ClientText);
        Anomaly limit = Assert.Single(t.AnomaliesOf(AnomalyKind.BufferLimit));
        Assert.Equal(third, limit.Frame);
        Assert.Equal(third, Assert.Single(t.AnomaliesOf(AnomalyKind.StreamGap)).Frame);
        t.C(1009, 5001, PshAck, "EE");
        Assert.Equal("AA[gap 2@2]CCDDEEFF", t.Handler.ClientText);
    }

    [Fact]
    public void ByteLimitDeclaresTheHoleAGapAndLetsBufferedBytesFlow()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { MaxBufferedBytesPerDirection = 10 });
        t.Handshake();
        t.C(1003, 5001, PshAck, "CCCCCC");          // 6 bytes held, hole at 0..1
        t.C(1011, 5001, PshAck, "EEEEEE");          // 12 bytes held: over the limit

        // Giving up the first hole brings the buffer back under the limit: EEEEEE stays buffered.
        Assert.Equal("[gap 2@0]CCCCCC", t.Handler.ClientText);
        Assert.Single(t.AnomaliesOf(AnomalyKind.BufferLimit));
        Assert.Equal(6, t.Observer.Connections[0].InitiatorStream!.BufferedBytes);
        t.Finish();
        Assert.Equal("[gap 2@0]CCCCCC[gap 2@8]EEEEEE", t.Handler.ClientText);
    }

    [Fact]
    public void SnaplenCutSegmentDeliversTheCapturedBytesThenAGap()
    {
        var t = new TcpScenario();
        t.Handshake();
        long cut = t.S(5001, 1001, PshAck, "150 Open", announced: 30);
        t.S(5031, 1001, PshAck, "226 Done\r\n");

        Assert.Equal("150 Open[gap 22@8]226 Done\r\n", t.Handler.ServerText);
        Assert.Equal(cut, Assert.Single(t.AnomaliesOf(AnomalyKind.SnaplenCut)).Frame);
        Anomaly gap = Assert.Single(t.AnomaliesOf(AnomalyKind.StreamGap));
        Assert.Equal(cut, gap.Frame);
        Assert.Contains("server-to-client: 22 bytes missing at stream offset 8", gap.Detail, StringComparison.Ordinal);
        Assert.Equal(18, t.Observer.Connections[0].BytesServerToClient);
        Assert.Equal(22, t.Observer.Connections[0].GapBytesServerToClient);
    }

    [Fact]
    public void OutOfOrderSnaplenCutSegmentBecomesAGapWhenReached()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.S(5011, 1001, PshAck, "XXXX", announced: 10);  // offsets 10..19, only 10..13 captured
        t.S(5021, 1001, PshAck, "tail");
        Assert.Equal("", t.Handler.ServerText);
        t.S(5001, 1001, PshAck, "0123456789");

        Assert.Equal("0123456789XXXX[gap 6@14]tail", t.Handler.ServerText);
    }

    [Fact]
    public void DetachStopsDeliveryButBytesAreStillCountedOnce()
    {
        var t = new TcpScenario(handlerFactory: _ => new RecordingHandler { DetachAfterBytes = 1 });
        t.Handshake();
        t.C(1001, 5001, PshAck, "LIST\r\n");
        t.C(1011, 5001, PshAck, "PWD\r\n");          // out of order
        t.C(1007, 5001, PshAck, "SYST");
        t.C(1001, 5001, PshAck, "LIST\r\n");          // retransmission
        t.S(5001, 1016, PshAck, "150 ok\r\n");
        t.C(1016, 5009, Fin | Ack);
        t.S(5009, 1017, Fin | Ack);

        Assert.Equal("LIST\r\n", t.Handler.ClientText);
        Assert.Equal("", t.Handler.ServerText);
        TcpConnection c = t.Observer.Connections[0];
        Assert.Equal(15, c.BytesClientToServer);
        Assert.Equal(8, c.BytesServerToClient);
        Assert.Equal(CloseReason.Fin, Assert.Single(t.Handler.Closes).Reason);
    }

    [Fact]
    public void ConnectionWithoutHandlerIsCountedBySequenceNumbersWithoutAnomalies()
    {
        var t = new TcpScenario(handlerFactory: _ => null);
        t.C(1001, 5001, PshAck, "AAAA");             // mid-stream, no handler
        t.C(1009, 5001, PshAck, "CCCC");
        t.C(1005, 5001, PshAck, "BBBB");
        t.C(1005, 5001, PshAck, "BBBB");
        t.C(1017, 5001, PshAck, "EEEE");             // 1013..1016 missing
        t.Finish();

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(16, c.BytesClientToServer);
        Assert.Equal(4, c.GapBytesClientToServer);
        Assert.Equal(CloseReason.EndOfCapture, c.Closed);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void KeepAliveWithAGarbageByteIsNotAConflict()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "NOOP\r\n");
        t.C(1006, 5001, Ack, "\0");                // keep-alive: seq = next - 1, one byte
        t.C(1007, 5001, PshAck, "PWD\r\n");

        Assert.Equal("NOOP\r\nPWD\r\n", t.Handler.ClientText);
        Assert.Equal(0, t.Anomalies.Total);
        Assert.Equal(1, t.Table.RetransmittedSegments);
    }

    [Fact]
    public void InOrderSegmentsOfAKnownConnectionAllocateNothing()
    {
        var handler = new CountingHandler();
        var table = new FlowTable(FtpTraceLimits.Default, new FixedObserver(handler), NullAnomalySink.Instance);
        var client = new Endpoint(IpAddress.FromV4(0x0A00_0001), 50000);
        var server = new Endpoint(IpAddress.FromV4(0x0A00_0002), 21);
        byte[] payload = new byte[100];
        long frame = 0;
        Send(table, ref frame, client, server, 1000, 0, Syn, []);
        Send(table, ref frame, server, client, 5000, 1001, Syn | Ack, []);
        uint seq = 1001;
        for (int i = 0; i < 1000; i++, seq += 100) SendPair(table, ref frame, client, server, seq, payload);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++, seq += 100) SendPair(table, ref frame, client, server, seq, payload);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(11_000 * 100, handler.Bytes);
    }

    [Fact]
    public void StreamLongerThan4GiBKeepsCountingOffsetsPast2To32()
    {
        var handler = new CountingHandler();
        var table = new FlowTable(FtpTraceLimits.Default, new FixedObserver(handler), NullAnomalySink.Instance);
        var client = new Endpoint(IpAddress.FromV4(0x0A00_0001), 50000);
        var server = new Endpoint(IpAddress.FromV4(0x0A00_0002), 21);
        byte[] payload = new byte[65_000];
        const int segments = 70_000;                     // 4,550,000,000 bytes: the sequence numbers wrap once
        long frame = 0;
        Send(table, ref frame, client, server, 0xF000_0000, 0, Syn, []);
        uint seq = 0xF000_0001;
        for (int i = 0; i < segments; i++, seq += (uint)payload.Length) Send(table, ref frame, client, server, seq, 0, PshAck, payload);
        Send(table, ref frame, client, server, seq + 10, 0, PshAck, payload);   // 10 bytes lost
        Send(table, ref frame, server, client, 0, seq + 10 + (uint)payload.Length, Ack, []);

        const long expectedGapAt = (long)segments * 65_000;
        Assert.Equal([(expectedGapAt, 10L)], handler.Gaps);
        Assert.Equal(expectedGapAt + 65_000, handler.Bytes);
    }

    // ---- The reassembler on its own: no flow table, no connection, only an output ----------

    [Fact]
    public void StandaloneReassemblerOrdersSegmentsIntoItsOutputWithItsStreamTag()
    {
        var output = new RecordingOutput();
        var reassembler = new TcpStreamReassembler(output, 7, FtpTraceLimits.Default, NullAnomalySink.Instance, new ReassemblyCounters());
        Feed(reassembler, frame: 1, seq: 100, Syn, "");
        Feed(reassembler, frame: 2, seq: 105, PshAck, "EF");
        Feed(reassembler, frame: 3, seq: 103, PshAck, "CD");
        Feed(reassembler, frame: 4, seq: 101, PshAck, "AB");

        Assert.Equal("ABCDEF", output.Text.ToString());
        Assert.Equal([(7, "AB", 4L), (7, "CD", 3L), (7, "EF", 2L)], output.Data);
        Assert.Equal([7], output.Streams.Distinct());
        Assert.Equal(6, output.Bytes);
        Assert.Equal(6, reassembler.NextOffset);
        Assert.Equal(7, reassembler.Stream);
    }

    [Fact]
    public void StandaloneReassemblerReportsAGapWithTheOutputsConnectionIdAndStreamName()
    {
        var output = new RecordingOutput();
        var anomalies = new AnomalyCollector();
        var counters = new ReassemblyCounters();
        var reassembler = new TcpStreamReassembler(output, 1, FtpTraceLimits.Default, anomalies, counters);
        Feed(reassembler, frame: 1, seq: 101, PshAck, "AB");
        Feed(reassembler, frame: 2, seq: 105, PshAck, "EF");
        reassembler.Flush(frame: 3, timeNs: 3000);

        Assert.Equal("AB[gap 2@2]EF", output.Text.ToString());
        Assert.Equal([(1, 2L, 2L, 3L)], output.Gaps);
        Assert.Equal(4, output.Bytes);
        Assert.Equal(2, output.GapBytes);
        Assert.Equal(1, counters.Gaps);
        Assert.Equal(2, counters.GapBytes);
        Anomaly gap = Assert.Single(anomalies.Items);
        Assert.Equal(new Anomaly(AnomalyKind.StreamGap, 3, 3000, 42, "stream-1: 2 bytes missing at stream offset 2"), gap);
    }

    [Fact]
    public void StandaloneReassemblerOnlyCountsOnceItsOutputStopsReassembling()
    {
        var output = new RecordingOutput { StopAfterFirstData = true };
        var anomalies = new AnomalyCollector();
        var reassembler = new TcpStreamReassembler(output, 0, FtpTraceLimits.Default, anomalies, new ReassemblyCounters());
        Feed(reassembler, frame: 1, seq: 101, PshAck, "AB");
        Feed(reassembler, frame: 2, seq: 103, PshAck, "CD");
        Feed(reassembler, frame: 3, seq: 107, PshAck, "GH");
        reassembler.Flush(frame: 4, timeNs: 4000);

        Assert.Equal("AB", output.Text.ToString());
        Assert.Empty(output.Gaps);
        Assert.Equal(6, output.Bytes);
        Assert.Equal(2, output.GapBytes);
        Assert.Equal(0, anomalies.Total);
    }

    private static void Feed(TcpStreamReassembler reassembler, long frame, uint seq, TcpFlags flags, string payload)
    {
        byte[] bytes = System.Text.Encoding.Latin1.GetBytes(payload);
        var segment = new TcpSegment
        {
            Frame = frame, TimestampNs = frame * 1000, Sequence = seq, Flags = flags, Payload = bytes, PayloadLength = bytes.Length,
        };
        reassembler.OnSegment(ref segment);
    }

    /// <summary>An output with no connection behind it: records every call, connection id 42, streams named "stream-N".</summary>
    private sealed class RecordingOutput : IReassemblyOutput
    {
        public System.Text.StringBuilder Text { get; } = new();
        public List<(int Stream, string Data, long Frame)> Data { get; } = [];
        public List<(int Stream, long Offset, long Length, long Frame)> Gaps { get; } = [];
        public List<int> Streams { get; } = [];
        public long Bytes { get; private set; }
        public long GapBytes { get; private set; }
        public bool StopAfterFirstData { get; init; }

        public long ConnectionId => 42;
        public bool IsReassembling { get; private set; } = true;
        public string StreamName(int stream) => $"stream-{stream}";

        public void AddBytes(int stream, long count)
        {
            Streams.Add(stream);
            Bytes += count;
        }

        public void AddGapBytes(int stream, long count)
        {
            Streams.Add(stream);
            GapBytes += count;
        }

        public void OnData(int stream, ReadOnlySpan<byte> data, long frame, long timeNs)
        {
            string s = System.Text.Encoding.Latin1.GetString(data);
            Text.Append(s);
            Data.Add((stream, s, frame));
            if (StopAfterFirstData) IsReassembling = false;
        }

        public void OnGap(int stream, long streamOffset, long length, long frame, long timeNs)
        {
            Text.Append($"[gap {length}@{streamOffset}]");
            Gaps.Add((stream, streamOffset, length, frame));
        }
    }

    private static void SendPair(FlowTable table, ref long frame, Endpoint client, Endpoint server, uint seq, byte[] payload)
    {
        Send(table, ref frame, client, server, seq, 5001, PshAck, payload);
        Send(table, ref frame, server, client, 5001, seq + (uint)payload.Length, Ack, []);
    }

    private static void Send(FlowTable table, ref long frame, Endpoint source, Endpoint destination, uint seq, uint ack, TcpFlags flags, byte[] payload)
    {
        frame++;
        var segment = new TcpSegment
        {
            Frame = frame, TimestampNs = frame * 1000, Source = source, Destination = destination,
            Sequence = seq, Acknowledgment = ack, Flags = flags, Payload = payload, PayloadLength = payload.Length,
        };
        table.Process(ref segment);
    }

    private sealed class FixedObserver(ITcpStreamHandler handler) : ITcpStreamObserver
    {
        public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection) => handler;
    }

    private sealed class CountingHandler : ITcpStreamHandler
    {
        public long Bytes { get; private set; }
        public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
        {
            Bytes += data.Length;
            return StreamAction.Continue;
        }
        public List<(long Offset, long Length)> Gaps { get; } = [];
        public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs) =>
            Gaps.Add((streamOffset, length));
        public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs) { }
    }

    private static IEnumerable<int[]> Permutations(int[] items)
    {
        if (items.Length <= 1)
        {
            yield return items;
            yield break;
        }
        for (int i = 0; i < items.Length; i++)
        {
            int[] rest = [.. items[..i], .. items[(i + 1)..]];
            foreach (int[] p in Permutations(rest)) yield return [items[i], .. p];
        }
    }
}
