using System.Net;
using FtpTrace.Analysis;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.EndToEnd;

/// <summary>
/// Crafted captures with a control connection and its data connections, through the whole analyzer:
/// each case states the transfer rows (bytes, endpoints, reply, completeness) and anomalies expected.
/// </summary>
public sealed class TransferTests
{
    private static Endpoint Ep(string address, int port) => new(IpAddress.FromIPAddress(IPAddress.Parse(address)), (ushort)port);

    private static byte[] Bytes(int n, byte seed = 1) => [.. Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed))];

    /// <summary>A passive download of 3000 bytes in three segments after CWD, TYPE I and SIZE.</summary>
    private static DataScenario PassiveDownload(out TcpConversationBuilder data)
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("CWD /pub/files", "250 Directory successfully changed.");
        s.Exchange("TYPE I", "200 Switching to Binary mode.");
        s.Exchange("SIZE report.bin", "213 3000");
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        data = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        var d = data;
        s.Step(d, b => b.Handshake());
        s.Client("RETR report.bin");
        s.Server("150 Opening BINARY mode data connection for report.bin (3000 bytes).");
        s.Step(d, b => b.Send(Side.Server, Bytes(3000), 1000, 2000));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        return s;
    }

    [Fact]
    public void PassiveDownloadHasItsExactBytesPathAndEndpoints()
    {
        var s = PassiveDownload(out var data);
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal("RETR", t.Command.Verb);
        Assert.Equal("/pub/files/report.bin", t.Path);
        Assert.Equal(TransferDirection.Download, t.Direction);
        Assert.Equal(3000, t.Bytes);
        Assert.Equal(226, t.FinalReply?.Code);
        Assert.True(t.Complete);
        Assert.Equal(Ep("10.0.0.1", 40001), t.DataClient);
        Assert.Equal(Ep("10.0.0.2", 50000), t.DataServer);
        Assert.Equal("PASV", t.Mode);
        Assert.Equal("I", t.TransferType);
        Assert.Equal(3000, t.AnnouncedSize);
        Assert.Equal(2, t.DataConnection);
        Assert.False(t.Encrypted);
        Assert.Equal(data.Segments[0].TimeNs, t.StartNs);
        Assert.Equal(data.Segments[^2].TimeNs, t.EndNs); // the second FIN closes it
        Assert.Empty(run.Anomalies.Items);
        Assert.Equal(1, run.Statistics.Transfers);
        Assert.Equal(3000, run.Statistics.TransferBytesDown);
        Assert.Equal(0, run.Statistics.TransfersFailed);
    }

    [Fact]
    public void TwoClientsAnnouncedTheSameListenerEachGetTheirOwnDataConnection()
    {
        // Both sessions are told to connect to 10.0.0.2:50000 (a server behind a port-reusing NAT, or
        // synthetic traffic); each data connection goes to the session whose client opened it.
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        var other = s.Add(TcpConversationBuilder.Ipv4(clientPort: 50001, clientAddress: "10.0.0.3"));
        s.Step(other, b => b.Handshake());
        s.Step(other, b => b.Server("220 ready\r\n"));
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        foreach (var line in new[] { "USER eve", "PASS x", "PASV" }) s.Step(other, b => b.Client(line + "\r\n"));
        foreach (var line in new[] { "331 need password", "230 ok", "227 Entering Passive Mode (10,0,0,2,195,80)." }) s.Step(other, b => b.Server(line + "\r\n"));

        var first = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(first, b => b.Handshake());
        s.Client("RETR a.bin");
        s.Server("150 Here it comes.");
        s.Step(first, b => b.Send(Side.Server, Bytes(700)));
        s.Step(first, b => b.Close());
        s.Server("226 Transfer complete.");
        var second = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40002, clientAddress: "10.0.0.3"));
        s.Step(second, b => b.Handshake());
        s.Step(other, b => b.Client("RETR b.bin\r\n"));
        s.Step(other, b => b.Server("150 Here it comes.\r\n"));
        s.Step(second, b => b.Send(Side.Server, Bytes(1300)));
        s.Step(second, b => b.Close());
        s.Step(other, b => b.Server("226 Transfer complete.\r\n"));

        var run = TransferRun.Of(s.Build());

        Assert.Equal(2, run.Transfers.Count);
        var a = run.Transfers.Single(t => t.Command.Argument == "a.bin");
        var b = run.Transfers.Single(t => t.Command.Argument == "b.bin");
        Assert.Equal((700L, Ep("10.0.0.1", 40001)), (a.Bytes, a.DataClient));
        Assert.Equal((1300L, Ep("10.0.0.3", 40002)), (b.Bytes, b.DataClient));
        Assert.True(a.Complete && b.Complete);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void RetransmittedDataSegmentsAreCountedOnce()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("TYPE I", "200 ok");
        s.Exchange("EPSV", "229 Entering Extended Passive Mode (|||50000|)");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR a.bin");
        s.Server("150 Opening BINARY mode data connection for a.bin (2000 bytes).");
        IReadOnlyList<ConversationSegment> pieces = [];
        s.Step(d, b => pieces = b.Send(Side.Server, Bytes(2000), 500, 1000, 1500));
        s.Step(d, b => b.Retransmit(pieces[1]));
        s.Step(d, b => b.Retransmit(pieces[3]));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var t = Assert.Single(TransferRun.Of(s.Build()).Transfers);

        Assert.Equal(2000, t.Bytes);
        Assert.Equal("EPSV", t.Mode);
        Assert.True(t.Complete);
    }

    [Fact]
    public void ActiveUploadIsLinkedToTheConnectionTheServerOpensFromPort20()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PWD", "257 \"/home/bob\" is the current directory");
        s.Exchange("PORT 10,0,0,1,156,64", "200 PORT command successful.");
        s.Client("STOR up.txt");
        // The server connects back: TCP client is the FTP server's port 20.
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 40000, clientPort: 20, clientAddress: "10.0.0.2", serverAddress: "10.0.0.1"));
        s.Step(d, b => b.Handshake());
        s.Server("150 Ok to send data.");
        s.Step(d, b => b.Send(Side.Server, Bytes(1234), 600));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal("/home/bob/up.txt", t.Path);
        Assert.Equal(TransferDirection.Upload, t.Direction);
        Assert.Equal(1234, t.Bytes);
        Assert.Equal("PORT", t.Mode);
        Assert.Equal(Ep("10.0.0.1", 40000), t.DataClient);
        Assert.Equal(Ep("10.0.0.2", 20), t.DataServer);
        Assert.True(t.Complete);
        Assert.Empty(run.Anomalies.Items);
        Assert.Equal(1234, run.Statistics.TransferBytesUp);
    }

    [Fact]
    public void Ipv6ExtendedModesWorkBothWays()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv6());
        s.Login();
        s.Exchange("EPSV", "229 Entering Extended Passive Mode (|||50000|)");
        var passive = s.Add(TcpConversationBuilder.Ipv6(serverPort: 50000, clientPort: 40001));
        s.Step(passive, b => b.Handshake());
        s.Client("LIST");
        s.Server("150 Here comes the directory listing.");
        s.Step(passive, b => b.Send(Side.Server, "-rw-r--r-- 1 0 0 99 a.txt\r\n"));
        s.Step(passive, b => b.Close());
        s.Server("226 Directory send OK.");
        s.Exchange("EPRT |2|2001:db8::1|40002|", "200 EPRT command successful.");
        s.Client("NLST");
        var active = s.Add(new TcpConversationBuilder(new IPEndPoint(IPAddress.Parse("2001:db8::2"), 20), new IPEndPoint(IPAddress.Parse("2001:db8::1"), 40002)));
        s.Step(active, b => b.Handshake());
        s.Server("150 Here comes the directory listing.");
        s.Step(active, b => b.Send(Side.Client, "a.txt\r\n"));
        s.Step(active, b => b.Close());
        s.Server("226 Directory send OK.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        Assert.Equal(2, run.Transfers.Count);
        var (list, nlst) = (run.Transfers[0], run.Transfers[1]);
        Assert.Equal(("LIST", 27L, "EPSV"), (list.Command.Verb, list.Bytes, list.Mode));
        Assert.Equal(Ep("2001:db8::1", 40001), list.DataClient);
        Assert.Equal(Ep("2001:db8::2", 50000), list.DataServer);
        Assert.Equal(("NLST", 7L, "EPRT"), (nlst.Command.Verb, nlst.Bytes, nlst.Mode));
        Assert.Equal(Ep("2001:db8::1", 40002), nlst.DataClient);
        Assert.Equal(Ep("2001:db8::2", 20), nlst.DataServer);
        Assert.All(run.Transfers, t => Assert.True(t.Complete));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void PassiveAddressOtherThanTheServersIsFlaggedAndStillLinked()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (192,0,2,10,195,80).");
        // The client connects to the announced (public) address.
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001, serverAddress: "192.0.2.10"));
        s.Step(d, b => b.Handshake());
        s.Client("RETR a.bin");
        s.Server("150 Opening data connection.");
        s.Step(d, b => b.Send(Side.Server, Bytes(100)));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal(100, t.Bytes);
        Assert.Equal(Ep("192.0.2.10", 50000), t.DataServer);
        var a = Assert.Single(run.Anomalies.Items);
        Assert.Equal(AnomalyKind.DataAddressMismatch, a.Kind);
        Assert.Equal(1, a.ConnectionId);
        Assert.Contains("192.0.2.10:50000", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PortToAThirdHostIsABounce()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PORT 10,0,0,99,0,25", "200 PORT command successful.");
        s.Client("RETR mail.txt");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 25, clientPort: 20, clientAddress: "10.0.0.2", serverAddress: "10.0.0.99"));
        s.Step(d, b => b.Handshake());
        s.Server("150 Opening data connection.");
        s.Step(d, b => b.Send(Side.Client, Bytes(64)));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var a = Assert.Single(run.Anomalies.Items);
        Assert.Equal(AnomalyKind.FtpBounce, a.Kind);
        Assert.Contains("10.0.0.99:25", a.Detail, StringComparison.Ordinal);
        var t = Assert.Single(run.Transfers);
        Assert.Equal(64, t.Bytes);
        Assert.Equal(Ep("10.0.0.99", 25), t.DataClient);
        Assert.Equal(Ep("10.0.0.2", 20), t.DataServer);
    }

    [Fact]
    public void AnnouncedDataConnectionThatNeverAppearsIsReportedMissing()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        s.Client("RETR a.bin");
        s.Server("150 Opening BINARY mode data connection for a.bin (500 bytes).");
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal(0, t.Bytes);
        Assert.Null(t.DataClient);
        Assert.Null(t.DataServer);
        Assert.Null(t.DataConnection);
        Assert.Equal(226, t.FinalReply?.Code);
        Assert.False(t.Complete);
        Assert.Equal(500, t.AnnouncedSize);
        var a = Assert.Single(run.Anomalies.Items);
        Assert.Equal(AnomalyKind.DataConnectionMissing, a.Kind);
        Assert.Contains("announced by PASV", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void RefusedTransferWithoutDataConnectionIsARowWithNoBytesAndNoAnomaly()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        s.Exchange("RETR missing.bin", "550 Failed to open file.");
        s.Exchange("STOR x", "530 Please login with USER and PASS.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        Assert.Equal([("RETR", 550), ("STOR", 530)], run.Transfers.Select(t => (t.Command.Verb, t.FinalReply!.Code)));
        Assert.All(run.Transfers, t =>
        {
            Assert.Equal(0, t.Bytes);
            Assert.Null(t.DataClient);
            Assert.False(t.Complete);
        });
        Assert.Empty(run.Anomalies.Items);
        Assert.Equal(2, run.Statistics.TransfersFailed);
    }

    [Fact]
    public void ConnectionBetweenTheSessionsHostsWhileATransferWaitsIsUnannounced()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Client("RETR secret.bin"); // no PASV, no PORT
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 41000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Server("150 Opening data connection.");
        s.Step(d, b => b.Send(Side.Server, Bytes(777)));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal(777, t.Bytes);
        Assert.True(t.Unannounced);
        Assert.Equal("", t.Mode);
        Assert.Equal(Ep("10.0.0.1", 40001), t.DataClient);
        var a = Assert.Single(run.Anomalies.Items);
        Assert.Equal(AnomalyKind.UnannouncedDataConnection, a.Kind);
        Assert.Equal(1, a.ConnectionId);
    }

    [Fact]
    public void ConnectionBetweenOtherHostsIsNotTakenForAWaitingTransfer()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Client("RETR secret.bin");
        var other = s.Add(TcpConversationBuilder.Ipv4(serverPort: 41000, clientPort: 40001, clientAddress: "10.0.0.50"));
        s.Step(other, b => b.Handshake());
        s.Step(other, b => b.Send(Side.Server, Bytes(10)));
        s.Step(other, b => b.Close());
        s.Server("425 Can't open data connection.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal((0L, 425), (t.Bytes, t.FinalReply!.Code));
        Assert.Null(t.DataConnection);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void AnnouncedTransferIsNotTakenOverByAnotherConnectionBetweenTheSameHosts()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PORT 10,0,0,1,156,64", "200 PORT command successful.");
        s.Client("RETR a.bin");
        var other = s.Add(TcpConversationBuilder.Ipv4(serverPort: 41000, clientPort: 40005));
        s.Step(other, b => b.Handshake());
        s.Step(other, b => b.Send(Side.Client, Bytes(10)));
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 40000, clientPort: 20, clientAddress: "10.0.0.2", serverAddress: "10.0.0.1"));
        s.Step(d, b => b.Handshake());
        s.Server("150 Opening data connection.");
        s.Step(d, b => b.Send(Side.Client, Bytes(321)));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal((321L, 3L, false), (t.Bytes, t.DataConnection!.Value, t.Unannounced));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void TransferWithoutAnnouncementAndWithoutConnectionIsNotReportedMissing()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Client("RETR a.bin");
        s.Server("150 Opening data connection.");
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal((0L, 226, false), (t.Bytes, t.FinalReply!.Code, t.Complete));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void AbortedTransferKeepsThe426AndAborGetsThe226()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("TYPE I", "200 ok");
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR big.bin");
        s.Server("150 Opening BINARY mode data connection for big.bin (100000 bytes).");
        s.Step(d, b => b.Send(Side.Server, Bytes(4096), 2048));
        s.Client("ABOR");
        s.Step(d, b => b.Rst(Side.Client));
        s.Server("426 Connection closed; transfer aborted.");
        s.Server("226 ABOR successful.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal(4096, t.Bytes);
        Assert.Equal(426, t.FinalReply?.Code);
        Assert.True(t.Aborted);
        Assert.False(t.Complete);
        var abor = Assert.Single(run.Commands, c => c.Command.Verb == "ABOR");
        Assert.Equal(226, abor.FinalReply?.Code);
        var a = Assert.Single(run.Anomalies.Items);
        Assert.Equal(AnomalyKind.TransferAborted, a.Kind);
        Assert.Equal(1, run.Statistics.TransfersFailed);
    }

    [Theory]
    [InlineData(2000, true)]
    [InlineData(1999, false)]
    [InlineData(3000, false)]
    public void RestOffsetIsSubtractedFromTheAnnouncedSize(int sent, bool complete)
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("TYPE I", "200 ok");
        s.Exchange("SIZE f.bin", "213 3000");
        s.Exchange("REST 1000", "350 Restart position accepted (1000).");
        s.Exchange("EPSV", "229 Entering Extended Passive Mode (|||50000|)");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR f.bin");
        s.Server("150 Opening BINARY mode data connection.");
        s.Step(d, b => b.Send(Side.Server, Bytes(sent)));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        // REST applies to the next transfer only.
        s.Exchange("EPSV", "229 Entering Extended Passive Mode (|||50001|)");
        var d2 = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50001, clientPort: 40002));
        s.Step(d2, b => b.Handshake());
        s.Client("RETR f.bin");
        s.Server("150 Opening BINARY mode data connection.");
        s.Step(d2, b => b.Send(Side.Server, Bytes(3000)));
        s.Step(d2, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        Assert.Equal(2, run.Transfers.Count);
        Assert.Equal((1000L, 3000L, (long)sent, complete), (run.Transfers[0].RestartOffset, run.Transfers[0].AnnouncedSize!.Value, run.Transfers[0].Bytes, run.Transfers[0].Complete));
        Assert.Equal((0L, 3000L, true), (run.Transfers[1].RestartOffset, run.Transfers[1].Bytes, run.Transfers[1].Complete));
    }

    [Fact]
    public void AsciiModeAcceptsLineEndsThatAddBytes()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("TYPE A", "200 ok");
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR notes.txt");
        s.Server("150 Opening ASCII mode data connection for notes.txt (10 bytes).");
        s.Step(d, b => b.Send(Side.Server, "a\r\nb\r\nc\r\nde\r\n")); // 10 bytes with LF on disk, 13 with CR LF
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var t = Assert.Single(TransferRun.Of(s.Build()).Transfers);

        Assert.Equal(("A", 13L, true), (t.TransferType, t.Bytes, t.Complete));
    }

    [Fact]
    public void PassiveReplyArrivingAfterAPipelinedTransferCommandServesIt()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Client("PASV");
        s.Client("LIST");
        s.Server("227 Entering Passive Mode (10,0,0,2,195,80).");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Server("150 Here comes the directory listing.");
        s.Step(d, b => b.Send(Side.Server, Bytes(300)));
        s.Step(d, b => b.Close());
        s.Server("226 Directory send OK.");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal((300L, "PASV", false), (t.Bytes, t.Mode, t.Unannounced));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void MalformedPassiveReplyIsReportedAndTheSessionGoesOn()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv6());
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (1,175,123).");
        s.Exchange("NOOP", "200 ok");
        s.Quit();

        var run = TransferRun.Of(s.Build());

        Assert.Equal(AnomalyKind.MalformedDataAddress, Assert.Single(run.Anomalies.Items).Kind);
        Assert.Empty(run.Transfers);
        Assert.Contains(run.Commands, c => c.Command.Verb == "NOOP" && c.FinalReply?.Code == 200);
    }

    [Fact]
    public void ProtectedDataChannelIsEncryptedAndStillCounted()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PBSZ 0", "200 PBSZ=0");
        s.Exchange("PROT P", "200 Protection level set to P");
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR a.bin");
        s.Server("150 Opening BINARY mode data connection for a.bin (10 bytes).");
        s.Step(d, b => b.Send(Side.Client, [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
        s.Step(d, b => b.Send(Side.Server, [0x16, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5, 0x17, 0x03, 0x03, 0x00, 0x0A, .. Bytes(10)]));
        s.Step(d, b => b.Close());
        s.Server("226 Transfer complete.");
        s.Quit();

        var t = Assert.Single(TransferRun.Of(s.Build()).Transfers);

        Assert.True(t.Encrypted);
        Assert.Equal(35, t.Bytes);
        Assert.True(t.Complete); // sizes are not compared through TLS
    }

    [Fact]
    public void DataConnectionStillOpenAtTheEndOfTheCaptureIsCountedToThere()
    {
        var s = new DataScenario(TcpConversationBuilder.Ipv4());
        s.Login();
        s.Exchange("PASV", "227 Entering Passive Mode (10,0,0,2,195,80).");
        var d = s.Add(TcpConversationBuilder.Ipv4(serverPort: 50000, clientPort: 40001));
        s.Step(d, b => b.Handshake());
        s.Client("RETR a.bin");
        s.Server("150 Opening data connection.");
        s.Step(d, b => b.Send(Side.Server, Bytes(1500), 700));

        var run = TransferRun.Of(s.Build());

        var t = Assert.Single(run.Transfers);
        Assert.Equal(1500, t.Bytes);
        Assert.Null(t.FinalReply);
        Assert.False(t.Complete);
    }
}

/// <summary>
/// A control connection and any data connections on one clock: every step stamps the segments it
/// added with the next tick, and the capture is all frames in time order.
/// </summary>
internal sealed class DataScenario
{
    private readonly List<TcpConversationBuilder> _conversations = [];
    private long _clock = 1_700_000_000L * 1_000_000_000;

    public DataScenario(TcpConversationBuilder control)
    {
        Control = Add(control);
        Step(control, b => b.Handshake());
        Server("220 ready");
    }

    public TcpConversationBuilder Control { get; }

    public TcpConversationBuilder Add(TcpConversationBuilder conversation)
    {
        _conversations.Add(conversation);
        return conversation;
    }

    public void Step(TcpConversationBuilder conversation, Action<TcpConversationBuilder> action)
    {
        int before = conversation.Segments.Count;
        action(conversation);
        foreach (var s in conversation.Segments.Skip(before)) s.TimeNs = _clock += 1_000_000;
    }

    public void Client(string line) => Step(Control, b => b.Client(line + "\r\n"));
    public void Server(string line) => Step(Control, b => b.Server(line + "\r\n"));

    public void Exchange(string command, string reply)
    {
        Client(command);
        Server(reply);
    }

    public void Login()
    {
        Exchange("USER bob", "331 Please specify the password.");
        Exchange("PASS secret", "230 Login successful.");
    }

    public void Quit()
    {
        Exchange("QUIT", "221 Goodbye.");
        Step(Control, b => b.Close());
    }

    public byte[] Build() => TcpConversationBuilder.ToCapture([.. _conversations.SelectMany(c => c.Build()).OrderBy(f => f.TimestampNs)]);
}

/// <summary>Runs a capture through <see cref="CaptureAnalyzer"/> as the CLI does and keeps the transfers, commands, anomalies and statistics.</summary>
internal sealed class TransferRun : IFtpSessionSink
{
    public List<TransferRecord> Transfers { get; } = [];
    public List<CommandRecord> Commands { get; } = [];
    public AnomalyCollector Anomalies { get; } = new();
    public RunStatistics Statistics { get; } = new();

    public static TransferRun Of(byte[] capture)
    {
        var run = new TransferRun();
        var router = new SessionAnomalyRouter(run.Anomalies);
        using var reader = new ManagedCaptureReader(new MemoryStream(capture, writable: false), "memory", FtpTraceLimits.Default, router);
        CaptureAnalyzer.Analyze(reader, "test.pcap", AnalysisOptions.Default, new SessionSinkFanout([router, run, run.Statistics]), router, run.Statistics.Inputs);
        return run;
    }

    public void OnSessionStarted(FtpSession session) { }
    public void OnReply(ReplyRecord reply) { }
    public void OnCommandCompleted(CommandRecord command) => Commands.Add(command);
    public void OnTransfer(TransferRecord transfer) => Transfers.Add(transfer);
    public void OnSessionEnded(FtpSession session) { }
}
