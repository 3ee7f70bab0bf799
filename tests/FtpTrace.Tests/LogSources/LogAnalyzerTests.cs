using System.IO.Compression;
using FtpTrace.Diagnostics;
using FtpTrace.LogSources;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.LogSources;

/// <summary>Per-format tests: real lines from the sample servers, and crafted FileZilla/IIS lines built to their documented formats.</summary>
public sealed class LogAnalyzerTests
{
    /// <summary>Everything a log produced, in order.</summary>
    private sealed class Recorder : IFtpSessionSink, IAnomalySink
    {
        public List<FtpSession> Sessions { get; } = [];
        public List<CommandRecord> Commands { get; } = [];
        public List<ReplyRecord> Replies { get; } = [];
        public List<TransferRecord> Transfers { get; } = [];
        public List<Anomaly> Anomalies { get; } = [];
        public InputStats Stats { get; } = new();
        public LogFormat Format { get; set; }

        public void OnSessionStarted(FtpSession session) => Sessions.Add(session);
        public void OnReply(ReplyRecord reply) => Replies.Add(reply);
        public void OnCommandCompleted(CommandRecord command) => Commands.Add(command);
        public void OnTransfer(TransferRecord transfer) => Transfers.Add(transfer);
        public void OnSessionEnded(FtpSession session) { }
        public void Report(in Anomaly anomaly) => Anomalies.Add(anomaly);

        /// <summary>"session VERB arg -> code" per command, in completion order.</summary>
        public List<string> Transactions() =>
            Commands.Select(c => $"{c.Session.Id} {c.Command.Verb} {c.Command.Argument} -> {c.FinalReply?.Code.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}").ToList();
    }

    private static Recorder Run(string path, LogOptions? options = null)
    {
        var r = new Recorder();
        r.Format = LogAnalyzer.Analyze(path, "test", FtpTraceLimits.Default, options ?? LogOptions.Default, r, r, r.Stats);
        return r;
    }

    private static string Fixture(string name) => Path.Combine(TestSupport.Fixture.RepoRoot, "tests", "FtpTrace.Tests", "Fixtures", "Logs", name);

    private static string Sample(string relative) => Path.Combine(TestSupport.Fixture.RepoRoot, "samples", "logs", relative);

