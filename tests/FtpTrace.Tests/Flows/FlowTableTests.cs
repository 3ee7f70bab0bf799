using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using static FtpTrace.Decoding.TcpFlags;

namespace FtpTrace.Tests.Flows;

public sealed class FlowTableTests
{
    private const TcpFlags PshAck = Psh | Ack;
    private const long Second = 1_000_000_000;

    private static Endpoint ClientPort(ushort port) => new(IpAddress.FromV4(0x0A00_0001), port);

    [Fact]
    public void HandshakeMakesTheSynSenderTheClient()
    {
        // The client here is on port 21 and the server on a high port (an active-mode data connection from port 20 looks alike).
        var t = new TcpScenario(client: new Endpoint(IpAddress.FromV4(0x0A00_0001), 21), server: ClientPort(40000));
        t.Handshake();

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(1, c.Id);
        Assert.Equal(RoleEvidence.Handshake, c.RoleEvidence);
        Assert.Equal(t.Client, c.Client);
        Assert.Equal(t.Server, c.Server);
        Assert.True(c.SawSyn);
        Assert.Equal(3, c.Packets);
        Assert.Equal(1, c.FirstFrame);
        Assert.Equal(3, c.LastFrame);
    }

    [Fact]
    public void SynAckSeenBeforeItsSynMakesOneConnectionWithTheSynAckSenderAsServer()
    {
        var t = new TcpScenario();
        t.S(5000, 1001, Syn | Ack);
        t.C(1000, 0, Syn);
        t.C(1001, 5001, PshAck, "USER x\r\n");

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(RoleEvidence.Handshake, c.RoleEvidence);
        Assert.Equal(t.Server, c.Server);
        Assert.Equal("USER x\r\n", t.Handler.ClientText);
        Assert.Equal(0, t.Table.Replaced);
    }

    [Fact]
    public void Ipv6ConnectionIsTrackedLikeIpv4()
    {
        var v6Client = new Endpoint(IpAddress.FromIPAddress(System.Net.IPAddress.Parse("2001:db8::1")), 50000);
        var v6Server = new Endpoint(IpAddress.FromIPAddress(System.Net.IPAddress.Parse("2001:db8::2")), 21);
        var t = new TcpScenario(client: v6Client, server: v6Server);
        t.Handshake();
        t.S(5001, 1001, PshAck, "220 v6\r\n");
        t.C(1001, 5009, PshAck, "EPSV\r\n");

        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(v6Client, c.Client);
        Assert.Equal("220 v6\r\n", t.Handler.ServerText);
        Assert.Equal("EPSV\r\n", t.Handler.ClientText);
    }

    [Fact]
    public void ConnectionIdsFollowTheOrderOfFirstPackets()
    {
        var t = new TcpScenario();
        for (ushort port = 50000; port < 50003; port++)
        {
            t.Client = ClientPort(port);
            t.C(1000, 0, Syn);
        }
        t.Client = ClientPort(50001);
        t.C(1001, 0, Ack);

        Assert.Equal([1L, 2L, 3L], t.Observer.Connections.Select(c => c.Id));
        Assert.Equal([50000, 50001, 50002], t.Observer.Connections.Select(c => (int)c.Client.Port));
        Assert.Equal(3, t.Table.ConnectionsCreated);
        Assert.Equal(2, t.Observer.Connections[1].Packets);
    }

    [Fact]
    public void RetransmittedSynIsNotANewConnection()
    {
        var t = new TcpScenario();
        t.C(1000, 0, Syn);
        t.C(1000, 0, Syn, afterNs: Second);
        t.C(1000, 0, Syn, afterNs: 3 * Second);
        t.S(5000, 1001, Syn | Ack);
        t.C(1001, 5001, PshAck, "NOOP\r\n");

        Assert.Single(t.Observer.Connections);
        Assert.Equal("NOOP\r\n", t.Handler.ClientText);
        Assert.Equal(0, t.Table.Replaced);
    }

