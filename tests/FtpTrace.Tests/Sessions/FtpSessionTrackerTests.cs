using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.Sessions;

public sealed class FtpSessionTrackerTests
{
    // Record formats (see SessionHarness): reply "code role verb latency_ms [unexpected]",
    // command "verb final_code preliminaries latency_ms".

    [Fact]
    public void PlainLoginPairsEachReplyWithItsCommand()
    {
        var h = new SessionHarness();
        h.Reply(100, 220, "FTP ready").Cmd(200, "USER", "alice").Reply(250, 331).Cmd(300, "PASS", "secret").Reply(360, 230);

        Assert.Equal(["220 Greeting - -", "331 Final USER 50", "230 Final PASS 60"], h.ReplyLines());
        Assert.Equal(["USER 331 0 50", "PASS 230 0 60"], h.CommandLines());
        Assert.Equal(["started", "reply 220 Greeting - -", "reply 331 Final USER 50", "command USER 331 0 50",
                      "reply 230 Final PASS 60", "command PASS 230 0 60"], h.Sink.Events);
        Assert.Equal("alice", h.Session.User);
        Assert.Equal(LoginOutcome.Succeeded, h.Session.Login);
        Assert.Equal(1, h.Session.LoginsSucceeded);
        Assert.Equal(0, h.Session.LoginsFailed);
        Assert.False(h.Session.Anonymous);
        Assert.Equal(2, h.Session.Commands);
        Assert.Equal(3, h.Session.Replies);
        Assert.Equal(0, h.Session.Errors);
        Assert.Equal(0, h.Session.Anomalies);
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(SessionHarness.Ms(100), h.Session.StartNs);
        Assert.Equal(SessionHarness.Ms(360), h.Session.EndNs);
        Assert.Same(h.Session, h.Sink.Replies[1].Session);
        Assert.Equal("Service ready for new user.", h.Sink.Replies[0].Meaning.Meaning);
        Assert.Equal("User name okay, need password.", h.Sink.Replies[1].Meaning.Meaning);
    }