    private static string TempFile(string content, string name = "log.txt")
    {
        string dir = TestTemp.Directory("log-");
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static long Ns(string iso) => (DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks - DateTime.UnixEpoch.Ticks) * 100;

    [Theory]
    [InlineData("vsftpd/basic/vsftpd.log", LogFormat.Vsftpd)]
    [InlineData("vsftpd/concurrent/vsftpd.log", LogFormat.Vsftpd)]
    [InlineData("vsftpd/basic/xferlog", LogFormat.Xferlog)]
    [InlineData("proftpd/basic/xferlog", LogFormat.Xferlog)]
    [InlineData("pureftpd/transfers/xferlog", LogFormat.Xferlog)]
    [InlineData("proftpd/basic/extended.log", LogFormat.ProftpdExtended)]
    [InlineData("proftpd/basic/proftpd.log", LogFormat.ProftpdSystem)]
    [InlineData("pureftpd/basic/syslog", LogFormat.PureFtpdSyslog)]
    [InlineData("pureftpd/basic/w3c.log", LogFormat.W3c)]
    [InlineData("pureftpd/ipv6/clf.log", LogFormat.PureFtpdClf)]
    [InlineData("pureftpd/tls/stats.log", LogFormat.PureFtpdStats)]
    public void DetectsEachSampleFormatFromItsContent(string sample, LogFormat expected)
    {
        var r = Run(Sample(sample));
        Assert.Equal(expected, r.Format);
        Assert.DoesNotContain(r.Anomalies, a => a.Kind == AnomalyKind.UnparsedLogLine);
    }

    [Fact]
    public void DetectionIgnoresTheFileName()
    {
        string path = TempFile(File.ReadAllText(Sample("vsftpd/basic/xferlog")), "capture.pcap");
        Assert.Equal(LogFormat.Xferlog, Run(path).Format);
    }

    [Fact]
    public void UnrecognisedTextIsRefusedWithAReason()
    {
        string path = TempFile("hello\nworld\n");
        var e = Assert.Throws<CaptureFileException>(() => Run(path));
        Assert.Contains("not a capture or a supported server log", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void VsftpdTranscriptRebuildsMultilineRepliesFromPieces()
    {
        var r = Run(Sample("vsftpd/basic/vsftpd.log"));
        var stat = r.Replies.First(x => x.Command?.Verb == "STAT");
        Assert.Equal(211, stat.Reply.Code);
        Assert.StartsWith("FTP server status:\n     Connected to ::ffff:127.0.0.1\n     Logged in as ftptest\n     TYPE: ASCII\n", stat.Reply.Text, StringComparison.Ordinal);
        Assert.EndsWith("\nEnd of status", stat.Reply.Text, StringComparison.Ordinal);
        Assert.Equal(11, stat.Reply.LineCount);
        var feat = r.Replies.First(x => x.Command?.Verb == "FEAT");
        Assert.Equal("Features:\n EPRT\n EPSV\n MDTM\n PASV\n REST STREAM\n SIZE\n TVFS\nEnd", feat.Reply.Text);
        // Greeting, then the first session's failed login; IPv4-mapped client read as IPv4.
        Assert.Equal(ReplyRole.Greeting, r.Replies[0].Role);
        Assert.Equal("127.0.0.1:0", r.Sessions[0].Client.ToString());
        Assert.Equal(LoginOutcome.Failed, r.Sessions[0].Login);
        Assert.Equal(LoginOutcome.Succeeded, r.Sessions[1].Login);
        Assert.Equal(Ns("2026-11-25T16:45:51Z"), r.Sessions[0].StartNs);
    }

    [Fact]
    public void VsftpdFollowsThePidChangeAtLoginAcrossInterleavedSessions()
    {
        var r = Run(Sample("vsftpd/port2121/vsftpd.log"));
        // Two sessions log in at the same time with pids 2524/2526; their post-login processes 2527/2540 must not be swapped.
        Assert.Equal(
            ["1 USER ftptest -> 331", "2 USER ftptest -> 331", "1 PASS <password> -> 230", "1 PWD  -> 257", "2 PASS <password> -> 230", "2 PWD  -> 257"],
            r.Transactions().Take(6));
        Assert.DoesNotContain(r.Anomalies, a => a.Kind is AnomalyKind.UnsolicitedReply or AnomalyKind.CommandWithoutReply);
    }

    [Fact]
    public void VsftpdWithoutTranscriptGivesSessionsLoginsAndTransfers()
    {
        var r = Run(Sample("vsftpd/concurrent/vsftpd.log"));
        Assert.Empty(r.Commands);
        Assert.Equal(7, r.Sessions.Count);
        Assert.Contains(r.Sessions, s => s.Anonymous && s.User == "ftp" && s.Login == LoginOutcome.Succeeded);
        var t = r.Transfers.First();
        Assert.Equal("/srv/ftpsamples/home/ftptest/hello.txt", t.Path);
        Assert.Equal(99, t.Bytes);
        Assert.Equal(TransferDirection.Download, t.Direction);
        Assert.Equal(226, t.FinalReply!.Code);
    }

    [Fact]
    public void XferlogLinesBecomeTransfersWithSpacesInFileNames()
    {
        string path = TempFile(
            "Wed Nov 25 16:45:54 2026 1 ::ffff:127.0.0.1 0 /srv/ftpsamples/home/ftptest/no-such-file.bin b _ o r ftptest ftp 0 * i\n" +
            "Thu Nov  5 09:03:07 2026 2 192.0.2.10 20000 /home/ann/My Documents/a b.txt a _ i r ann ftp 0 * c\n");
        var r = Run(path);
        Assert.Equal(2, r.Transfers.Count);
        Assert.False(r.Transfers[0].Complete);
        Assert.Equal(426, r.Transfers[0].FinalReply!.Code);
        var up = r.Transfers[1];
        Assert.Equal("/home/ann/My Documents/a b.txt", up.Path);
        Assert.Equal(TransferDirection.Upload, up.Direction);
        Assert.Equal(20000, up.Bytes);
        Assert.Equal("A", up.TransferType);
        Assert.Equal(Ns("2026-11-05T09:03:07Z"), up.EndNs);
        Assert.Equal(Ns("2026-11-05T09:03:05Z"), up.StartNs);
        Assert.Equal("ann", up.Session.User);
    }

    [Fact]
    public void LocalTimesAreReadInTheGivenZone()
    {
        string path = TempFile("Wed Jul  1 12:00:00 2026 0 192.0.2.10 1 /f b _ o r ann ftp 0 * c\n");
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var r = Run(path, new LogOptions { TimeZone = berlin });
        Assert.Equal(Ns("2026-07-01T10:00:00Z"), r.Transfers[0].EndNs); // CEST = UTC+2
    }

    [Fact]
    public void ProftpdCustomLogFormatCarriesPortsPidsAndReplyText()
    {
        var options = new LogOptions { ProftpdLogFormat = "%{iso8601} %P %{protocol} %a %{remote-port} %u \"%r\" %s \"%S\" %R" };
        var r = Run(Sample("proftpd/basic/transcript.log"), options);
        Assert.Equal(LogFormat.ProftpdExtended, r.Format);
        Assert.Equal("127.0.0.1:50808", r.Sessions[0].Client.ToString());
        var first = r.Replies[0];
        Assert.Equal(331, first.Reply.Code);
        Assert.Equal("Password required for ftptest", first.Reply.Text);
        Assert.Equal(Ns("2026-11-25T16:48:05.527Z"), first.Reply.TimeNs);
        Assert.Equal(["1 USER ftptest -> 331", "1 PASS (hidden) -> 530", "1 QUIT  -> 221"], r.Transactions().Take(3));
    }

    [Fact]
    public void ProftpdSubCommandCodeGoesToTheClientCommand()
    {
        var r = Run(Sample("proftpd/basic/extended.log"));
        Assert.Contains(r.Transactions(), t => t.EndsWith(" OPTS UTF8 ON -> 200", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Commands, c => c.Command.Verb.Contains('_', StringComparison.Ordinal));
    }

    [Fact]
    public void ProftpdSystemLogGivesSessionsAndLogins()
    {
        var r = Run(Sample("proftpd/basic/proftpd.log"));
        Assert.Equal(8, r.Sessions.Count);
        Assert.Equal(LoginOutcome.Failed, r.Sessions[0].Login);
        Assert.Equal("ftptest", r.Sessions[1].User);
        Assert.True(r.Sessions[2].Anonymous);
    }

    [Fact]
    public void PureFtpdSyslogCommandsHaveNoReplyButLoginsAndTransfers()
    {
        var r = Run(Sample("pureftpd/transfers/syslog"), new LogOptions { SyslogYear = 2026 });
        Assert.All(r.Commands, c => Assert.Null(c.FinalReply));
        Assert.Equal("USER", r.Commands[0].Command.Verb);
        Assert.Equal(Ns("2026-11-25T16:46:33Z"), r.Commands[0].Command.TimeNs);
        Assert.DoesNotContain(r.Anomalies, a => a.Kind == AnomalyKind.CommandWithoutReply);
        Assert.Equal(LoginOutcome.Succeeded, r.Sessions[0].Login);
        var t = r.Transfers[0];
        Assert.Equal("/srv/ftpsamples/home/ftptest//data.bin", t.Path);
        Assert.Equal(120000, t.Bytes);
    }

    [Fact]
    public void PureFtpdAltLogsGiveTransfers()
    {
        var clf = Run(Sample("pureftpd/ipv6/clf.log"));
        Assert.Equal("[::1]:0", clf.Transfers[0].Session.Client.ToString());
        Assert.Equal(TransferDirection.Upload, clf.Transfers[1].Direction);
        var stats = Run(Sample("pureftpd/tls/stats.log"));
        Assert.Equal(5, stats.Transfers.Count);
        Assert.Equal(5, stats.Sessions.Count); // one session id per line in that sample
        var w3c = Run(Sample("pureftpd/basic/w3c.log"));
        Assert.Equal("/srv/ftpsamples/anon/pub/readme.txt", w3c.Transfers[0].Path);
        Assert.Equal(53, w3c.Transfers[0].Bytes);
    }

    [Fact]
    public void FileZillaServerLogRebuildsSessionsWithIpv6AndNonAsciiNames()
    {
        var r = Run(Fixture("filezilla-1x.log"));
        Assert.Equal(LogFormat.FileZilla, r.Format);
        Assert.Equal("192.0.2.10:0", r.Sessions[0].Client.ToString());
        Assert.Equal("[2001:db8::7]:0", r.Sessions[1].Client.ToString());
        Assert.Equal("FileZilla Server 1.8.0\nPlease visit https://filezilla-project.org/", r.Replies[0].Reply.Text);
        Assert.Equal(ReplyRole.Greeting, r.Replies[0].Role);
        Assert.Equal(
            ["1 USER Zoë Müller -> 331", "1 PASS **** -> 230", "2 USER anonymous -> 331", "1 CWD /Projekte/\"Q3\" Berichte -> 250", "2 PASS **** -> 530", "1 QUIT  -> 221"],
            r.Transactions());
        Assert.Equal("Zoë Müller", r.Sessions[0].User);
        Assert.Equal("/Projekte/\"Q3\" Berichte", r.Sessions[0].WorkingDirectory);
        Assert.Equal(LoginOutcome.Failed, r.Sessions[1].Login);
        var bad = Assert.Single(r.Anomalies, a => a.Kind == AnomalyKind.UnparsedLogLine);
        Assert.Equal(15, bad.Frame);
        Assert.Equal(Ns("2026-11-25T16:50:00.300Z"), r.Commands[0].Command.TimeNs);
    }

    [Fact]
    public void FileZillaLegacyLogReadsDayFirstDatesFromTheFile()
    {
        var r = Run(Fixture("filezilla-09-dmy.log"));
        Assert.Equal(LogFormat.FileZillaLegacy, r.Format);
        Assert.Equal(
            ["1 USER John Smith -> 331", "1 PASS **** -> 230", "1 RETR \"Café Menü.pdf\" -> 226", "2 USER anonymous -> 331"],
            r.Transactions());
        Assert.Equal("[2001:db8::7]:0", r.Sessions[1].Client.ToString());
        Assert.Equal(Ns("2026-11-25T16:45:52Z"), r.Commands[0].Command.TimeNs);
        Assert.Equal("Successfully transferred \"/Café Menü.pdf\"", r.Commands[2].FinalReply!.Text);
        Assert.Equal(1, r.Commands[2].PreliminaryReplies);
    }

    [Fact]
    public void FileZillaLegacyLogReadsMonthFirstTwelveHourDates()
    {
        var r = Run(Fixture("filezilla-09-mdy-ampm.log"));
        Assert.Equal(Ns("2026-11-25T16:45:52Z"), r.Commands[0].Command.TimeNs);
        Assert.Equal(LoginOutcome.Failed, r.Sessions[0].Login);
    }

    [Fact]
    public void FileZillaLegacyAmbiguousDatesNeedTheDateOrder()
    {
        var e = Assert.Throws<CaptureFileException>(() => Run(Fixture("filezilla-09-ambiguous.log")));
        Assert.Contains("--date-order", e.Reason, StringComparison.Ordinal);
        var dmy = Run(Fixture("filezilla-09-ambiguous.log"), new LogOptions { DateOrder = DateOrder.DayMonthYear });
        Assert.Equal(Ns("2026-11-05T16:45:52Z"), dmy.Commands[0].Command.TimeNs);
        var mdy = Run(Fixture("filezilla-09-ambiguous.log"), new LogOptions { DateOrder = DateOrder.MonthDayYear });
        Assert.Equal(Ns("2026-05-11T16:45:52Z"), mdy.Commands[0].Command.TimeNs);
    }

    [Fact]
    public void IisLogFollowsFieldsChangesAndAnnotatesWin32Status()
    {
        var r = Run(Fixture("iis-ftp.log"));
        Assert.Equal(LogFormat.W3c, r.Format);
        Assert.Equal(
            ["1 USER John Smith -> 331", "1 PASS *** -> 230", "1 RETR Quarterly Report \"Q3\".pdf -> 550", "1 RETR data.bin -> 426",
             "2 USER anonymous -> 331", "2 PASS *** -> 230", "2 RETR données/été.txt -> 226", "2 QUIT  -> 221"],
            r.Transactions().Select(t => t.Replace("QUIT -", "QUIT ", StringComparison.Ordinal)));
        Assert.Equal("192.0.2.10:50123", r.Sessions[0].Client.ToString());
        Assert.Equal("192.0.2.1:21", r.Sessions[0].Server.ToString());
        Assert.Equal("[2001:db8::7]:50200", r.Sessions[1].Client.ToString());
        Assert.Equal("John Smith", r.Sessions[0].User);
        Assert.Equal("[sc-win32-status 2: Windows error 2]", r.Commands[2].FinalReply!.Text);
        Assert.Equal("[sc-win32-status 10054: Connection reset by peer. The connection was forcibly closed by the remote host.]", r.Commands[3].FinalReply!.Text);
        var t = Assert.Single(r.Transfers, x => x.FinalReply!.Code == 226);
        Assert.Equal("/données/été.txt", t.Path);
        Assert.Equal(1234, t.Bytes);
        Assert.Equal(Ns("2026-11-25T17:00:03Z") - 250_000_000, t.StartNs);
        Assert.DoesNotContain(r.Anomalies, a => a.Kind == AnomalyKind.UnparsedLogLine);
    }

    [Fact]
    public void UnparsedLinesAreReportedWithTheirNumberAndTheRestIsRead()
    {
        string lines = File.ReadAllText(Sample("vsftpd/basic/xferlog"));
        string path = TempFile(lines.Insert(lines.IndexOf('\n', StringComparison.Ordinal) + 1, "garbage \u0001 line\n"));
        var r = Run(path);
        var a = Assert.Single(r.Anomalies);
        Assert.Equal(AnomalyKind.UnparsedLogLine, a.Kind);
        Assert.Equal(2, a.Frame);
        Assert.Contains("garbage \\x01 line", a.Detail, StringComparison.Ordinal);
        Assert.Equal(5, r.Transfers.Count);
        Assert.Equal(6, r.Stats.LogLines);
    }

    [Fact]
    public void GzipCompressedLogsAreReadDirectly()
    {
        byte[] plain = File.ReadAllBytes(Sample("vsftpd/basic/vsftpd.log"));
        string path = TempFile("", "vsftpd.log.1.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest)) gz.Write(plain);
        var zipped = Run(path);
        var direct = Run(Sample("vsftpd/basic/vsftpd.log"));
        Assert.Equal(direct.Transactions(), zipped.Transactions());
        Assert.Equal(320, zipped.Stats.LogLines);
    }
}