    [Fact]
    public void NewSynOnATupleClosedByFinStartsANewConnection()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "QUIT\r\n");
        t.S(5001, 1007, Fin | PshAck, "221 bye\r\n");
        t.C(1007, 5011, Fin | Ack);
        t.S(5011, 1008, Ack);                        // late ACK: absorbed
        t.Handshake(clientIsn: 90000, serverIsn: 70000);
        t.C(90001, 70001, PshAck, "USER again\r\n");

        Assert.Equal([1L, 2L], t.Observer.Connections.Select(c => c.Id));
        RecordingHandler first = t.Observer.Handlers[0], second = t.Observer.Handlers[1];
        Assert.Equal("QUIT\r\n", first.ClientText);
        Assert.Equal("221 bye\r\n", first.ServerText);
        Assert.Equal([(CloseReason.Fin, 6L)], first.Closes);
        Assert.Equal("USER again\r\n", second.ClientText);
        Assert.Empty(second.Closes);
        Assert.Equal(1, t.Table.PacketsAfterClose);
        Assert.Equal(1, t.Table.Replaced);
        Assert.Equal(1, t.Table.ActiveConnections);
        Assert.Equal(1, t.Table.TrackedConnections);
    }

    [Fact]
    public void NewSynOnATupleClosedByRstStartsANewConnection()
    {
        var t = new TcpScenario();
        t.C(1000, 0, Syn);
        t.S(0, 1001, Rst | Ack);
        t.C(1000, 0, Syn, afterNs: Second);         // same ISN, but the connection was refused: a new attempt

        Assert.Equal(2, t.Observer.Connections.Count);
        Assert.Equal([(CloseReason.Reset, 2L)], t.Observer.Handlers[0].Closes);
    }

    [Fact]
    public void SynWithAnotherIsnOnALiveConnectionReplacesIt()
    {
        var t = new TcpScenario();
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.C(1009, 5001, PshAck, "CCCC");            // buffered behind a hole
        long syn = t.C(777, 0, Syn);

        Assert.Equal(2, t.Observer.Connections.Count);
        RecordingHandler old = t.Observer.Handlers[0];
        Assert.Equal("AAAA[gap 4@4]CCCC", old.ClientText);
        Assert.Equal([(CloseReason.Replaced, syn)], old.Closes);
        Assert.Equal(CloseReason.Replaced, t.Observer.Connections[0].Closed);
        Assert.Null(t.Observer.Connections[1].Closed);
    }

    [Fact]
    public void LatePacketsWhileLingeringAreAbsorbedAndTheTupleIsReleasedAfterTheLinger()
    {
        var limits = FtpTraceLimits.Default with { ClosedConnectionLingerNs = 10 * Second };
        var t = new TcpScenario(limits);
        t.Handshake();
        t.C(1001, 5001, PshAck, "ABOR\r\n");
        t.C(1007, 5001, Rst);
        t.C(1001, 5001, PshAck, "ABOR\r\n", afterNs: Second);   // late retransmission
        Assert.Single(t.Observer.Connections);
        Assert.Equal(1, t.Table.PacketsAfterClose);
        Assert.Equal(1, t.Table.TrackedConnections);
        Assert.Equal(0, t.Table.ActiveConnections);

        t.Client = ClientPort(50001);
        t.C(2000, 0, Syn, afterNs: 10 * Second);     // time moves past the linger

        Assert.Equal(1, t.Table.TrackedConnections);
        Assert.Equal("ABOR\r\n", t.Observer.Handlers[0].ClientText);
        Assert.Single(t.Observer.Handlers[0].Closes);
    }

    [Fact]
    public void IdleConnectionIsReleasedWithoutAnomalyWhenNothingIsPending()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { ConnectionIdleTimeoutNs = 60 * Second });
        t.Handshake();
        t.C(1001, 5001, PshAck, "NOOP\r\n");
        long lastFrame = t.Frame;
        t.Client = ClientPort(50001);
        t.C(2000, 0, Syn, afterNs: 61 * Second);

        Assert.Equal([(CloseReason.IdleTimeout, lastFrame)], t.Observer.Handlers[0].Closes);
        Assert.Equal(1, t.Table.TimedOut);
        Assert.Equal(1, t.Table.TrackedConnections);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void IdleConnectionWithBufferedBytesIsFlushedAndReported()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { ConnectionIdleTimeoutNs = 60 * Second });
        t.Handshake();
        t.C(1001, 5001, PshAck, "AAAA");
        t.C(1009, 5001, PshAck, "CCCC");
        t.Client = ClientPort(50001);
        t.C(2000, 0, Syn, afterNs: 30 * Second);
        Assert.Empty(t.Observer.Handlers[0].Closes);     // 30 s idle: still there
        t.C(2000, 0, Syn, afterNs: 31 * Second);

        Assert.Equal("AAAA[gap 4@4]CCCC", t.Observer.Handlers[0].ClientText);
        Assert.Equal(CloseReason.IdleTimeout, Assert.Single(t.Observer.Handlers[0].Closes).Reason);
        Assert.Equal(t.Observer.Connections[0].Id, Assert.Single(t.AnomaliesOf(AnomalyKind.ConnectionTimeout)).ConnectionId);
        Assert.Empty(t.Observer.Handlers[1].Closes);
    }

    [Fact]
    public void TableFullEvictsTheLeastRecentlyActiveConnection()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { MaxConnections = 3 });
        for (ushort port = 50001; port <= 50003; port++)
        {
            t.Client = ClientPort(port);
            t.C(1000, 0, Syn);
        }
        t.Client = ClientPort(50001);
        t.C(1001, 0, PshAck, "first is busy");      // connection 1 becomes the most recent
        t.Client = ClientPort(50004);
        t.C(1000, 0, Syn);

        Assert.Equal(3, t.Table.TrackedConnections);
        Assert.Equal(1, t.Table.Evicted);
        Assert.Equal(CloseReason.Evicted, t.Observer.Connections[1].Closed);
        Assert.Null(t.Observer.Connections[0].Closed);
        Assert.Equal([(CloseReason.Evicted, 2L)], t.Observer.Handlers[1].Closes);
        Anomaly evicted = Assert.Single(t.AnomaliesOf(AnomalyKind.ConnectionEvicted));
        Assert.Equal(2, evicted.ConnectionId);
        Assert.Equal("first is busy", t.Observer.Handlers[0].ClientText);
    }

    [Fact]
    public void LingeringConnectionsMakeRoomBeforeLiveOnesAreEvicted()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { MaxConnections = 2 });
        t.Client = ClientPort(50001);
        t.C(1000, 0, Syn);
        t.Client = ClientPort(50002);
        t.C(1000, 0, Syn);
        t.S(0, 1001, Rst | Ack);                    // connection 2 closed, lingering
        t.Client = ClientPort(50003);
        t.C(1000, 0, Syn);

        Assert.Equal(0, t.Table.Evicted);
        Assert.Null(t.Observer.Connections[0].Closed);
        Assert.Equal(2, t.Table.TrackedConnections);
    }

    [Theory]
    [InlineData(Ack)]
    [InlineData(Fin | Ack)]
    [InlineData(Rst)]
    [InlineData(Rst | Ack)]
    public void SegmentWithoutSynOrPayloadDoesNotOpenAConnection(TcpFlags flags)
    {
        var t = new TcpScenario();
        t.C(1000, 5000, flags);

        Assert.Empty(t.Observer.Connections);
        Assert.Equal(0, t.Table.TrackedConnections);
        Assert.Equal(1, t.Table.PacketsWithoutConnection);
        Assert.Equal(1, t.Table.Packets);
        Assert.Equal(0, t.Anomalies.Total);
    }

    [Fact]
    public void MidStreamJoinOpensOnTheFirstSegmentWithPayloadAndReportsNothing()
    {
        var t = new TcpScenario();
        t.C(1000, 5000, Ack);                         // bare ACK: ignored
        long first = t.S(5000, 1000, PshAck, "230 ok\r\n");
        t.C(1000, 5008, PshAck, "PWD\r\n");

        TcpConnection c = Assert.Single(t.Observer.Connections);
        Assert.False(c.SawSyn);
        Assert.Equal(first, c.FirstFrame);
        Assert.Equal("PWD\r\n", t.Handler.ClientText);
        Assert.Equal(1, t.Table.PacketsWithoutConnection);
        Assert.Equal(0, t.Anomalies.Total);          // whether a mid-stream join matters is the consumer's call
    }

    [Fact]
    public void FinalAckOfAConnectionDroppedFromAFullTableDoesNotOpenAnother()
    {
        var t = new TcpScenario(FtpTraceLimits.Default with { MaxConnections = 2 });
        t.Handshake();
        t.C(1001, 5001, PshAck, "QUIT\r\n");
        t.C(1007, 5001, Fin | Ack);
        t.S(5001, 1008, Fin | Ack);                   // closed, lingering
        var main = t.Client;
        t.Client = ClientPort(50001);
        t.C(1000, 0, Syn);
        t.Client = ClientPort(50002);
        t.C(1000, 0, Syn);                            // the lingering connection makes room
        t.Client = main;
        t.C(1008, 5002, Ack);                         // its final ACK

        Assert.Equal(3, t.Observer.Connections.Count);
        Assert.Equal(0, t.Table.Evicted);
        Assert.Equal(1, t.Table.PacketsWithoutConnection);
        Assert.Equal(2, t.Table.TrackedConnections);
    }

    [Fact]
    public void MillionUnansweredSynsKeepTheTableBounded()
    {
        const int max = 1000, syns = 1_000_000;
        var table = new FlowTable(FtpTraceLimits.Default with { MaxConnections = max }, new CountingObserver(), NullAnomalySink.Instance);
        var server = new Endpoint(IpAddress.FromV4(0xC0A8_0001), 21);
        long time = 1_700_000_000L * Second;
        int highest = 0;
        for (int i = 0; i < syns; i++)
        {
            var segment = new TcpSegment
            {
                Frame = i + 1,
                TimestampNs = time + i * 1000L,
                Source = new Endpoint(IpAddress.FromV4(0x0B00_0000u + (uint)(i >> 16)), (ushort)i),
                Destination = server,
                Sequence = (uint)i * 7919,
                Flags = Syn,
            };
            table.Process(ref segment);
            highest = Math.Max(highest, table.TrackedConnections);
        }

        Assert.Equal(max, highest);
        Assert.Equal(max, table.PeakTrackedConnections);
        Assert.Equal(syns, table.ConnectionsCreated);
        Assert.Equal(syns - max, table.Evicted);
        table.Finish(time + syns * 1000L);
        Assert.Equal(0, table.TrackedConnections);
    }

    [Fact]
    public void SwapRolesMakesLaterBytesFollowTheNewDirections()
    {
        // Joined mid-stream between two high ports: the first speaker (really the server) is taken as client.
        var t = new TcpScenario(client: ClientPort(40000), server: new Endpoint(IpAddress.FromV4(0x0A00_0002), 50001));
        t.S(5001, 1001, PshAck, "220 ready\r\n");
        TcpConnection c = t.Observer.Connections.Single();
        Assert.Equal(t.Server, c.Client);
        Assert.Equal("220 ready\r\n", t.Handler.ClientText);

        c.SwapRoles();                               // a content-aware stage saw a reply
        t.C(1001, 5012, PshAck, "USER a\r\n");
        t.S(5012, 1009, PshAck, "331 ok\r\n");

        Assert.Equal(t.Client, c.Client);
        Assert.Equal(RoleEvidence.Content, c.RoleEvidence);
        Assert.Equal("220 ready\r\nUSER a\r\n", t.Handler.ClientText);   // before the swap | after it
        Assert.Equal("331 ok\r\n", t.Handler.ServerText);
        Assert.Equal(8, c.BytesClientToServer);
        Assert.Equal(19, c.BytesServerToClient);
    }

    [Fact]
    public void SwapRolesFromTheObserverAppliesToTheFirstSegment()
    {
        var t = new TcpScenario(client: ClientPort(40000), server: new Endpoint(IpAddress.FromV4(0x0A00_0002), 50001),
            handlerFactory: c =>
            {
                c.SwapRoles();
                return new RecordingHandler();
            });
        t.S(5001, 1001, PshAck, "220 ready\r\n");
        t.C(1001, 5012, PshAck, "USER a\r\n");

        Assert.Equal("220 ready\r\n", t.Handler.ServerText);
        Assert.Equal("USER a\r\n", t.Handler.ClientText);
        Assert.Equal(t.Client, t.Observer.Connections[0].Client);
    }

    [Fact]
    public void ObserverIsToldOnceAndNullMeansCountedOnly()
    {
        int opened = 0;
        var t = new TcpScenario(handlerFactory: _ =>
        {
            opened++;
            return null;
        });
        t.Handshake();
        t.C(1001, 5001, PshAck, "RETR x\r\n");
        t.S(5001, 1009, PshAck, "150 go\r\n");
        t.Finish();

        Assert.Equal(1, opened);
        TcpConnection c = t.Observer.Connections.Single();
        Assert.Null(c.Handler);
        Assert.Equal(8, c.BytesClientToServer);
        Assert.Equal(8, c.BytesServerToClient);
        Assert.Equal(5, c.Packets);
        Assert.Equal(CloseReason.EndOfCapture, c.Closed);
    }

    [Fact]
    public void FinishClosesEveryLiveConnectionInIdOrder()
    {
        var closeOrder = new List<long>();
        var t = new TcpScenario(handlerFactory: _ => new RecordingHandler { CloseLog = closeOrder });
        for (ushort port = 50003; port >= 50001; port--)
        {
            t.Client = ClientPort(port);
            t.C(1000, 0, Syn);
        }
        t.Client = ClientPort(50003);
        t.C(1001, 0, PshAck, "x");                   // connection 1 is now the most recent
        t.Finish();

        Assert.Equal([1L, 2L, 3L], closeOrder);
        Assert.All(t.Observer.Connections, c => Assert.Equal(CloseReason.EndOfCapture, c.Closed));
        Assert.Equal(0, t.Table.TrackedConnections);
        Assert.Equal(0, t.Table.ActiveConnections);
    }

    [Fact]
    public void ThousandsOfConnectionsKeepTheirIdentityWhileOthersAreRemoved()
    {
        const int count = 3000;
        var t = new TcpScenario(FtpTraceLimits.Default with { ClosedConnectionLingerNs = 0 });
        Endpoint ClientOf(int i) => new(IpAddress.FromV4(0x0A00_0000u + (uint)(i % 7)), (ushort)(10000 + i));
        for (int i = 0; i < count; i++)
        {
            t.Client = ClientOf(i);
            t.Handshake();
        }
        for (int i = 0; i < count; i += 3)
        {
            t.Client = ClientOf(i);
            t.C(1001, 5001, Rst | Ack);
        }
        for (int i = 0; i < count; i++)
        {
            if (i % 3 == 0) continue;
            t.Client = ClientOf(i);
            t.C(1001, 5001, PshAck, "DATA");
            t.S(5001, 1005, PshAck, "OK");
        }

        Assert.Equal(count, t.Table.ConnectionsCreated);
        Assert.Equal(count * 2 / 3, t.Table.TrackedConnections);
        for (int i = 0; i < count; i++)
        {
            TcpConnection c = t.Observer.Connections[i];
            Assert.Equal(ClientOf(i), c.Client);
            if (i % 3 == 0)
            {
                Assert.Equal(CloseReason.Reset, c.Closed);
                Assert.Equal(4, c.Packets);
            }
            else
            {
                Assert.Null(c.Closed);
                Assert.Equal("DATA", t.Observer.Handlers[i].ClientText);
                Assert.Equal("OK", t.Observer.Handlers[i].ServerText);
            }
        }

        t.Client = ClientOf(0);
        t.C(1001, 5001, PshAck, "late");           // its connection left the table: a new one, joined mid-stream
        Assert.Equal(count + 1, t.Table.ConnectionsCreated);
        Assert.False(t.Observer.Connections[^1].SawSyn);
    }

    private sealed class CountingObserver : ITcpStreamObserver
    {
        public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection) => null;
    }
}

