using System.Text;
using FtpTrace.Analysis;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Sessions;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.EndToEnd;

/// <summary>
/// Crafted capture files through the whole analyzer: for each case the replies (code, text, the
/// command they answer, frame) and commands that must come out are written beside it.
/// </summary>
public sealed class CaptureAnalyzerTests
{
    private const ReplyRole Greeting = ReplyRole.Greeting;
    private const ReplyRole Final = ReplyRole.Final;
    private const ReplyRole Preliminary = ReplyRole.Preliminary;
    private const ReplyRole Unsolicited = ReplyRole.Unsolicited;

    private static (int Code, string Text, ReplyRole Role, string? Verb, string? Argument)[] Summary(AnalysisRun run) =>
        [.. run.Replies.Select(r => (r.Code, r.Text, r.Role, r.Verb, r.Argument))];

    private static (string Verb, string Argument, int? Code, int Preliminaries)[] CommandSummary(AnalysisRun run) =>
        [.. run.Commands.Select(c => (c.Verb, c.Argument, c.FinalCode, c.Preliminaries))];

    [Fact]
    public void MultiLineFeatReplyInSevenSegmentsIsOneReplyToFeat()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        var feat = b.Client("FEAT\r\n");
        var pieces = b.Server("211-Features:\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n211 End\r\n", 3, 15, 22, 29, 40, 52);
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
            [(220, "ready", Greeting, null, null), (211, "Features:\n EPSV\n MDTM\n PASV\n REST STREAM\n SIZE\nEnd", Final, "FEAT", "")],
            Summary(run));
        var reply = run.ReplyRecords[1];
        Assert.Equal(pieces[0].Frame, reply.Reply.Frame);
        Assert.Equal(pieces[6].Frame, reply.Reply.EndFrame);
        Assert.Equal(7, reply.Reply.LineCount);
        Assert.Equal(feat[0].Frame, reply.Command!.Frame);
        Assert.Equal(pieces[0].FrameTimeNs - feat[0].FrameTimeNs, reply.LatencyNs);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void CommandSplitBetweenCrAndLfIsReadWhole()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        var user = b.Client("USER bob\r\nPASS secret\r\n", 9); // "USER bob\r" | "\nPASS secret\r\n"
        b.Server("331 Password required\r\n");
        b.Server("230 Logged in\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal([("USER", "bob", 331, 0), ("PASS", "secret", 230, 0)], CommandSummary(run));
        Assert.Equal(user[0].Frame, run.Commands[0].Frame);
        Assert.Equal(user[1].Frame, run.Commands[1].Frame);
        Assert.Equal(LoginOutcome.Succeeded, run.SingleSession.Login);
        Assert.Equal("bob", run.SingleSession.User);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void OutOfOrderRetransmittedAndForgedSegmentsGiveTheRepliesAsFirstReceived()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("USER bob\r\n");
        var r331 = b.Server("331 Password required for bob\r\n", 8, 16);
        b.Reorder(r331, 1, 2, 0);
        b.Retransmit(r331[1]);
        b.Client("PASS secret\r\n");
        var r230 = b.Server("230 User bob logged in\r\n");
        b.Retransmit(r230[0], Encoding.Latin1.GetBytes("530 Login incorrect...\r\n"));
        b.Client("QUIT\r\n");
        b.Server("221 Goodbye\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
        [
            (220, "ready", Greeting, null, null),
            (331, "Password required for bob", Final, "USER", "bob"),
            (230, "User bob logged in", Final, "PASS", "secret"),
            (221, "Goodbye", Final, "QUIT", ""),
        ], Summary(run));
        Assert.Equal(["conflicting_overlap"], run.Kinds);
        Assert.Equal(1, run.SingleSession.Anomalies);
    }

    [Fact]
    public void ReplyCrossingSequenceWrapIsReadWhole()
    {
        var b = TcpConversationBuilder.Ipv4(clientIsn: 0xFFFFFFFA, serverIsn: 0xFFFFFF00).Handshake();
        b.Server("220-" + new string('w', 200) + "\r\n220 ready\r\n");
        b.Client("HELP\r\n");
        string[] lines = [.. Enumerable.Range(0, 10).Select(i => $" CMD{i}")];
        var help = b.Server("214-Commands:\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "214 Direct comments to root\r\n", 30, 60);
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.True(help[0].Sequence > help[2].Sequence, "the reply must cross 2^32");
        Assert.Equal(
        [
            (220, new string('w', 200) + "\nready", Greeting, null, null),
            (214, "Commands:\n" + string.Join('\n', lines) + "\nDirect comments to root", Final, "HELP", ""),
        ], Summary(run));
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void JoinedMidStreamOnPort21PairsWhatFollows()
    {
        var b = TcpConversationBuilder.Ipv4(clientIsn: 123_456, serverIsn: 654_321);
        b.Server("331 Password required\r\n");
        b.Client("PASS secret\r\n");
        b.Server("230 Logged in\r\n");
        b.Client("PWD\r\n");
        b.Server("257 \"/srv\" is current\r\n");

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
        [
            (331, "Password required", Unsolicited, null, null),
            (230, "Logged in", Final, "PASS", "secret"),
            (257, "\"/srv\" is current", Final, "PWD", ""),
        ], Summary(run));
        var s = run.SingleSession;
        Assert.Equal(21, s.Server.Port);
        Assert.Equal("/srv", s.WorkingDirectory);
        Assert.Equal(LoginOutcome.Succeeded, s.Login);
        Assert.Equal(["midstream_join", "unsolicited_reply"], run.Kinds);
    }

    [Fact]
    public void JoinedMidStreamOnAnUnknownPortAfterTheGreetingFindsFtpAndItsServer()
    {
        // The capture starts with the server's greeting; no SYN; both ports above 1024, none configured.
        var b = TcpConversationBuilder.Ipv4(serverPort: 40021, clientPort: 50000);
        b.Server("220 FTP server ready\r\n");
        b.Client("USER bob\r\n");
        b.Server("331 Password required\r\n");

        var run = AnalyzerHarness.Run(b.ToCapture());

        var s = run.SingleSession;
        Assert.Equal(40021, s.Server.Port);
        Assert.Equal(50000, s.Client.Port);
        Assert.Equal(
        [
            (220, "FTP server ready", Greeting, null, null),
            (331, "Password required", Final, "USER", "bob"),
        ], Summary(run));
    }

    [Fact]
    public void JoinedMidStreamOnAConfiguredPortWithTheServerReplyFirst()
    {
        var b = TcpConversationBuilder.Ipv4(serverPort: 2121, clientPort: 50000);
        b.Server("331 Password required\r\n");
        b.Client("PASS secret\r\n");
        b.Server("230 Logged in\r\n");

        var run = AnalyzerHarness.Run(b.ToCapture(), AnalyzerHarness.Ports(2121));

        Assert.Equal(2121, run.SingleSession.Server.Port);
        Assert.Equal(
        [
            (331, "Password required", Unsolicited, null, null),
            (230, "Logged in", Final, "PASS", "secret"),
        ], Summary(run));
    }

    [Fact]
    public void WholeReplyRightAfterALostSegmentIsKeptAndPairedWithTheCommandItAnswers()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("USER bob\r\n");
        b.Server("331 Password required\r\n");
        b.Client("PASS secret\r\n");
        b.Server("230 Logged in\r\n")[0].Dropped = true;   // a whole segment (a whole reply) lost
        b.Client("SYST\r\n");
        var syst = b.Server("215 UNIX Type: L8\r\n")[0];   // intact, starts right after the hole
        b.Client("PWD\r\n");
        b.Server("257 \"/home/bob\"\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Single(run.Of(AnomalyKind.StreamGap));
        // The lost 230 answered PASS: PASS is given up, and the 215 (valid for SYST, not for PASS) pairs with SYST.
        Assert.Equal(
        [
            (220, "ready", Greeting, null, null),
            (331, "Password required", Final, "USER", "bob"),
            (215, "UNIX Type: L8", Final, "SYST", ""),
            (257, "\"/home/bob\"", Final, "PWD", ""),
        ], Summary(run));
        Assert.Equal(syst.Frame, run.Replies[2].Frame);
        Assert.Contains(run.Commands, c => c.Verb == "PASS" && c.FinalCode is null);
        var broken = Assert.Single(run.Of(AnomalyKind.PairingBroken));
        Assert.Equal(syst.Frame, broken.Frame);
        Assert.Equal(["stream_gap", "pairing_broken"], run.Kinds);
    }

    [Fact]
    public void ReplyAfterASnaplenCutSegmentIsKeptAndPairedWithTheTransfer()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("RETR x\r\n");
        b.Server("150 Opening BINARY mode data connection for x (4096 bytes)\r\n")[0].CapturedPayloadBytes = 20;
        var done = b.Server("226 Transfer complete\r\n")[0];
        b.Client("QUIT\r\n");
        b.Server("221 Bye\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Single(run.Of(AnomalyKind.SnaplenCut));
        // The cut 150 is dropped; the 226 right after it is valid for RETR, so it still completes RETR.
        Assert.Equal(
        [
            (220, "ready", Greeting, null, null),
            (226, "Transfer complete", Final, "RETR", "x"),
            (221, "Bye", Final, "QUIT", ""),
        ], Summary(run));
        Assert.Equal(done.Frame, run.Replies[1].Frame);
        Assert.Empty(run.Of(AnomalyKind.PairingBroken));
    }

    [Fact]
    public void IncompleteFragmentedDatagramAtTheEndOfTheCaptureIsReported()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("USER bob\r\n");
        b.Server("331 Password required for the user called bob, please\r\n")[0].Options = new FrameOptions { FragmentPayloadBytes = 32 };
        var frames = b.Build();

        var run = AnalyzerHarness.Run(TcpConversationBuilder.ToCapture([.. frames.Take(frames.Count - 1)])); // last fragment never captured

        Assert.Equal([220], run.Replies.Select(r => r.Code));
        Assert.Single(run.Of(AnomalyKind.FragmentTimeout));
    }

    [Fact]
    public void JoinedMidStreamOnAnUnknownPortWithANonGreetingReplyFirstIsFoundAsFtp()
    {
        var b = TcpConversationBuilder.Ipv4(serverPort: 40021, clientPort: 50000);
        var first = b.Server("331 Password required\r\n");
        b.Client("PASS secret\r\n");
        b.Server("230 Logged in\r\n");
        b.Client("PWD\r\n");
        b.Server("257 \"/\" is current\r\n");

        var run = AnalyzerHarness.Run(b.ToCapture());

        var s = run.SingleSession;
        Assert.Equal((40021, 50000), (s.Server.Port, s.Client.Port));
        Assert.Equal(
        [
            (331, "Password required", Unsolicited, null, null),
            (230, "Logged in", Final, "PASS", "secret"),
            (257, "\"/\" is current", Final, "PWD", ""),
        ], Summary(run));
        Assert.Equal(["midstream_join", "unsolicited_reply"], run.Kinds);
        var join = run.Of(AnomalyKind.MidstreamJoin).Single();
        Assert.Equal((first[0].Frame, s.Id), (join.Frame, join.ConnectionId));
        Assert.Contains(":50000 -> ", join.Detail, StringComparison.Ordinal);   // roles as settled by the content
        Assert.EndsWith(":40021: joined mid-stream (no SYN seen); the session's start was not captured", join.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectionsJoinedMidStreamThatAreNotFtpReportNothing()
    {
        var http = TcpConversationBuilder.Ipv4(serverPort: 8080, clientPort: 50001);
        http.Client("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        http.Server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        var smtp = TcpConversationBuilder.Ipv4(serverPort: 2525, clientPort: 50002);
        smtp.Server("250 2.0.0 Ok\r\n");
        smtp.Client("MAIL FROM:<a@example.com>\r\n");

        var run = AnalyzerHarness.Run(TcpConversationBuilder.ToCapture([.. http.Build(), .. smtp.Build()]));

        Assert.Empty(run.Sessions);
        Assert.Empty(run.Anomalies.Items);
        Assert.Equal(2, run.Stats.TcpConnections);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(100_000)]
    public void RepliesBeyondThePendingLimitPairWithTheirOwnCommands(int count)
    {
        int limit = FtpTraceLimits.Default.MaxPendingCommands;
        int givenUp = count - limit;
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        const int PerSegment = 100;   // all the commands, then all the replies, in segments of 100 lines
        for (int i = 0; i < count; i += PerSegment) b.Client(string.Concat(Enumerable.Range(i, PerSegment).Select(n => $"SIZE f{n}\r\n")));
        for (int i = 0; i < count; i += PerSegment) b.Server(string.Concat(Enumerable.Range(i, PerSegment).Select(n => $"213 {n}\r\n")));
        b.Close();

        var run = AnalyzerHarness.RunInMemory(b.ToCapture());

        Assert.Equal(givenUp, run.Of(AnomalyKind.PendingCommandLimit).Count());
        Assert.Equal(givenUp, run.Anomalies.Items.Count);
        var sizes = run.ReplyRecords.Where(r => r.Reply.Code == 213).ToList();
        Assert.Equal(count, sizes.Count);
        // The replies to the given-up commands are orphaned (no command), in order; every later one pairs with its own SIZE.
        Assert.All(sizes.Take(givenUp), r => Assert.Equal((ReplyRole.Orphaned, (FtpTrace.Protocol.FtpCommand?)null), (r.Role, r.Command)));
        Assert.Equal(Enumerable.Range(0, givenUp).Select(i => $"{i}"), sizes.Take(givenUp).Select(r => r.Reply.Text));
        Assert.All(sizes.Skip(givenUp), r => Assert.Equal(("f" + r.Reply.Text, Final), (r.Command!.Argument, r.Role)));
        Assert.DoesNotContain(run.ReplyRecords, r => r.Role == Unsolicited);
        Assert.Equal(count, run.Commands.Count(c => c.Verb == "SIZE"));
        Assert.Equal(givenUp, run.Commands.Count(c => c.Verb == "SIZE" && c.FinalCode is null));
    }

    [Fact]
    public void FinalAckAfterACloseDroppedFromAFullTableOpensNoConnection()
    {
        var options = AnalysisOptions.Default with { Limits = FtpTraceLimits.Default with { MaxConnections = 2 } };
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("QUIT\r\n");
        b.Server("221 Bye\r\n");
        b.Fin(Side.Client);
        b.Fin(Side.Server);
        var other1 = TcpConversationBuilder.Ipv4(clientPort: 1111);
        var other2 = TcpConversationBuilder.Ipv4(clientPort: 2222);
        other1.Syn();
        other2.Syn();
        var lastAck = b.Ack(Side.Client);
        var frames = b.Build().Take(b.Segments.Count - 1)
            .Concat(other1.Build()).Concat(other2.Build()).Append(b.Build()[^1])
            .Select((f, i) => f with { TimestampNs = b.StartNs + (i * 1000L) }).ToList();
        Assert.Empty(lastAck.Payload);

        var run = AnalyzerHarness.Run(TcpConversationBuilder.ToCapture(frames), options);

        // The lingering closed connection makes room for other2; its final bare ACK opens nothing.
        var s = Assert.Single(run.Sessions, s => s.Client.Port == 50000);
        Assert.Equal(1, s.Commands);
        Assert.Equal(3, run.Stats.TcpConnections);
        Assert.Empty(run.Of(AnomalyKind.MidstreamJoin));
        Assert.Empty(run.Of(AnomalyKind.ConnectionEvicted));
    }

    [Fact]
    public void GapWhileFtpIsStillBeingRecognisedReachesTheParserInItsPlace()
    {
        // Port 2121: the bytes are held until the client's first command shows the dialogue is FTP.
        // The middle of the multi-line greeting is lost; the replay must tell the parser about the gap
        // instead of joining "220-Welcome" and "220 ready" into one reply.
        var b = TcpConversationBuilder.Ipv4(serverPort: 2121).Handshake();
        var greeting = b.Server("220-Welcome\r\n220-Rules apply\r\n220 ready\r\n", 13, 30);
        greeting[1].Dropped = true;
        b.Client("USER bob\r\n");                       // ACKs past the lost bytes
        b.Server("331 Password required\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Single(run.Of(AnomalyKind.StreamGap));
        Assert.Single(run.Of(AnomalyKind.UnterminatedMultilineReply));
        Assert.DoesNotContain(run.Replies, r => r.Text.Contains("Welcome", StringComparison.Ordinal));
        // "220 ready" was sent before USER, so it cannot be USER's reply (after the gap the tracker
        // no longer vouches for it being the greeting: it stays unpaired).
        Assert.Contains(run.Replies, r => r.Code == 220 && r.Text == "ready" && r.Verb is null && r.Role == ReplyRole.Unsolicited);
        Assert.Contains(run.Replies, r => r.Code == 331 && r.Verb == "USER" && r.Role == Final);
    }

    [Fact]
    public void LostSegmentIsAGapTheReplyItCutIsNotEmittedAndLaterRepliesPair()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("USER bob\r\n");
        b.Server("331 Password required\r\n");
        b.Client("PASS secret\r\n");
        var cut = b.Server("230-Welcome, bob\r\n230 Logged in\r\n", 18);
        cut[1].Dropped = true;                        // the block's last line never captured
        b.Client("NOOP\r\n");                          // ACK past the lost bytes
        var lateNoop = b.Server("200 NOOP ok\r\n");   // arrives after the hole: the gap is declared here
        b.Client("PWD\r\n");
        b.Server("257 \"/home/bob\"\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());
        var streams = StreamHarness.Run(b.ToCapture());

        Assert.Equal([new StreamGapRecord(11 + 23 + 18, 15, lateNoop[0].Frame)], streams.Single.ServerToClient.Gaps);
        var gap = Assert.Single(run.Of(AnomalyKind.StreamGap));
        Assert.Contains("15 bytes missing at stream offset 52", gap.Detail, StringComparison.Ordinal);
        Assert.Single(run.Of(AnomalyKind.UnterminatedMultilineReply));
        // The cut 230 block is never emitted as a whole reply. PASS, whose reply was lost in the gap, is
        // given up (pairing_broken); the 200 after the hole is valid for NOOP, not for PASS, so it goes to NOOP.
        Assert.Single(run.Of(AnomalyKind.PairingBroken));
        Assert.DoesNotContain(run.Replies, r => r.Code == 230);
        Assert.Contains(run.Commands, c => c.Verb == "PASS" && c.FinalCode is null);
        Assert.DoesNotContain(run.Replies, r => r.Role == Final && r.Verb == "PASS");
        Assert.Contains(run.Replies, r => r.Code == 200 && r.Role == Final && r.Verb == "NOOP" && r.Frame == lateNoop[0].Frame);
        // Later replies still pair.
        Assert.Equal((257, "\"/home/bob\"", Final, "PWD", ""), Summary(run)[^1]);
    }

    public static TheoryData<string> LinkLayers => ["802.1Q", "QinQ", "SLL", "SLL2", "Raw101", "Raw228", "Raw229", "Null", "Ipv6Ext"];

    [Theory]
    [MemberData(nameof(LinkLayers))]
    public void EveryLinkLayerGivesTheSameReplies(string linkLayer)
    {
        bool v6 = linkLayer is "Raw229" or "Ipv6Ext";
        var b = v6 ? TcpConversationBuilder.Ipv6() : TcpConversationBuilder.Ipv4();
        b.Defaults = linkLayer switch
        {
            "802.1Q" => new FrameOptions { VlanTags = [VlanTag.Dot1Q(7)] },
            "QinQ" => new FrameOptions { VlanTags = [VlanTag.Dot1Ad(3), VlanTag.Dot1Q(7)] },
            "SLL" => new FrameOptions { LinkType = 113 },
            "SLL2" => new FrameOptions { LinkType = 276 },
            "Raw101" => new FrameOptions { LinkType = 101 },
            "Raw228" => new FrameOptions { LinkType = 228 },
            "Raw229" => new FrameOptions { LinkType = 229 },
            "Null" => new FrameOptions { LinkType = 0 },
            "Ipv6Ext" => new FrameOptions { Ipv6Extensions = [new Ipv6Extension(0), new Ipv6Extension(60)] },
            _ => throw new ArgumentOutOfRangeException(nameof(linkLayer)),
        };
        AnonymousLogin(b);

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(AnonymousLoginReplies, Summary(run));
        Assert.True(run.SingleSession.Anonymous);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void ReplyInThreeOutOfOrderFragmentsIsOneReply()
    {
        string text = "Welcome " + new string('.', 60) + " enjoy";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("PASS x\r\n");
        var reply = b.Server($"230 {text}\r\n")[0];
        reply.Options = new FrameOptions { FragmentPayloadBytes = 40, FragmentOrder = [1, 2, 0] };
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(3, reply.Frames.Count);
        Assert.Equal((230, text, Final, "PASS", "x"), Summary(run)[1]);
        Assert.Equal(reply.Frame, run.Replies[1].Frame);
    }

    [Fact]
    public void TruncatedFileThroughTheCliReportsWhatCameBeforeAndExitsZero()
    {
        var b = AnonymousLogin(TcpConversationBuilder.Ipv4());
        var frames = b.Build();
        var file = TcpConversationBuilder.ToCapture(frames);
        var pass230 = b.Segments.First(s => s.Payload.Length > 0 && Encoding.Latin1.GetString(s.Payload).StartsWith("230", StringComparison.Ordinal));
        // Cut in the middle of the record after the 230 (the QUIT): the 230 is the last reply.
        int offset = 24 + frames.Take((int)pass230.Frame + 1).Sum(f => 16 + f.Data.Length) - 7;

        using var capture = new TempCapture(CaptureWriter.Cut(file, offset));
        using var dir = new TempDirectory();
        int exit = AnalyzerHarness.RunCli(capture.Path, "--csv", dir.Path);

        Assert.Equal(0, exit);
        var replies = File.ReadAllLines(Path.Combine(dir.Path, "replies.csv"));
        Assert.Equal(4, replies.Length); // header + 220, 331, 230
        Assert.Contains(",230,", replies[3], StringComparison.Ordinal);
        Assert.Contains(",PASS,", replies[3], StringComparison.Ordinal);
        var anomalies = File.ReadAllText(Path.Combine(dir.Path, "anomalies.csv"));
        Assert.Contains("truncated_file", anomalies, StringComparison.Ordinal);

        var run = AnalyzerHarness.Run(capture.Path);
        Assert.Equal(AnonymousLoginReplies[..3], Summary(run));
        Assert.Equal(pass230.Frame + 1, Assert.Single(run.Of(AnomalyKind.TruncatedFile)).Frame);
    }

    [Fact]
    public void PipelinedCommandsInOneSegmentPairInOrder()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        var batch = b.Client("USER anonymous\r\nPASS me@\r\nSYST\r\nTYPE I\r\nPWD\r\n")[0];
        b.Server("331 Guest login ok\r\n230 Logged in\r\n");
        b.Server("215 UNIX Type: L8\r\n200 Type set to I\r\n257 \"/\" is current\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
        [
            ("USER", "anonymous", 331, 0), ("PASS", "me@", 230, 0), ("SYST", "", 215, 0), ("TYPE", "I", 200, 0), ("PWD", "", 257, 0),
        ], CommandSummary(run));
        Assert.All(run.Commands, c => Assert.Equal(batch.Frame, c.Frame));
        Assert.Equal("/", run.SingleSession.WorkingDirectory);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void ReplySplitOverManySegmentsIsOneReply()
    {
        string text = "Directory listing follows, " + new string('#', 50);
        string reply = $"150 {text}\r\n";
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("LIST\r\n");
        var pieces = b.Server(reply, [.. Enumerable.Range(1, reply.Length - 1)]); // one byte per segment
        b.Server("226 Done\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(reply.Length, pieces.Count);
        Assert.Equal([(220, "ready", Greeting, null, null), (150, text, Preliminary, "LIST", ""), (226, "Done", Final, "LIST", "")], Summary(run));
        Assert.Equal(pieces[0].Frame, run.Replies[1].Frame);
        Assert.Equal(pieces[^1].Frame, run.ReplyRecords[1].Reply.EndFrame);
    }

    [Fact]
    public void AuthTlsAcceptedWith234StopsParsingAndCountsTheRest()
    {
        var rng = new Random(234);
        byte[] clientHello = new byte[517];
        byte[] serverHello = new byte[1200];
        rng.NextBytes(clientHello);
        rng.NextBytes(serverHello);
        clientHello[0] = 0x16;
        serverHello[0] = 0x16;
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("auth tls\r\n");
        var accepted = b.Server("234 AUTH TLS successful\r\n")[0];
        b.Send(Side.Client, clientHello);
        b.Send(Side.Server, serverHello, 600);
        b.Send(Side.Client, Encoding.ASCII.GetBytes("USER looks-like-ftp\r\n")); // inside TLS in reality: not parsed
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal([(220, "ready", Greeting, null, null), (234, "AUTH TLS successful", Final, "auth", "tls")], Summary(run));
        var s = run.SingleSession;
        Assert.Equal(accepted.Frame, s.EncryptedFromFrame);
        Assert.Equal(clientHello.Length + serverHello.Length + 21, s.EncryptedBytes);
        Assert.Null(s.User);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void FtpOnPort2121IsFoundByItsBehaviour()
    {
        var b = TcpConversationBuilder.Ipv4(serverPort: 2121).Handshake();
        AnonymousLoginBody(b);

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(AnonymousLoginReplies, Summary(run));
        Assert.Equal(2121, run.SingleSession.Server.Port);

        var off = AnalyzerHarness.Run(b.ToCapture(), AnalysisOptions.Default with { DetectFtpOnOtherPorts = false });
        Assert.Empty(off.Sessions);
    }

    [Fact]
    public void SmtpOnPort2121IsNotReportedAsFtp()
    {
        var b = TcpConversationBuilder.Ipv4(serverPort: 2121).Handshake();
        b.Server("220 mail.example.com ESMTP Postfix\r\n");
        b.Client("EHLO client.example.com\r\n");
        b.Server("250-mail.example.com\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
        b.Client("QUIT\r\n");
        b.Server("221 2.0.0 Bye\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Empty(run.Sessions);
        Assert.Empty(run.Replies);
        Assert.Empty(run.Anomalies.Items);
        Assert.Equal(1, run.Stats.TcpConnections);
    }

    [Fact]
    public void RetrGetsItsPreliminaryAndFinalReply()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        var retr = b.Client("RETR file.bin\r\n")[0];
        var r150 = b.Server("150 Opening BINARY mode data connection\r\n")[0];
        var r226 = b.Server("226 Transfer complete\r\n")[0];
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
        [
            (220, "ready", Greeting, null, null),
            (150, "Opening BINARY mode data connection", Preliminary, "RETR", "file.bin"),
            (226, "Transfer complete", Final, "RETR", "file.bin"),
        ], Summary(run));
        Assert.Equal([("RETR", "file.bin", 226, 1)], CommandSummary(run));
        Assert.Equal(r150.FrameTimeNs - retr.FrameTimeNs, run.ReplyRecords[1].LatencyNs);
        Assert.Equal(r226.FrameTimeNs - retr.FrameTimeNs, run.CommandRecords[0].LatencyNs);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void Unsolicited421IsKeptUnpairedWithoutAnomaly()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        AnonymousLoginBodyWithoutQuit(b);
        var timeout = b.Server("421 Timeout (300 seconds): closing control connection.\r\n")[0];
        timeout.TimeNs = b.StartNs + (301L * 1_000_000_000);
        b.Close();
        foreach (var s in b.Segments.SkipWhile(s => s != timeout).Skip(1)) s.TimeNs = timeout.TimeNs + 1_000_000;

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal((421, "Timeout (300 seconds): closing control connection.", Unsolicited, null, null), Summary(run)[^1]);
        Assert.Empty(run.Anomalies.Items);
    }

    [Fact]
    public void TelnetInterruptAndSynchBeforeAborAreRemoved()
    {
        var b = TcpConversationBuilder.Ipv4().Handshake();
        b.Server("220 ready\r\n");
        b.Client("RETR big.iso\r\n");
        b.Server("150 Opening data connection\r\n");
        var abor = b.Send(Side.Client, [0xFF, 0xF4, 0xFF, 0xF2, .. Encoding.ASCII.GetBytes("ABOR\r\n")], 2); // IAC IP | IAC DM ABOR
        abor[1].Flags |= FtpTrace.Decoding.TcpFlags.Urg;
        b.Server("426 Connection closed; transfer aborted.\r\n");
        b.Server("226 ABOR command successful.\r\n");
        b.Close();

        var run = AnalyzerHarness.Run(b.ToCapture());

        Assert.Equal(
        [
            (220, "ready", Greeting, null, null),
            (150, "Opening data connection", Preliminary, "RETR", "big.iso"),
            (426, "Connection closed; transfer aborted.", Final, "RETR", "big.iso"),
            (226, "ABOR command successful.", Final, "ABOR", ""),
        ], Summary(run));
        Assert.Equal([("RETR", "big.iso", 426, 1), ("ABOR", "", 226, 0)], CommandSummary(run));
        Assert.Equal(abor[1].Frame, run.Commands[1].Frame);
        // The transfer was aborted (its data connection is not in this capture and was never announced).
        Assert.Equal(["transfer_aborted"], run.Kinds);
    }

    [Fact]
    public void ManyInterleavedSessionsArePairedWithinEachSession()
    {
        const int count = 40;
        var builders = new List<TcpConversationBuilder>();
        for (int i = 0; i < count; i++)
        {
            var b = TcpConversationBuilder.Ipv4(clientPort: (ushort)(40000 + i), clientIsn: (uint)(i * 7919), serverIsn: (uint)(i * 104729),
                clientAddress: $"10.1.{i / 200}.{(i % 200) + 1}");
            b.Handshake();
            b.Server($"220 server for session {i}\r\n");
            b.Client($"USER user{i}\r\n");
            b.Server($"331 Password for user{i}\r\n");
            b.Client($"PASS pw{i}\r\n");
            b.Server(i % 3 == 0 ? "530 Login incorrect\r\n" : $"230 user{i} logged in\r\n");
            b.Client($"CWD /d{i}\r\n");
            b.Server($"250 now in /d{i}\r\n");
            b.Close();
            builders.Add(b);
        }
        var frames = TcpConversationBuilder.Interleave(builders);

        var run = AnalyzerHarness.Run(TcpConversationBuilder.ToCapture(frames));

        Assert.Equal(count, run.Sessions.Count);
        Assert.Equal(count, run.SessionsEnded);
        for (int i = 0; i < count; i++)
        {
            var s = run.Sessions.Single(x => x.Client.Port == 40000 + i);
            var replies = run.Replies.Where(r => r.Session == s.Id).Select(r => (r.Code, r.Text, r.Verb, r.Argument)).ToArray();
            bool fails = i % 3 == 0;
            Assert.Equal(
            [
                (220, $"server for session {i}", null, null),
                (331, $"Password for user{i}", "USER", $"user{i}"),
                (fails ? 530 : 230, fails ? "Login incorrect" : $"user{i} logged in", "PASS", $"pw{i}"),
                (250, $"now in /d{i}", "CWD", $"/d{i}"),
            ], replies);
            Assert.Equal($"user{i}", s.User);
            Assert.Equal(fails ? LoginOutcome.Failed : LoginOutcome.Succeeded, s.Login);
            Assert.Equal($"/d{i}", s.WorkingDirectory);
        }
        Assert.Empty(run.Anomalies.Items);
    }

    private static readonly (int, string, ReplyRole, string?, string?)[] AnonymousLoginReplies =
    [
        (220, "ready", Greeting, null, null),
        (331, "Guest login ok", Final, "USER", "anonymous"),
        (230, "Logged in", Final, "PASS", "me@example.com"),
        (221, "Bye", Final, "QUIT", ""),
    ];

    private static TcpConversationBuilder AnonymousLogin(TcpConversationBuilder b)
    {
        b.Handshake();
        AnonymousLoginBody(b);
        return b;
    }

    private static void AnonymousLoginBody(TcpConversationBuilder b)
    {
        AnonymousLoginBodyWithoutQuit(b);
        b.Client("QUIT\r\n");
        b.Server("221 Bye\r\n");
        b.Close();
    }

    private static void AnonymousLoginBodyWithoutQuit(TcpConversationBuilder b)
    {
        b.Server("220 ready\r\n");
        b.Client("USER anonymous\r\n");
        b.Server("331 Guest login ok\r\n");
        b.Client("PASS me@example.com\r\n");
        b.Server("230 Logged in\r\n");
    }
}
