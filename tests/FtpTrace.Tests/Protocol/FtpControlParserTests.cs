using FtpTrace.Diagnostics;
using FtpTrace.Protocol;

namespace FtpTrace.Tests.Protocol;

public sealed class FtpControlParserTests
{
    private static string Describe(object e) => e switch
    {
        FtpReply r => $"{r.Code}|{r.Text}|{r.LineCount}",
        FtpCommand c => $"{c.Verb}|{c.Argument}",
        _ => e.ToString()!,
    };

    private static ParserHarness RunTranscript(string name, bool finish = true)
    {
        FtpTranscripts.Transcript t = FtpTranscripts.All[name];
        return ParserHarness.Run(t.Role, [FtpBytes.Of(t.Bytes)], t.Limits, finish, t.GapsAt, FtpTranscripts.GapLength);
    }

    private static void AssertEvents(ParserHarness h, params string[] expected)
        => Assert.Equal(expected, h.Events.Select(Describe));

    private static void AssertAnomalies(ParserHarness h, params AnomalyKind[] expected)
        => Assert.Equal(expected, h.Kinds);

    // ---- every prefix (Kestrel style) ----------------------------------------------------------

    [Theory]
    [InlineData("2")]
    [InlineData("22")]
    [InlineData("220")]
    [InlineData("220 ")]
    [InlineData("220 S")]
    [InlineData("220 Service ready")]
    [InlineData("220 Service ready\r")]
    public void ReplyPrefixEmitsNothingUntilItsTerminator(string prefix)
    {
        const string whole = "220 Service ready\r\n";
        var h = new ParserHarness(FtpParserRole.Server).Feed(prefix);
        Assert.Empty(h.Events);
        Assert.Empty(h.Anomalies.Items);

        h.Feed(whole[prefix.Length..]);
        AssertEvents(h, "220|Service ready|1");
        Assert.Empty(h.Anomalies.Items);
    }

    [Theory]
    [InlineData("U")]
    [InlineData("USER")]
    [InlineData("USER ")]
    [InlineData("USER al")]
    [InlineData("USER alice")]
    [InlineData("USER alice\r")]
    public void CommandPrefixEmitsNothingUntilItsTerminator(string prefix)
    {
        const string whole = "USER alice\r\n";
        var h = new ParserHarness(FtpParserRole.Client).Feed(prefix);
        Assert.Empty(h.Events);

        h.Feed(whole[prefix.Length..]);
        AssertEvents(h, "USER|alice");
        Assert.Empty(h.Anomalies.Items);
    }

    [Theory]
    [InlineData("211-Features:\r\n")]
    [InlineData("211-Features:\r\n EPSV\r\n")]
    [InlineData("211-Features:\r\n EPSV\r\n211")]
    [InlineData("211-Features:\r\n EPSV\r\n211 End")]
    [InlineData("211-Features:\r\n EPSV\r\n211 End\r")]
    public void MultilineReplyPrefixEmitsNothingUntilTheClosingLineEnds(string prefix)
    {
        const string whole = "211-Features:\r\n EPSV\r\n211 End\r\n";
        var h = new ParserHarness(FtpParserRole.Server).Feed(prefix);
        Assert.Empty(h.Events);
        Assert.Equal(211, h.Parser.PendingReplyCode);

        h.Feed(whole[prefix.Length..]);
        AssertEvents(h, "211|Features:\n EPSV\nEnd|3");
        Assert.Equal(0, h.Parser.PendingReplyCode);
    }

    // ---- replies -------------------------------------------------------------------------------

    [Fact]
    public void VsftpdSessionRepliesComeOutWithCodeAndFullText()
    {
        var h = RunTranscript("VsftpdServer");
        AssertEvents(h,
            "220|(vsFTPd 3.0.3)|1",
            "331|Please specify the password.|1",
            "230|Login successful.|1",
            "211|Features:\n EPRT\n EPSV\n MDTM\n PASV\n REST STREAM\n SIZE\n TVFS\n UTF8\nEnd|10",
            "227|Entering Passive Mode (127,0,0,1,117,48).|1",
            "150|Here comes the directory listing.|1",
            "226|Directory send OK.|1",
            "221|Goodbye.|1");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(8, h.Parser.Replies);
        Assert.Equal(17, h.Parser.Lines);
    }