/// <summary>
/// <see cref="FlowTable.RecycleConnections"/> reuses connection objects (and their reassemblers) once
/// they left the table: every observable result must be what fresh objects give.
/// </summary>
public sealed class FlowTableRecyclingTests
{
    /// <summary>
    /// Many connections one after another and overlapping, ended every way (FIN, RST, a new SYN on the
    /// tuple, idle timeout, eviction, end of capture), some with gaps, out-of-order segments and joined
    /// mid-stream; run with and without recycling.
    /// </summary>
    private static TcpScenario Run(bool recycle)
    {
        var limits = FtpTraceLimits.Default with { MaxConnections = 3, ConnectionIdleTimeoutNs = 5_000_000_000, ClosedConnectionLingerNs = 1_000_000_000 };
        var run = new TcpScenario(limits, recycle: recycle);
        for (int i = 0; i < 40; i++)
        {
            run.Client = new Endpoint(IpAddress.FromV4(0x0A00_0001), (ushort)(50000 + i % 9));
            uint c = (uint)(1000 + i * 7919), s = (uint)(5000 + i * 104729);
            switch (i % 6)
            {
                case 0: // clean close
                    run.Handshake(c, s);
                    run.S(s + 1, c + 1, TcpFlags.Ack | TcpFlags.Psh, "220 hi\r\n");
                    run.C(c + 1, s + 9, TcpFlags.Ack | TcpFlags.Psh, "USER a\r\n");
                    run.C(c + 9, s + 9, TcpFlags.Ack | TcpFlags.Fin);
                    run.S(s + 9, c + 10, TcpFlags.Ack | TcpFlags.Fin);
                    break;
                case 1: // reset after a gap
                    run.Handshake(c, s);
                    run.C(c + 5, s + 1, TcpFlags.Ack | TcpFlags.Psh, "LIST\r\n");
                    run.S(s + 1, c + 11, TcpFlags.Ack | TcpFlags.Psh, "150 x\r\n");
                    run.C(c + 11, s + 8, TcpFlags.Rst);
                    break;
                case 2: // out of order, left open (idle timeout or eviction or end of capture)
                    run.Handshake(c, s);
                    run.C(c + 5, s + 1, TcpFlags.Ack | TcpFlags.Psh, "Y\r\n");
                    run.C(c + 1, s + 1, TcpFlags.Ack | TcpFlags.Psh, "ABCD");
                    break;
                case 3: // joined mid-stream, server speaks first
                    run.S(s, c, TcpFlags.Ack | TcpFlags.Psh, "230 in\r\n");
                    run.C(c, s + 8, TcpFlags.Ack | TcpFlags.Psh, "PWD\r\n");
                    break;
                case 4: // a new SYN on a tuple that may still be open
                    run.Handshake(c, s);
                    run.C(c + 1, s + 1, TcpFlags.Ack | TcpFlags.Psh, "NOOP\r\n");
                    run.Handshake(c + 100_000, s + 100_000);
                    run.C(c + 100_001, s + 100_001, TcpFlags.Ack | TcpFlags.Psh, "QUIT\r\n");
                    break;
                default: // a long pause: idle connections time out, closed ones leave the table
                    run.Handshake(c, s);
                    run.S(s + 1, c + 1, TcpFlags.Ack | TcpFlags.Psh, "421 bye\r\n", afterNs: 6_000_000_000);
                    break;
            }
        }
        run.Finish();
        return run;
    }