    [Fact]
    public void PipelinedCommandsAreAnsweredInOrder()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "TYPE", "I").Cmd(101, "PASV").Cmd(102, "SYST")
         .Reply(110, 200).Reply(112, 227, "Entering Passive Mode (10,0,0,2,4,1)").Reply(115, 215, "UNIX Type: L8");

        Assert.Equal(["200 Final TYPE 10", "227 Final PASV 11", "215 Final SYST 13"], h.ReplyLines().Skip(3));
        Assert.Equal(["TYPE 200 0 10", "PASV 227 0 11", "SYST 215 0 13"], h.CommandLines().Skip(2));
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(0, h.Tracker.PendingCommands);
    }

    [Fact]
    public void PreliminaryAndFinalStayWithTheTransferWhileAnotherCommandIsPipelined()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "big.iso").Reply(110, 150).Cmd(120, "NOOP").Reply(200, 226).Reply(210, 200);

        Assert.Equal(["150 Preliminary RETR 10", "226 Final RETR 100", "200 Final NOOP 90"], h.ReplyLines().Skip(3));
        Assert.Equal(["RETR 226 1 100", "NOOP 200 0 90"], h.CommandLines().Skip(2));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void Unsolicited421WithNothingPendingIsKeptWithoutAnomaly()
    {
        var h = new SessionHarness().LoggedIn();
        h.Reply(900, 421, "Timeout.");

        Assert.Equal("421 Unsolicited - -", h.ReplyLines()[^1]);
        Assert.Null(h.Sink.Replies[^1].Command);
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(1, h.Session.Errors);
        Assert.Equal(2, h.Sink.Commands.Count);
    }

    [Fact]
    public void A421WhileCommandsArePendingAnswersTheOldest()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "LIST").Cmd(101, "NOOP").Reply(130, 421, "Server shutting down").End(140);

        Assert.Equal("421 Final LIST 30", h.ReplyLines()[^1]);
        Assert.Equal(["LIST 421 0 30", "NOOP none 0 -"], h.CommandLines().Skip(2));
        Assert.Equal([AnomalyKind.CommandWithoutReply], h.AnomalyKinds());
        Assert.Equal(7, h.Anomalies.Items[0].Frame); // the NOOP's frame
    }

    [Fact]
    public void UnsolicitedReplyOtherThan421IsAnAnomaly()
    {
        var h = new SessionHarness().LoggedIn();
        h.Reply(500, 200, "NOOP ok");

        Assert.Equal("200 Unsolicited - -", h.ReplyLines()[^1]);
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.UnsolicitedReply, anomaly.Kind);
        Assert.Equal(6, anomaly.Frame);
        Assert.Equal(7, anomaly.ConnectionId);
        Assert.Equal(1, h.Session.Anomalies);
    }

    [Fact]
    public void SyntaxErrorDuringATransferAnswersTheCommandSentDuringIt()
    {
        // vsftpd (samples/vsftpd-transfers.pcap): a garbled urgent ABOR gets 500, then the transfer
        // fails with 426, then the NOOP sent meanwhile gets 200. A transfer that had its 150 cannot end with 500.
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "big.bin").Reply(101, 150).Cmd(150, "ABOR").Cmd(151, "NOOP")
         .Reply(160, 500, "Unknown command.").Reply(170, 426, "Failure writing network stream.").Reply(171, 200, "NOOP ok.");

        Assert.Equal(["150 Preliminary RETR 1", "500 Final ABOR 10", "426 Final RETR 70", "200 Final NOOP 20"], h.ReplyLines().Skip(3));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void RepliesNoOtherCommandCanTakeStillEndTheTransfer()
    {
        // Pure-FTPd (samples/pureftpd-transfers.pcap): ABOR and NOOP both get 500, then the transfer's
        // own closing line comes with code 500 too: with nothing else pending, it is the transfer's.
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "big.bin").Reply(101, 150).Cmd(150, "ABOR").Reply(151, 500, "Unknown command")
         .Cmd(152, "NOOP").Reply(153, 500, "Unknown command").Reply(400, 500, "0.241 seconds (measured here)");

        Assert.Equal(["150 Preliminary RETR 1", "500 Final ABOR 1", "500 Final NOOP 1", "500 Final RETR 300"], h.ReplyLines().Skip(3));
    }

    [Fact]
    public void AborAnswered426ThenAbor226()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR")
         .Reply(160, 426, "Connection closed; transfer aborted.").Reply(161, 226, "Abort successful");

        Assert.Equal(["150 Preliminary RETR 5", "426 Final RETR 60", "226 Final ABOR 11"], h.ReplyLines().Skip(3));
        Assert.Equal(["RETR 426 1 60", "ABOR 226 0 11"], h.CommandLines().Skip(2));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void AborAfterTheTransferCompletedGetsTheSecond226()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR")
         .Reply(160, 226, "Transfer complete.").Reply(161, 226, "ABOR command successful.");

        Assert.Equal(["150 Preliminary RETR 5", "226 Final RETR 60", "226 Final ABOR 11"], h.ReplyLines().Skip(3));
        Assert.Equal("Transfer complete.", h.Sink.Commands[2].FinalReply!.Text);
        Assert.Equal("ABOR command successful.", h.Sink.Commands[3].FinalReply!.Text);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void AborAfterTheTransferCompletedGets225()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR").Reply(160, 226, "Transfer complete.").Reply(161, 225);

        Assert.Equal(["150 Preliminary RETR 5", "226 Final RETR 60", "225 Final ABOR 11"], h.ReplyLines().Skip(3));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void Abor225BeforeTheTransferFinalGoesToAbor()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR").Reply(155, 225, "ABOR ok").Reply(170, 226, "Transfer complete.");

        Assert.Equal(["150 Preliminary RETR 5", "225 Final ABOR 5", "226 Final RETR 70"], h.ReplyLines().Skip(3));
        Assert.Equal(["ABOR 225 0 5", "RETR 226 1 70"], h.CommandLines().Skip(2));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void Abor226NamingAbortBeforeThe426GoesToAbor()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR").Reply(155, 226, "ABOR successful").Reply(156, 426, "Transfer aborted");

        Assert.Equal(["150 Preliminary RETR 5", "226 Final ABOR 5", "426 Final RETR 56"], h.ReplyLines().Skip(3));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void TransferThatNeverGetsAFinalAfterAborIsGivenUpWhenTheNextReplyCannotBeItsOwn()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "ABOR").Reply(155, 225, "ABOR ok")
         .Cmd(200, "PWD").Reply(210, 257, "\"/\" is cwd");

        Assert.Equal(["150 Preliminary RETR 5", "225 Final ABOR 5", "257 Final PWD 10"], h.ReplyLines().Skip(3));
        Assert.Equal(["ABOR 225 0 5", "RETR none 1 -", "PWD 257 0 10"], h.CommandLines().Skip(2));
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.CommandWithoutReply, anomaly.Kind);
        Assert.Equal(6, anomaly.Frame); // the RETR
    }

    [Fact]
    public void StatDuringTransferIsAnsweredBeforeTheTransferEnds()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(105, 150).Cmd(150, "STAT").Reply(152, 213, "Status: 1000 of 5000 bytes").Reply(300, 226);

        Assert.Equal(["150 Preliminary RETR 5", "213 Final STAT 2", "226 Final RETR 200"], h.ReplyLines().Skip(3));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void ServerGapGivesUpThePendingCommandsBeforeTheOldestOneTheNextReplyCanAnswer()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "bob").Reply(20, 331).Cmd(30, "PASS", "hunter2").Cmd(31, "LIST")
         .Gap(40, FlowDirection.ServerToClient)   // the 230 to PASS was lost
         .Reply(50, 150).Reply(60, 226)
         .Cmd(100, "PWD").Reply(110, 257, "\"/home/bob\"");

        Assert.Equal(["220 Greeting - -", "331 Final USER 10", "150 Preliminary LIST 19", "226 Final LIST 29", "257 Final PWD 10"], h.ReplyLines());
        Assert.Equal(["USER 331 0 10", "PASS none 0 -", "LIST 226 1 29", "PWD 257 0 10"], h.CommandLines());
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.PairingBroken, anomaly.Kind);
        Assert.Equal(7, anomaly.Frame);
        Assert.Contains("reply 150 paired with LIST", anomaly.Detail, StringComparison.Ordinal);
        Assert.Contains("(PASS)", anomaly.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", anomaly.Detail, StringComparison.Ordinal);
        Assert.Equal("/home/bob", h.Session.WorkingDirectory);
    }

    [Fact]
    public void ServerGapKeepsTheOldestCommandWhenTheNextReplyFitsIt()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Cmd(101, "NOOP")
         .Gap(150, FlowDirection.ServerToClient)  // the 150 to RETR was lost
         .Reply(200, 226).Reply(201, 200);

        Assert.Equal(["226 Final RETR 100", "200 Final NOOP 100"], h.ReplyLines().Skip(3));
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void ServerGapDoesNotGiveASecondPreliminaryToACommandThatHadOne()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "a").Reply(101, 150).Cmd(102, "RETR", "b")
         .Gap(150, FlowDirection.ServerToClient)  // the 226 to the first RETR was lost
         .Reply(200, 150).Reply(300, 226);

        Assert.Equal(["150 Preliminary RETR 1", "150 Preliminary RETR 98", "226 Final RETR 198"], h.ReplyLines().Skip(3));
        Assert.Equal(["RETR none 1 -", "RETR 226 1 198"], h.CommandLines().Skip(2));
        Assert.Equal([AnomalyKind.PairingBroken], h.AnomalyKinds());
    }

    [Fact]
    public void ServerGapFallsBackToTheOldestCommandWhenNoPendingCommandAcceptsTheCode()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "PWD").Cmd(101, "SYST")
         .Gap(150, FlowDirection.ServerToClient)
         .Reply(200, 226).Reply(201, 215);

        Assert.Equal(["226 Final PWD 100 unexpected", "215 Final SYST 100"], h.ReplyLines().Skip(3));
        Assert.Equal([AnomalyKind.UnexpectedReplyCode], h.AnomalyKinds());
    }

    [Fact]
    public void ClientGapKeepsThePendingCommandsAndLeavesRepliesToLostCommandsUnpaired()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "CWD", "/a").Cmd(101, "CWD", "/a/b")
         .Gap(102, FlowDirection.ClientToServer)  // "MKD c" lost
         .Cmd(103, "NOOP")
         .Reply(110, 250).Reply(111, 250).Reply(112, 257, "\"/a/b/c\" created").Reply(113, 200);

        Assert.Equal(["250 Final CWD 10", "250 Final CWD 10", "257 Unsolicited - -", "200 Final NOOP 10"], h.ReplyLines().Skip(3));
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal((AnomalyKind.PairingBroken, 12L), (anomaly.Kind, anomaly.Frame));
        Assert.Contains("lost in the gap", anomaly.Detail, StringComparison.Ordinal);
        Assert.Equal("/a/b", h.Session.WorkingDirectory);
    }

    [Fact]
    public void GapWithNothingPendingReportsOnceWhenAnUnpairableReplyArrives()
    {
        var h = new SessionHarness().LoggedIn();
        h.Gap(50, FlowDirection.ClientToServer).Reply(60, 250).Reply(61, 250).Cmd(70, "NOOP").Reply(71, 200);

        Assert.Equal(["250 Unsolicited - -", "250 Unsolicited - -", "200 Final NOOP 1"], h.ReplyLines().Skip(3));
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.PairingBroken, anomaly.Kind);
        Assert.Equal(7, anomaly.Frame);
    }

    [Fact]
    public void EndOfCaptureCompletesPendingCommandsWithoutReply()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "RETR", "f").Reply(110, 150).Cmd(120, "NOOP").End(500).End(600);

        Assert.Equal(["RETR none 1 -", "NOOP none 0 -"], h.CommandLines().Skip(2));
        Assert.Equal([AnomalyKind.CommandWithoutReply, AnomalyKind.CommandWithoutReply], h.AnomalyKinds());
        Assert.Equal([6L, 8L], h.Anomalies.Items.Select(a => a.Frame));
        Assert.Equal(1, h.Sink.Ended);
        Assert.Equal("ended", h.Sink.Events[^1]);
        Assert.True(h.Session.Ended);
        Assert.Equal(SessionHarness.Ms(500), h.Session.EndNs);
        Assert.Equal(2, h.Session.Anomalies);
        Assert.Equal(0, h.Tracker.PendingCommands);
    }

    [Fact]
    public void MessagesAfterTheEndAreIgnored()
    {
        var h = new SessionHarness().LoggedIn();
        h.End(100).Cmd(110, "NOOP").Reply(120, 200);

        Assert.Equal(2, h.Session.Commands);
        Assert.Equal(3, h.Sink.Replies.Count);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void PendingQueueLimitGivesUpTheOldestCommandAndItsReplyIsOrphaned()
    {
        var h = new SessionHarness(FtpTraceLimits.Default with { MaxPendingCommands = 2 });
        h.Reply(0, 220).Cmd(10, "NOOP").Cmd(11, "SYST").Cmd(12, "PWD").Reply(20, 200).Reply(21, 215).Reply(22, 257, "\"/\"");

        Assert.Equal(["220 Greeting - -", "200 Orphaned - -", "215 Final SYST 10", "257 Final PWD 10"], h.ReplyLines());
        Assert.Equal(["NOOP none 0 -", "SYST 215 0 10", "PWD 257 0 10"], h.CommandLines());
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.PendingCommandLimit, anomaly.Kind);
        Assert.Equal(4, anomaly.Frame);
        Assert.Equal(0, h.Tracker.RepliesOwedToGivenUpCommands);
    }

    [Fact]
    public void PreliminaryAndFinalRepliesOfAGivenUpTransferAreBothOrphaned()
    {
        var h = new SessionHarness(FtpTraceLimits.Default with { MaxPendingCommands = 1 }).LoggedIn();
        h.Cmd(100, "RETR", "f").Cmd(101, "NOOP").Reply(110, 150).Reply(200, 226).Reply(201, 200);

        Assert.Equal(["150 Orphaned - -", "226 Orphaned - -", "200 Final NOOP 100"], h.ReplyLines().Skip(3));
        Assert.Equal(["RETR none 0 -", "NOOP 200 0 100"], h.CommandLines().Skip(2));
        Assert.Equal([AnomalyKind.PendingCommandLimit], h.AnomalyKinds());
    }

    [Fact]
    public void RepliesOwedToGivenUpCommandsAreForgottenAtAServerGap()
    {
        var h = new SessionHarness(FtpTraceLimits.Default with { MaxPendingCommands = 1 }).LoggedIn();
        h.Cmd(100, "NOOP").Cmd(101, "SYST").Gap(105, FlowDirection.ServerToClient).Reply(110, 215);

        Assert.Equal(["215 Final SYST 9"], h.ReplyLines().Skip(3));
        Assert.Equal(0, h.Tracker.RepliesOwedToGivenUpCommands);
    }

    [Fact]
    public void Greeting120Then220AreBothGreeting()
    {
        var h = new SessionHarness();
        h.Reply(0, 120, "Service ready in 1 minutes").Reply(60_000, 220).Cmd(60_010, "USER", "alice").Reply(60_020, 331);

        Assert.Equal(["120 Greeting - -", "220 Greeting - -", "331 Final USER 10"], h.ReplyLines());
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void CommandSentBeforeTheGreetingWaitsForTheReplyAfterIt()
    {
        var h = new SessionHarness();
        h.Cmd(0, "USER", "alice").Reply(5, 220).Reply(6, 331);

        Assert.Equal(["220 Greeting - -", "331 Final USER 6"], h.ReplyLines());
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void Greeting421TooManyConnectionsIsAGreeting()
    {
        var h = new SessionHarness();
        h.Reply(0, 421, "Too many connections").End(1);

        Assert.Equal(["421 Greeting - -"], h.ReplyLines());
        Assert.Equal(1, h.Session.Errors);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void ReplyCodeInvalidForItsCommandIsFlagged()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "alice").Reply(15, 227, "Entering Passive Mode (1,2,3,4,5,6)");

        Assert.Equal(["220 Greeting - -", "227 Final USER 5 unexpected"], h.ReplyLines());
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.UnexpectedReplyCode, anomaly.Kind);
        Assert.Equal(3, anomaly.Frame);
        Assert.Equal("reply 227 to USER (frame 2)", anomaly.Detail);
    }

    [Fact]
    public void UnknownCommandIsNotJudged()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "xyzzy", "plugh").Reply(101, 299, "Nothing happens");

        Assert.Equal("299 Final xyzzy 1", h.ReplyLines()[^1]);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void FailedLoginIsCounted()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "alice").Reply(20, 331).Cmd(30, "PASS", "wrong").Reply(40, 530, "Login incorrect.");

        Assert.Equal(LoginOutcome.Failed, h.Session.Login);
        Assert.Equal(0, h.Session.LoginsSucceeded);
        Assert.Equal(1, h.Session.LoginsFailed);
        Assert.Equal(1, h.Session.Errors);
        Assert.Equal("530 Final PASS 10", h.ReplyLines()[^1]);
    }

    [Fact]
    public void RetryAfterFailureThenSuccessCountsBoth()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "alice").Reply(20, 331).Cmd(30, "PASS", "wrong").Reply(40, 530);
        Assert.Equal(LoginOutcome.Failed, h.Session.Login);
        h.Cmd(50, "USER", "alice").Reply(60, 331);
        Assert.Equal(LoginOutcome.Pending, h.Session.Login);
        h.Cmd(70, "PASS", "right").Reply(80, 230);

        Assert.Equal(LoginOutcome.Succeeded, h.Session.Login);
        Assert.Equal(1, h.Session.LoginsSucceeded);
        Assert.Equal(1, h.Session.LoginsFailed);
    }

    [Fact]
    public void UserRejectedOutrightThenPassIsOneFailure()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "root").Reply(20, 530, "Permission denied.").Cmd(30, "PASS", "x").Reply(40, 503);

        Assert.Equal(LoginOutcome.Failed, h.Session.Login);
        Assert.Equal(1, h.Session.LoginsFailed);
    }

    [Fact]
    public void PendingLoginStaysPendingAtTheEnd()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "USER", "alice").Reply(20, 331).End(30);

        Assert.Equal(LoginOutcome.Pending, h.Session.Login);
        Assert.Equal(0, h.Session.LoginsSucceeded + h.Session.LoginsFailed);
    }

    [Theory]
    [InlineData("anonymous", true)]
    [InlineData("ANONYMOUS", true)]
    [InlineData("Ftp", true)]
    [InlineData("ftpuser", false)]
    [InlineData("bob", false)]
    public void AnonymousLoginIsRecognisedInAnyCase(string user, bool anonymous)
    {
        var h = new SessionHarness().LoggedIn(user);

        Assert.Equal(anonymous, h.Session.Anonymous);
        Assert.Equal(user, h.Session.User);
        Assert.Equal(LoginOutcome.Succeeded, h.Session.Login);
    }

    [Fact]
    public void WorkingDirectoryFollowsPwdCwdAndCdup()
    {
        var h = new SessionHarness().LoggedIn();
        Assert.Null(h.Session.WorkingDirectory);

        h.Cmd(100, "PWD").Reply(101, 257, "\"/home/a \"\"q\"\" dir\" is the current directory");
        Assert.Equal("/home/a \"q\" dir", h.Session.WorkingDirectory);

        h.Cmd(110, "CWD", "sub").Reply(111, 250);
        Assert.Equal("/home/a \"q\" dir/sub", h.Session.WorkingDirectory);

        h.Cmd(120, "CWD", "../x").Reply(121, 250);
        Assert.Equal("/home/a \"q\" dir/x", h.Session.WorkingDirectory);

        h.Cmd(130, "CDUP").Reply(131, 200);
        Assert.Equal("/home/a \"q\" dir", h.Session.WorkingDirectory);

        h.Cmd(140, "CWD", "missing").Reply(141, 550, "Failed to change directory.");
        Assert.Equal("/home/a \"q\" dir", h.Session.WorkingDirectory);

        h.Cmd(150, "XCWD", "/pub/./incoming/").Reply(151, 250);
        Assert.Equal("/pub/incoming", h.Session.WorkingDirectory);

        h.Cmd(160, "XCUP").Reply(161, 250).Cmd(162, "CDUP").Reply(163, 250).Cmd(164, "CDUP").Reply(165, 250);
        Assert.Equal("/", h.Session.WorkingDirectory);

        h.Cmd(170, "XPWD").Reply(171, 257, "\"/srv\"");
        Assert.Equal("/srv", h.Session.WorkingDirectory);

        h.Cmd(180, "MKD", "new").Reply(181, 257, "\"/srv/new\" created");
        Assert.Equal("/srv", h.Session.WorkingDirectory);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void RelativeCwdFromAnUnknownDirectoryLeavesItUnknown()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "CWD", "sub").Reply(101, 250).Cmd(102, "CDUP").Reply(103, 250);

        Assert.Null(h.Session.WorkingDirectory);
    }

    [Theory]
    [InlineData("TLS")]
    [InlineData("tls")]
    [InlineData("SSL")]
    [InlineData("TLS-C")]
    [InlineData("tls-p")]
    public void AuthTlsAcceptedWith234EncryptsFromThatFrame(string mechanism)
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "AUTH", mechanism);
        Assert.False(h.Tracker.EncryptionStarted);
        h.Reply(20, 234, "Proceed with negotiation.");

        Assert.True(h.Tracker.EncryptionStarted);
        Assert.Equal(3, h.Session.EncryptedFromFrame);
        Assert.Equal("234 Final AUTH 10", h.ReplyLines()[^1]);

        h.Tracker.AddEncryptedBytes(517);
        h.Tracker.AddEncryptedBytes(1200);
        h.Cmd(30, "USER", "ignored").Reply(40, 331);
        Assert.Equal(1717, h.Session.EncryptedBytes);
        Assert.Equal(1, h.Session.Commands);
        Assert.Null(h.Session.User);
        Assert.Equal(2, h.Sink.Replies.Count);
    }

    [Fact]
    public void AuthTlsRefusedLeavesTheConnectionClear()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "AUTH", "TLS").Reply(20, 500, "AUTH not understood").Cmd(30, "USER", "alice").Reply(40, 331);

        Assert.False(h.Tracker.EncryptionStarted);
        Assert.Null(h.Session.EncryptedFromFrame);
        Assert.Equal("331 Final USER 10", h.ReplyLines()[^1]);
    }

    [Fact]
    public void AuthGssapiAcceptedDoesNotMeanTls()
    {
        var h = new SessionHarness();
        h.Reply(0, 220).Cmd(10, "AUTH", "GSSAPI").Reply(20, 234);

        Assert.False(h.Tracker.EncryptionStarted);
    }

    [Fact]
    public void ReinResetsTheLogin()
    {
        var h = new SessionHarness().LoggedIn();
        h.Cmd(100, "PWD").Reply(101, 257, "\"/home/alice\"");
        h.Cmd(200, "REIN").Reply(210, 120, "Ready in 1 minute").Reply(260, 220);

        Assert.Equal(["120 Preliminary REIN 10", "220 Final REIN 60"], h.ReplyLines().Skip(4));
        Assert.Equal(LoginOutcome.None, h.Session.Login);
        Assert.Null(h.Session.WorkingDirectory);

        h.Cmd(300, "USER", "bob").Reply(310, 331).Cmd(320, "PASS", "pw").Reply(330, 230);
        Assert.Equal("bob", h.Session.User);
        Assert.Equal(LoginOutcome.Succeeded, h.Session.Login);
        Assert.Equal(2, h.Session.LoginsSucceeded);
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void ExplicitStartIsReportedOnce()
    {
        var h = new SessionHarness();
        h.Tracker.Start();
        h.Reply(0, 220).End(10);

        Assert.Equal(1, h.Sink.Started);
        Assert.Equal(["started", "reply 220 Greeting - -", "ended"], h.Sink.Events);
    }
}