    [Fact]
    public void ProftpdWelcomeKeepsEmptyIndentedAndDigitLedLines()
    {
        var h = RunTranscript("ProftpdWelcome");
        AssertEvents(h,
            "220|Welcome to the ProFTPD server\n\n  Please be nice.\nProFTPD 1.3.8 Server (Debian) [127.0.0.1]|4",
            "230|Last login: yesterday\n   indented line\n\n123 starts with digits\nUser ftp logged in|5",
            "221||1",
            "221||1");
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void RfcExampleWithDigitLedLinesIsOneReply()
    {
        var h = RunTranscript("QuirkAndDigits");
        AssertEvents(h,
            "220|Welcome\nSecond|2",
            "331|Password required|1",
            "211|Status\n free text\n123 foo\nEnd|4",
            "123|First line\nSecond line\n  234 A line beginning with numbers\nThe last line|4",
            "250|open|1");
        AssertAnomalies(h,
            AnomalyKind.UnterminatedMultilineReply,   // 220- block closed by the 331 line
            AnomalyKind.PartialLineAtClose,           // "250-open" without terminator
            AnomalyKind.UnterminatedMultilineReply);  // and never closed
    }

    [Fact]
    public void PrefixedBlockIsClosedByALineWithAnotherCode()
    {
        // Every line so far carried "211-": an unpadded "123 " line is taken as a new reply
        // (RFC 959 requires servers to pad digit-led continuation lines).
        var h = new ParserHarness(FtpParserRole.Server).Feed("211-Status\r\n211-more\r\n123 foo\r\n211 End\r\n");
        AssertEvents(h, "211|Status\nmore|2", "123|foo|1", "211|End|1");
        AssertAnomalies(h, AnomalyKind.UnterminatedMultilineReply);
        Assert.Equal("multi-line 211 reply closed by a 123 line after 2 lines", h.Anomalies.Items[0].Detail);
    }

    [Fact]
    public void FreeTextBlockKeepsLinesWithAnotherCode()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("230-Welcome\r\nRules:\r\n226 is not a reply here\r\n230 Logged in\r\n");
        AssertEvents(h, "230|Welcome\nRules:\n226 is not a reply here\nLogged in|4");
        Assert.Empty(h.Anomalies.Items);
    }