    [Fact]
    public void Results_are_the_same_as_with_new_objects()
    {
        var fresh = Run(recycle: false);
        var recycled = Run(recycle: true);

        Assert.Equal(fresh.Observer.Handlers.Count, recycled.Observer.Handlers.Count);
        for (int i = 0; i < fresh.Observer.Handlers.Count; i++)
        {
            RecordingHandler a = fresh.Observer.Handlers[i], b = recycled.Observer.Handlers[i];
            Assert.Equal(a.AtClose, b.AtClose);
            Assert.Equal(a.ClientText, b.ClientText);
            Assert.Equal(a.ServerText, b.ServerText);
            Assert.Equal(a.Gaps, b.Gaps);
            Assert.Equal(a.Closes, b.Closes);
            Assert.Equal(a.Deliveries, b.Deliveries);
        }
        Assert.Equal(fresh.Anomalies.Items, recycled.Anomalies.Items);
        Assert.Equal(fresh.Table.ConnectionsCreated, recycled.Table.ConnectionsCreated);
        Assert.Equal(fresh.Table.Evicted, recycled.Table.Evicted);
        Assert.Equal(fresh.Table.TimedOut, recycled.Table.TimedOut);
        Assert.Equal(fresh.Table.Replaced, recycled.Table.Replaced);
        Assert.Equal(fresh.Table.Gaps, recycled.Table.Gaps);
        Assert.True(fresh.Table.Evicted > 0 && fresh.Table.TimedOut > 0 && fresh.Table.Replaced > 0 && fresh.Table.Gaps > 0,
            $"the scenario must end connections every way: evicted {fresh.Table.Evicted}, timed out {fresh.Table.TimedOut}, replaced {fresh.Table.Replaced}, gaps {fresh.Table.Gaps}");

        // The objects really were reused (otherwise this test compares two fresh runs).
        int distinctFresh = fresh.Observer.Connections.Distinct().Count();
        int distinctRecycled = recycled.Observer.Connections.Distinct().Count();
        Assert.Equal(fresh.Observer.Connections.Count, distinctFresh);
        Assert.True(distinctRecycled < distinctFresh / 2, $"{distinctRecycled} distinct objects for {distinctFresh} connections");
    }

    [Fact]
    public void Off_by_default()
    {
        var run = new TcpScenario();
        run.Handshake();
        run.C(1001, 5001, TcpFlags.Ack | TcpFlags.Rst);
        run.TimeNs += FtpTraceLimits.Default.ClosedConnectionLingerNs * 2;
        run.Handshake(9000, 9500);
        Assert.False(run.Table.RecycleConnections);
        Assert.Equal(2, run.Observer.Connections.Count);
        Assert.NotSame(run.Observer.Connections[0], run.Observer.Connections[1]);
        Assert.Equal(CloseReason.Reset, run.Observer.Connections[0].Closed);
    }
}
