using FtpTrace.Flows;
using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

public sealed class FtpDetectorTests
{
    private const FlowDirection ToServer = FlowDirection.ClientToServer;
    private const FlowDirection ToClient = FlowDirection.ServerToClient;

    private static FtpDetectionVerdict Run(params (FlowDirection Direction, string Bytes)[] steps) => Run(false, steps);

    private static FtpDetectionVerdict RunJoinedMidStream(params (FlowDirection Direction, string Bytes)[] steps) => Run(true, steps);

    private static FtpDetectionVerdict Run(bool joinedMidStream, (FlowDirection Direction, string Bytes)[] steps)
    {
        var detector = new FtpDetector(joinedMidStream);
        FtpDetectionVerdict verdict = FtpDetectionVerdict.Undecided;
        foreach (var (direction, bytes) in steps) verdict = detector.Observe(direction, FtpBytes.Of(bytes));
        return verdict;
    }

    private static FtpDetectionVerdict Concluded(params (FlowDirection Direction, string Bytes)[] steps)
    {
        var detector = new FtpDetector();
        foreach (var (direction, bytes) in steps) detector.Observe(direction, FtpBytes.Of(bytes));
        return detector.Conclude();
    }

    [Theory]
    [InlineData("421 Too many connections (2) from this IP\r\n")]
    [InlineData("220 (vsFTPd 3.0.3)\r\n")]
    [InlineData("120 Service ready in 5 minutes\r\n")]
    public void AGreetingTheClientNeverAnsweredIsFtpAtTheEnd(string greeting)
        => Assert.Equal(FtpDetectionVerdict.Ftp, Concluded((ToClient, greeting)));