    [Theory]
    [InlineData("221\r\n")]
    [InlineData("221 \r\n")]
    public void ReplyWithoutTextHasEmptyText(string line)
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed(line);
        AssertEvents(h, "221||1");
    }

    [Fact]
    public void ClosingLineMayBeTheBareCode()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("211-a\r\n211\r\n");
        AssertEvents(h, "211|a\n|2");
    }

    [Fact]
    public void SeveralRepliesInOneChunkComeOutInOrder()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("150 Opening\r\n226 Done\r\n221 Bye\r\n");
        AssertEvents(h, "150|Opening|1", "226|Done|1", "221|Bye|1");
        Assert.True(((FtpReply)h.Events[0]).IsPreliminary);
    }

    [Fact]
    public void InvalidReplyLinesAreReportedAndDropped()
    {
        var h = RunTranscript("InvalidReplies");
        AssertEvents(h, "631|protected|1", "220|ok|1");
        AssertAnomalies(h,
            AnomalyKind.InvalidReply, AnomalyKind.InvalidReply, AnomalyKind.InvalidReply,
            AnomalyKind.InvalidReply, AnomalyKind.InvalidReply, AnomalyKind.InvalidReply,
            AnomalyKind.PartialLineAtClose);
        Assert.Equal("not a reply line: \"hello\"", h.Anomalies.Items[0].Detail);
        Assert.Equal(6, h.Parser.InvalidLines);
    }

    [Fact]
    public void InvalidReplyDetailIsEscapedAndCut()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("\u001b[31m" + new string('x', 200) + "\r\n");
        string detail = Assert.Single(h.Anomalies.Items).Detail;
        Assert.Equal("not a reply line: \"\\x1B[31m" + new string('x', 95) + "...\"", detail);
    }

    [Fact]
    public void ReplyBeyondTheLineLimitKeepsItsFirstLinesAndCountsAll()
    {
        var h = RunTranscript("ReplyLimits");
        AssertEvents(h, "214|a\nb\nc|5", "200|fits|1");
        AssertAnomalies(h, AnomalyKind.ReplyTooLong);
        Assert.Equal(2, h.Parser.DroppedReplyLines);
    }

    [Fact]
    public void ReplyBeyondTheTextLimitDropsTheLinesThatDoNotFit()
    {
        var limits = FtpTraceLimits.Default with { MaxReplyTextBytes = 10 };
        var h = new ParserHarness(FtpParserRole.Server, limits).Feed("214-12345\r\n214-6789\r\n214-abc\r\n214 x\r\n");
        AssertEvents(h, "214|12345\n6789|4");
        AssertAnomalies(h, AnomalyKind.ReplyTooLong);
    }

    [Fact]
    public void ControlCharactersStayInTheText()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("550 bad\tname\u001b[0m\r\n");
        AssertEvents(h, "550|bad\tname\u001b[0m|1");
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void TelnetCommandsFromTheServerAreRemoved()
    {
        var h = RunTranscript("TelnetServer");
        AssertEvents(h, "220|ready|1", "331|pw|1");
        Assert.Equal(2, h.Parser.TelnetCommands);
    }

    // ---- commands ------------------------------------------------------------------------------

    [Fact]
    public void VsftpdClientCommandsComeOutInOrder()
    {
        var h = RunTranscript("VsftpdClient");
        AssertEvents(h, "USER|anonymous", "PASS|ftp@example.com", "FEAT|", "PWD|", "PASV|", "LIST|", "QUIT|");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(7, h.Parser.Commands);
    }

    [Fact]
    public void PipelinedCommandsKeepVerbAndArgumentAsSent()
    {
        var h = RunTranscript("PipelinedCommands");
        AssertEvents(h, "TYPE|I", "PASV|", "RETR|a  b.txt", "noop|", "site|chmod 644 x", "XPWD|", "MLSD|");
        Assert.Equal("NOOP", h.Handler.Commands.ElementAt(3).NormalizedVerb);
        Assert.Empty(h.Anomalies.Items);
    }

    [Theory]
    [InlineData("USER  two\r\n", "USER| two")]
    [InlineData("NOOP \r\n", "NOOP|")]
    [InlineData("A\r\n", "A|")]
    [InlineData("X509 y\r\n", "X509|y")]
    [InlineData("Opts UTF8 ON\r\n", "Opts|UTF8 ON")]
    [InlineData("FROB a b \r\n", "FROB|a b ")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF x\r\n", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF|x")]
    public void CommandLineSplitsAtTheFirstSpace(string line, string expected)
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed(line);
        AssertEvents(h, expected);
        Assert.Empty(h.Anomalies.Items);
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData(" USER x\r\n")]
    [InlineData("US.ER x\r\n")]
    [InlineData("\u0001USER x\r\n")]
    [InlineData("1ABC\r\n")]
    [InlineData("US\u00C3\u0089R x\r\n")]
    [InlineData("USER\tx\r\n")]
    [InlineData("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG x\r\n")]
    public void LineWithoutAVerbIsAnInvalidCommand(string line)
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed(line).Feed("NOOP\r\n");
        AssertEvents(h, "NOOP|");
        AssertAnomalies(h, AnomalyKind.InvalidCommand);
        Assert.Equal(1, h.Parser.InvalidLines);
    }

    // ---- framing -------------------------------------------------------------------------------

    [Fact]
    public void BareLineFeedAndBareCarriageReturnAreToleratedAndCounted()
    {
        var h = RunTranscript("BareLineEnds");
        AssertEvents(h, "220|hi|1", "331|pw|1", "230|a\nb\nc|3");
        AssertAnomalies(h,
            AnomalyKind.BareLineFeed,         // 220 hi\n
            AnomalyKind.BareCarriageReturn,   // 230-a\r
            AnomalyKind.BareLineFeed,         // b\n
            AnomalyKind.BareLineFeed, AnomalyKind.InvalidReply,          // \n
            AnomalyKind.BareCarriageReturn, AnomalyKind.InvalidReply);   // \r at the end
        Assert.Equal(3, h.Parser.BareLf);
        Assert.Equal(2, h.Parser.BareCr);
        Assert.Equal(7, h.Parser.Lines);
    }

    [Fact]
    public void CrNulEndsALineAndTheNulIsDropped()
    {
        var h = RunTranscript("CrNul");
        AssertEvents(h, "USER|a", "PASS|b", "NOOP|");
        AssertAnomalies(h, AnomalyKind.BareCarriageReturn, AnomalyKind.BareCarriageReturn, AnomalyKind.InvalidCommand,
                        AnomalyKind.BareCarriageReturn);
        Assert.Equal("line ended with CR NUL", h.Anomalies.Items[0].Detail);
    }

    [Fact]
    public void CarriageReturnAtTheEndOfAChunkFollowedByLineFeedIsCrLf()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("USER a\r").Feed("\nPASS b\r").Feed("\n");
        AssertEvents(h, "USER|a", "PASS|b");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(0, h.Parser.BareCr);
    }

    [Fact]
    public void LongLinesAreCutAtTheLimitAndTheRestSkipped()
    {
        var h = RunTranscript("LongLines");
        AssertEvents(h, "USER|" + new string('x', 11), "PASS|" + new string('y', 11), "RETR|" + new string('z', 11), "NOOP|");
        AssertAnomalies(h, AnomalyKind.LineTooLong, AnomalyKind.LineTooLong);
        Assert.Equal(2, h.Parser.LongLines);
        Assert.Equal(29 + 1, h.Parser.SkippedBytes);
    }

    [Fact]
    public void LongReplyLinesAreCutAndTheBlockStillCloses()
    {
        var h = RunTranscript("LongReplyLines");
        AssertEvents(h, "211|" + new string('a', 12) + "\n" + new string('b', 16) + "\n" + new string('c', 12) + "|3", "226|done|1");
        AssertAnomalies(h, AnomalyKind.LineTooLong, AnomalyKind.LineTooLong, AnomalyKind.LineTooLong);
    }

    [Fact]
    public void UnterminatedLongLineKeepsAtMostTheLimitInMemory()
    {
        var h = new ParserHarness(FtpParserRole.Client);
        h.Feed("USER ");
        for (int i = 0; i < 10; i++)
        {
            h.Feed(new string('x', 1000));
            Assert.True(h.Parser.State.BufferedBytes <= FtpTraceLimits.Default.MaxLineLength);
        }
        h.Feed("\r\nQUIT\r\n");
        AssertEvents(h, "USER|" + new string('x', 4096 - 5), "QUIT|");
        AssertAnomalies(h, AnomalyKind.LineTooLong);
        Assert.Equal(0, h.Parser.State.BufferedBytes);
    }

    [Fact]
    public void InvalidUtf8IsEscapedAndReportedOncePerLine()
    {
        var h = RunTranscript("InvalidUtf8");
        AssertEvents(h, "CWD|caf\\xE9", "CWD|café", "STOR|a\\x00b", "STOR|\\xC3");
        AssertAnomalies(h, AnomalyKind.InvalidUtf8, AnomalyKind.InvalidUtf8);
        Assert.Equal("invalid UTF-8: \"CWD caf\\xE9\"", h.Anomalies.Items[0].Detail);
    }

    [Fact]
    public void InvalidUtf8InAReplyIsEscaped()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("550 \u00FEx\u00C3\u00A9\r\n");
        AssertEvents(h, "550|\\xFEx\u00e9|1");
        AssertAnomalies(h, AnomalyKind.InvalidUtf8);
    }

    // ---- Telnet --------------------------------------------------------------------------------

    [Fact]
    public void InterruptAndSynchBeforeAbortLeaveTheVerbAbor()
    {
        var h = RunTranscript("TelnetAbort");
        AssertEvents(h, "RETR|big.iso", "ABOR|", "QUIT|");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(2, h.Parser.TelnetCommands);
    }

    [Fact]
    public void SynchSentAsSeparateUrgentSegmentStillGivesAbor()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("\u00FF\u00F4\u00FF", frame: 5).Feed("\u00F2", frame: 6).Feed("ABOR\r\n", frame: 7);
        FtpCommand abor = Assert.Single(h.Handler.Commands);
        Assert.Equal("ABOR", abor.Verb);
        Assert.Equal(7, abor.Frame);
    }

    [Fact]
    public void DoubledIacIsALiteralByte()
    {
        var h = RunTranscript("TelnetIacIac");
        AssertEvents(h, "RETR|a\\xFFb", "STOR|\\xFF\\xFF");
        AssertAnomalies(h, AnomalyKind.InvalidUtf8, AnomalyKind.InvalidUtf8);
        Assert.Equal(0, h.Parser.TelnetCommands);
    }

    [Fact]
    public void NegotiationsAndSubnegotiationsAreRemovedAndCounted()
    {
        var h = RunTranscript("TelnetNegotiation");
        AssertEvents(h, "USER|x", "NOOP|", "PASS|y");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(5, h.Parser.TelnetCommands);
    }

    [Fact]
    public void MalformedTelnetSequencesAreReported()
    {
        var h = RunTranscript("TelnetMalformed");
        AssertEvents(h, "QUIT|", "NOOP|", "QUIT|");
        AssertAnomalies(h,
            AnomalyKind.TelnetSequence, AnomalyKind.InvalidCommand,   // IAC 'A': kept as data, "NOOP\u00FFA" is no verb
            AnomalyKind.TelnetSequence,                               // IAC SE without SB
            AnomalyKind.TelnetSequence,                               // IAC SB ... IAC IP
            AnomalyKind.TelnetSequence, AnomalyKind.PartialLineAtClose); // IAC at the end
        Assert.Equal("IAC followed by 0x41, not a Telnet command; kept as data", h.Anomalies.Items[0].Detail);
        Assert.Equal("stream ended inside a Telnet sequence", h.Anomalies.Items[4].Detail);
    }

    [Fact]
    public void TelnetAtTheLineAndSubnegotiationLimitsIsHandled()
    {
        var h = RunTranscript("TelnetAtTheLimits");
        AssertEvents(h, "aaaa|", "NOOP|12\\xFF", "NOOP|123", "NOOP|", "QUIT|", "NOOP|");
        AssertAnomalies(h,
            AnomalyKind.TelnetSequence,                            // SB longer than 8 bytes
            AnomalyKind.TelnetSequence,                            // then a stray IAC SE
            AnomalyKind.LineTooLong, AnomalyKind.InvalidUtf8,      // "NOOP 12\xFF" cut at 8
            AnomalyKind.LineTooLong,                               // "NOOP 123" then a literal 0xFF
            AnomalyKind.BareCarriageReturn,                        // NOOP\r then IAC IAC
            AnomalyKind.InvalidCommand,                            // "\xFFx"
            AnomalyKind.BareCarriageReturn);                       // NOOP\r at the end
        Assert.Equal(2, h.Parser.LongLines);
    }

    [Fact]
    public void PasswordsAreHiddenInAnomalyDetails()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("PASS s\u00E9cret\r\npass hunter2").Finish();
        AssertEvents(h, "PASS|s\\xE9cret", "pass|hunter2");
        Assert.Equal(["invalid UTF-8: \"PASS <hidden>\"", "12 bytes without a line terminator at the end of the stream: pass <hidden>"],
                     h.Anomalies.Items.Select(a => a.Detail));
    }

    [Theory]
    [InlineData("PASS\tsecret1\r\n", "not a command line: \"PASS <hidden>\"")]
    [InlineData(" PASS secret1\r\n", "not a command line: \" PASS <hidden>\"")]
    [InlineData("acct\u0001secret1\r\n", "not a command line: \"acct <hidden>\"")]
    public void PasswordsInLinesThatAreNotCommandsAreHiddenToo(string line, string detail)
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed(line);
        var anomaly = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.InvalidCommand, anomaly.Kind);
        Assert.Equal(detail, anomaly.Detail);
        Assert.DoesNotContain("secret1", anomaly.Detail, StringComparison.Ordinal);
    }

    // ---- frames --------------------------------------------------------------------------------

    [Fact]
    public void ReplyFramesAreThoseOfItsFirstByteAndOfItsLastTerminator()
    {
        var h = new ParserHarness(FtpParserRole.Server)
            .Feed("220-a\r\n", 1, 100)
            .Feed("220 b\r", 2, 200)
            .Feed("\n", 3, 300);
        FtpReply r = Assert.Single(h.Handler.Replies);
        Assert.Equal((1, 100, 3, 300), (r.Frame, r.TimeNs, r.EndFrame, r.EndTimeNs));
    }

    [Fact]
    public void BareCarriageReturnEndsTheReplyInTheFrameThatCarriedIt()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("2", 4, 40).Feed("21 x\r", 5, 50).Feed("221 y\r\n", 6, 60);
        AssertEvents(h, "221|x|1", "221|y|1");
        FtpReply first = h.Handler.Replies.First();
        Assert.Equal((4, 5), (first.Frame, first.EndFrame));
        Anomaly bare = Assert.Single(h.Anomalies.Items);
        Assert.Equal((AnomalyKind.BareCarriageReturn, 4L, 40L, 42L), (bare.Kind, bare.Frame, bare.TimeNs, bare.ConnectionId));
    }

    [Fact]
    public void CommandFrameIsThatOfItsFirstByte()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("USER a\r\nPA", 8, 80).Feed("SS b\r\n", 9, 90);
        Assert.Equal([(8L, 80L), (8L, 80L)], h.Handler.Commands.Select(c => (c.Frame, c.TimeNs)));
    }

    // ---- gaps ----------------------------------------------------------------------------------

    [Fact]
    public void LineCutByAGapIsDroppedAndTheParserResynchronises()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("NOOP\r\nUSER al");
        h.Parser.OnGap(10, 2, 20);
        h.Feed("ice\r\nPASS x\r\n", 3, 30);
        AssertEvents(h, "NOOP|", "PASS|x");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(1, h.Parser.MessagesDroppedAtGap);
        Assert.Equal(3, h.Parser.SkippedBytes);
    }

    [Fact]
    public void GapAtALineBoundaryStillSkipsToTheNextTerminator()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("150 Opening\r\n");
        h.Parser.OnGap(5, 2, 20);
        h.Feed("nsfer complete\r\n221 Bye\r\n");
        AssertEvents(h, "150|Opening|1", "221|Bye|1");
        Assert.Equal(0, h.Parser.MessagesDroppedAtGap);
    }

    [Fact]
    public void LineEndedByCarriageReturnBeforeAGapIsKept()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("USER a\r");
        h.Parser.OnGap(1, 2, 20);
        h.Feed("\nPASS x\r\n");
        AssertEvents(h, "USER|a", "PASS|x");
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(0, h.Parser.MessagesDroppedAtGap);
    }

    [Fact]
    public void OpenMultilineReplyCutByAGapIsDroppedWithAnAnomaly()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("211-a\r\n b\r\n");
        h.Parser.OnGap(7, 2, 20);
        h.Feed(" c\r\n211 End\r\n220 ok\r\n", 3, 30);
        AssertEvents(h, "211|End|1", "220|ok|1");
        Anomaly a = Assert.Single(h.Anomalies.Items);
        Assert.Equal((AnomalyKind.UnterminatedMultilineReply, 2L), (a.Kind, a.Frame));
        Assert.Equal(1, h.Parser.MessagesDroppedAtGap);
        Assert.Equal(0, h.Parser.PendingReplyCode);
    }

    [Fact]
    public void GapInsideATelnetSequenceForgetsIt()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("NOOP\r\n\u00FF");
        h.Parser.OnGap(3, 2, 20);
        h.Feed("\u00FB\r\nQUIT\r\n");
        AssertEvents(h, "NOOP|", "QUIT|");
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void WholeReplyRightAfterAGapIsKept()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("220 ready\r\n331 Pass", 1, 10);
        h.Parser.OnGap(12, 2, 20);
        h.Feed("230 Logged in\r\n", 3, 30);
        AssertEvents(h, "220|ready|1", "230|Logged in|1");
        Assert.Equal((3L, 30L), (h.Handler.Replies.Last().Frame, h.Handler.Replies.Last().TimeNs));
        Assert.Empty(h.Anomalies.Items);
        Assert.Equal(1, h.Parser.MessagesDroppedAtGap);
        Assert.Equal(0, h.Parser.SkippedBytes);
    }

    [Fact]
    public void LineStartAfterAGapIsDecidedOnItsFirstFourBytesEvenWhenTheyComeOneByOne()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("NOOP\r\n");
        h.Parser.OnGap(3, 2, 20);
        h.Feed("S", 3, 30).Feed("Y", 4, 40);
        Assert.True(h.Parser.State.IsCheckingLineStart);
        h.Feed("S", 5, 50).Feed("T", 6, 60);
        Assert.False(h.Parser.State.IsCheckingLineStart);
        h.Feed("\r\n", 7, 70);
        AssertEvents(h, "NOOP|", "SYST|");
        Assert.Equal(3, h.Handler.Commands.Last().Frame);
    }

    [Fact]
    public void RepliesAroundGapsInTheServerStream()
    {
        var h = RunTranscript("GapsServer");
        AssertEvents(h, "220|ready|1", "230|Logged in|1", "211|End|1", "150|ok|1", "257||1", "200|ok|1", "226|Done|1", "213|5|1",
                     "421|bye|1", "221|Bye|1");
        AssertAnomalies(h, AnomalyKind.UnterminatedMultilineReply, AnomalyKind.PartialLineAtClose);
        Assert.Equal(2, h.Parser.MessagesDroppedAtGap);                 // "331 Pass" and the open 211 block
        Assert.Equal(" MDTM".Length + "word required".Length + "22".Length + "6 done".Length + "2x0 no".Length, h.Parser.SkippedBytes);
    }

    [Fact]
    public void CommandsAroundGapsInTheClientStream()
    {
        var h = RunTranscript("GapsClient");
        AssertEvents(h, "USER|bob", "PWD|", "SYST|", "NOOP|", "user|al", "XSHA256|f", "CWD|/", "retr|", "MKD|a", "QUIT|");
        AssertAnomalies(h, AnomalyKind.PartialLineAtClose);
        Assert.Equal(1, h.Parser.MessagesDroppedAtGap);                 // "PA"
        Assert.Equal("ss x".Length + "ice".Length + "CD x".Length, h.Parser.SkippedBytes);
    }

    [Fact]
    public void LineStartAfterAGapIsJudgedOnWhatTheLineLimitAllows()
    {
        var h = RunTranscript("GapsTinyLines");
        AssertEvents(h, "220||1", "230||1", "200||1");
        AssertAnomalies(h, AnomalyKind.LineTooLong, AnomalyKind.LineTooLong, AnomalyKind.LineTooLong);
    }

    // ---- end of stream -------------------------------------------------------------------------

    [Fact]
    public void CommandWithoutTerminatorAtCloseIsEmittedAndReported()
    {
        var h = RunTranscript("PartialAtClose");
        AssertEvents(h, "USER|a", "QUIT|");
        Anomaly a = Assert.Single(h.Anomalies.Items);
        Assert.Equal(AnomalyKind.PartialLineAtClose, a.Kind);
        Assert.Equal("4 bytes without a line terminator at the end of the stream: QUIT", a.Detail);
    }

    [Fact]
    public void ReplyWithoutTerminatorAtCloseIsEmittedAndReported()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("221 Bye", 3, 30).Finish(4, 40);
        AssertEvents(h, "221|Bye|1");
        FtpReply r = h.Handler.Replies.Single();
        Assert.Equal((3, 4), (r.Frame, r.EndFrame));
        AssertAnomalies(h, AnomalyKind.PartialLineAtClose);
    }

    [Fact]
    public void OpenBlockAtCloseIsEmittedAsCollected()
    {
        var h = new ParserHarness(FtpParserRole.Server).Feed("220-Welcome\r\n more\r\n").Finish();
        AssertEvents(h, "220|Welcome\n more|2");
        AssertAnomalies(h, AnomalyKind.UnterminatedMultilineReply);
    }

    [Fact]
    public void CarriageReturnAtCloseEndsTheLine()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("QUIT\r").Finish();
        AssertEvents(h, "QUIT|");
        AssertAnomalies(h, AnomalyKind.BareCarriageReturn);
    }

    [Fact]
    public void FinishAfterCompleteLinesReportsNothing()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("QUIT\r\n").Finish();
        AssertEvents(h, "QUIT|");
        Assert.Empty(h.Anomalies.Items);
    }

    [Fact]
    public void RestOfATooLongLineAtCloseIsNotAPartialLine()
    {
        var limits = FtpTraceLimits.Default with { MaxLineLength = 8 };
        var h = new ParserHarness(FtpParserRole.Client, limits).Feed("NOOP 123456789").Finish();
        AssertEvents(h, "NOOP|123");
        AssertAnomalies(h, AnomalyKind.LineTooLong);
    }

    // ---- counters ------------------------------------------------------------------------------

    [Fact]
    public void BytesSeenCountsEveryByteFed()
    {
        FtpTranscripts.Transcript t = FtpTranscripts.All["VsftpdServer"];
        var h = RunTranscript("VsftpdServer");
        Assert.Equal(t.Bytes.Length, h.Parser.BytesSeen);
        Assert.Equal(t.Bytes.Length, h.Parser.State.StreamOffset);
    }

    [Fact]
    public void AnomaliesCarryTheConnectionId()
    {
        var h = new ParserHarness(FtpParserRole.Client).Feed("\r\n", 12, 1200);
        Anomaly a = Assert.Single(h.Anomalies.Items);
        Assert.Equal((AnomalyKind.InvalidCommand, 12L, 1200L, 42L), (a.Kind, a.Frame, a.TimeNs, a.ConnectionId));
    }
}