    [Theory]
    [InlineData("220 mail.example.com ESMTP Postfix\r\n")]
    [InlineData("331 Password required\r\n")]
    [InlineData("421 Too many")]
    public void AnythingElseUndecidedAtTheEndIsNotFtp(string server)
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Concluded((ToClient, server)));

    [Fact]
    public void ClientThatSpokeFirstWithoutAnAnswerIsNotFtpAtTheEnd()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Concluded((ToServer, "USER x\r\n")));

    [Fact]
    public void ConcludeKeepsAVerdictAlreadyReached()
        => Assert.Equal(FtpDetectionVerdict.Ftp, Concluded((ToClient, "220 ready\r\n"), (ToServer, "USER a\r\n")));

    [Fact]
    public void FtpOnPort2121IsDetectedFromGreetingAndUser()
        => Assert.Equal(FtpDetectionVerdict.Ftp, Run((ToClient, "220 (vsFTPd 3.0.3)\r\n"), (ToServer, "USER anonymous\r\n")));

    [Fact]
    public void MultilineGreetingFollowedByAuthIsFtp()
        => Assert.Equal(FtpDetectionVerdict.Ftp, Run(
            (ToClient, "220-Welcome to the ProFTPD server\r\n220-Be nice.\r\n220 ProFTPD Server ready\r\n"),
            (ToServer, "AUTH TLS\r\n")));

    [Theory]
    [InlineData("feat\r\n")]
    [InlineData("SYST\r\n")]
    [InlineData("OPTS UTF8 ON\r\n")]
    [InlineData("HOST ftp.example.com\r\n")]
    public void AnyKnownVerbInAnyCaseIsAnFtpCommand(string command)
        => Assert.Equal(FtpDetectionVerdict.Ftp, Run((ToClient, "220 ready\r\n"), (ToServer, command)));

    [Fact]
    public void ServerSpeakingFirstWithANonGreetingReplyIsNotFtpOnAConnectionSeenFromItsStart()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToClient, "331 Password required\r\n"), (ToServer, "PASS x\r\n")));

    [Fact]
    public void AnyReplyFollowedByACommandIsFtpOnAConnectionJoinedMidStream()
        => Assert.Equal(FtpDetectionVerdict.Ftp, RunJoinedMidStream((ToClient, "331 Password required\r\n"), (ToServer, "PASS x\r\n")));

    [Fact]
    public void CommandFollowedByAnyReplyIsFtpOnAConnectionJoinedMidStream()
        => Assert.Equal(FtpDetectionVerdict.Ftp, RunJoinedMidStream((ToServer, "PWD\r\n"), (ToClient, "257 \"/\" is current\r\n")));

    [Theory]
    [InlineData("250 2.0.0 Ok: queued as 12345\r\n", "MAIL FROM:<a@b>\r\n")]     // SMTP: MAIL is not an FTP verb
    [InlineData("250 mail.example.com SMTP\r\n", "NOOP\r\n")]                    // names SMTP, not FTP
    [InlineData("HTTP/1.1 200 OK\r\n", "GET / HTTP/1.1\r\n")]
    [InlineData("+OK POP3 ready\r\n", "USER bob\r\n")]
    public void OtherProtocolsJoinedMidStreamAreNotFtp(string server, string client)
        => Assert.Equal(FtpDetectionVerdict.NotFtp, RunJoinedMidStream((ToClient, server), (ToServer, client)));

    [Fact]
    public void SmtpEsmtpGreetingIsNotFtp()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToClient, "220 mail.example.com ESMTP Postfix\r\n")));

    [Fact]
    public void SmtpGreetingWithoutEsmtpFollowedByEhloIsNotFtp()
    {
        var detector = new FtpDetector();
        Assert.Equal(FtpDetectionVerdict.Undecided, detector.Observe(ToClient, FtpBytes.Of("220 mx.example.com ready\r\n")));
        Assert.Equal(FtpDetectionVerdict.NotFtp, detector.Observe(ToServer, FtpBytes.Of("EHLO client.example.com\r\n")));
    }

    [Theory]
    [InlineData("200 news.example.com NNTP ready\r\n")]
    [InlineData("+OK POP3 ready\r\n")]
    [InlineData("* OK IMAP4rev1 ready\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n")]
    [InlineData("331 not a greeting\r\n")]
    [InlineData("2201 no separator\r\n")]
    public void OtherServerGreetingsAreNotFtp(string greeting)
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToClient, greeting), (ToServer, "USER a\r\n")));

    [Fact]
    public void HttpRequestIsNotFtp()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToServer, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")));

    [Fact]
    public void ClientSpeakingFirstIsFtpWhenTheServerAnswersWithAReply()
    {
        var detector = new FtpDetector();
        Assert.Equal(FtpDetectionVerdict.Undecided, detector.Observe(ToServer, FtpBytes.Of("RETR file.bin\r\n")));
        Assert.Equal(FtpDetectionVerdict.Ftp, detector.Observe(ToClient, FtpBytes.Of("150 Opening BINARY mode\r\n")));
        Assert.Equal(ToServer, detector.FirstSpeaker);
    }

    [Fact]
    public void ClientSpeakingFirstWithoutAnAnswerStaysUndecided()
        => Assert.Equal(FtpDetectionVerdict.Undecided, Run((ToServer, "USER a\r\n")));

    [Fact]
    public void TlsClientHelloIsNotFtp()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToServer, "\u0016\u0003\u0001\u0002\u0000\u0001\u0000")));

    [Fact]
    public void VerdictDoesNotDependOnHowBytesAreSplit()
    {
        const string greeting = "220-Welcome\r\n220 ready\r\n";
        const string command = "USER anonymous\r\n";
        var detector = new FtpDetector();
        FtpDetectionVerdict verdict = FtpDetectionVerdict.Undecided;
        foreach (byte b in FtpBytes.Of(greeting))
        {
            verdict = detector.Observe(ToClient, [b]);
            Assert.Equal(FtpDetectionVerdict.Undecided, verdict);
        }
        foreach (byte b in FtpBytes.Of(command)) verdict = detector.Observe(ToServer, [b]);
        Assert.Equal(FtpDetectionVerdict.Ftp, verdict);
    }

    [Fact]
    public void PartialGreetingIsUndecided()
        => Assert.Equal(FtpDetectionVerdict.Undecided, Run((ToClient, "22"), (ToServer, "USER a\r\n")));

    [Fact]
    public void ServerLineLongerThanTheInspectionWindowIsNotFtp()
        => Assert.Equal(FtpDetectionVerdict.NotFtp, Run((ToClient, "220 " + new string('x', FtpDetector.MaxInspectedBytes))));

    [Fact]
    public void VerdictIsFinalOnceReached()
    {
        var detector = new FtpDetector();
        detector.Observe(ToClient, FtpBytes.Of("220 ready\r\n"));
        Assert.Equal(FtpDetectionVerdict.Ftp, detector.Observe(ToServer, FtpBytes.Of("USER a\r\n")));
        Assert.Equal(FtpDetectionVerdict.Ftp, detector.Observe(ToServer, FtpBytes.Of("EHLO x\r\n")));
    }
}
