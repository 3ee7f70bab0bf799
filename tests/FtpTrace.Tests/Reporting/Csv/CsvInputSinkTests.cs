using System.Globalization;
using System.Net;
using System.Reflection;
using CsvHelper;
using FtpTrace.Annotation;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Protocol;
using FtpTrace.Reporting.Csv;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Reporting.Csv;

/// <summary>
/// Replies and commands are written cell by cell, not through their row records: reading the files
/// back through <see cref="ReplyRowMap"/> and <see cref="CommandRowMap"/> must give every column
/// its value, so the cells follow the maps' order.
/// </summary>
public sealed class CsvInputSinkTests
{
    private const long T0 = 1_764_088_987_000_000_000; // 2025-11-25T16:43:07Z

    private static Endpoint Ep(string address, int port) => new(IpAddress.FromIPAddress(IPAddress.Parse(address)), (ushort)port);

    private static FtpSession Session() => new("a,b.pcap", 5, Ep("192.0.2.1", 40000), Ep("2001:db8::2", 21), T0);

    /// <summary>Each data row of a CSV file as column name -> cell, the names taken from its header.</summary>
    private static List<Dictionary<string, string>> ReadBack(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        string[] header = csv.HeaderRecord!;
        var rows = new List<Dictionary<string, string>>();
        while (csv.Read()) rows.Add(header.Select((name, i) => (name, cell: csv.GetField(i)!)).ToDictionary(p => p.name, p => p.cell));
        return rows;
    }

    /// <summary>An expected row as column name -> cell, through the map that names the file's columns.</summary>
    private static Dictionary<string, string> Expected<TRow>(CsvHelper.Configuration.ClassMap<TRow> map, TRow row) =>
        map.MemberMaps.ToDictionary(m => m.Data.Names[0], m => Convert.ToString(((PropertyInfo)m.Data.Member!).GetValue(row), CultureInfo.InvariantCulture)!);

    [Fact]
    public void ReplyCellsReadBackThroughTheMapGiveEveryColumnItsValue()
    {
        using var dir = new TempDirectory();
        var session = Session();
        var pass = new FtpCommand("pass", "secret", 11, T0 + 1_000);
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            var sink = csv.ForInput("a,b.pcap");
            sink.OnReply(new ReplyRecord(session, new FtpReply(220, "=hello, \"world\"\nline 2", 2, 10, T0, 12, T0 + 5), ReplyRole.Greeting,
                null, null, ReplyCodeCatalog.Lookup(220), false));
            sink.OnReply(new ReplyRecord(session, new FtpReply(530, "no", 1, 13, T0 + 2_500_000, 13, T0 + 2_500_000), ReplyRole.Final,
                pass, 2_499_000, ReplyCodeCatalog.Lookup(530), true));
            csv.Complete(new RunStatistics());
        }

        var rows = ReadBack(Path.Combine(dir.Path, "replies.csv"));
        var map = new ReplyRowMap();

        Assert.Equal(
            [
                Expected(map, new ReplyRow("a,b.pcap", 5, 10, "2025-11-25T16:43:07.000000Z", "192.0.2.1:40000", "[2001:db8::2]:21", 220,
                    ReplyCodeCatalog.Lookup(220).Meaning, "'=hello, \"world\"\nline 2", "", "", "", "greeting", "", "false", 2, 12)),
                Expected(map, new ReplyRow("a,b.pcap", 5, 13, "2025-11-25T16:43:07.002500Z", "192.0.2.1:40000", "[2001:db8::2]:21", 530,
                    ReplyCodeCatalog.Lookup(530).Meaning, "no", "pass", CsvReportWriter.Mask, "2.499", "final", "11", "true", 1, 13)),
            ],
            rows);
    }

    // Report files are written as new files (see CsvReportWriter.OpenText); one left by an
    // earlier, longer run must not keep any of its rows.
    [Fact]
    public void ReportsWrittenOverLongerOnesHoldOnlyTheNewRows()
    {
        using var reused = new TempDirectory();
        using var fresh = new TempDirectory();
        var session = Session();
        void Write(string path, int replies)
        {
            using var csv = new CsvReportWriter(path, new CsvOptions());
            var sink = csv.ForInput("a.pcap");
            for (int i = 0; i < replies; i++)
            {
                sink.OnReply(new ReplyRecord(session, new FtpReply(200, $"reply {i}", 1, i + 1, T0 + i, i + 1, T0 + i), ReplyRole.Unsolicited,
                    null, null, ReplyCodeCatalog.Lookup(200), false));
            }
            csv.Complete(new RunStatistics());
        }

        Write(reused.Path, 500);
        Write(reused.Path, 2);
        Write(fresh.Path, 2);

        foreach (string name in CsvReportWriter.FileNames)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(fresh.Path, name)), File.ReadAllText(Path.Combine(reused.Path, name)));
        }
        Assert.Equal(3, File.ReadAllLines(Path.Combine(reused.Path, "replies.csv")).Length);
    }

    // Each row file gets its CsvWriter and header at its first row; one that never gets a row still
    // has its header, even when the run stops before the reports are completed.
    [Fact]
    public void RowFilesWithoutRowsStillHaveTheirHeaders()
    {
        using var dir = new TempDirectory();
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            csv.ForInput("a.pcap").OnReply(new ReplyRecord(Session(), new FtpReply(200, "ok", 1, 1, T0, 1, T0), ReplyRole.Unsolicited,
                null, null, ReplyCodeCatalog.Lookup(200), false));
        }

        Assert.Equal("file,session,frame,time,client,server,command,argument,reply_code,latency_ms,preliminary_replies,reply_frame",
            Assert.Single(File.ReadAllLines(Path.Combine(dir.Path, "commands.csv"))));
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir.Path, "replies.csv")).Length);
        foreach (string name in new[] { "sessions.csv", "anomalies.csv", "transfers.csv" })
        {
            Assert.StartsWith("file,session,", Assert.Single(File.ReadAllLines(Path.Combine(dir.Path, name))), StringComparison.Ordinal);
        }
    }

    // An old report is replaced by a new file, but a report name that is a symbolic link is written
    // through, as truncating it always did: the link stays and its target gets the rows.
    [Fact]
    public void AReportThatIsALinkIsWrittenThroughIt()
    {
        using var dir = new TempDirectory();
        using var elsewhere = new TempDirectory();
        string target = Path.Combine(elsewhere.Path, "kept-replies.csv");
        File.WriteAllText(target, "old rows that must go\r\n");
        string link = Path.Combine(dir.Path, "replies.csv");
        File.CreateSymbolicLink(link, target);
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            csv.ForInput("a.pcap").OnReply(new ReplyRecord(Session(), new FtpReply(200, "ok", 1, 1, T0, 1, T0), ReplyRole.Unsolicited,
                null, null, ReplyCodeCatalog.Lookup(200), false));
            csv.Complete(new RunStatistics());
        }

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        var rows = ReadBack(target);
        Assert.Equal("ok", Assert.Single(rows)["text"]);
    }

    [Fact]
    public void CommandCellsReadBackThroughTheMapGiveEveryColumnItsValue()
    {
        using var dir = new TempDirectory();
        var session = Session();
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            var sink = csv.ForInput("a,b.pcap");
            sink.OnCommandCompleted(new CommandRecord(session, new FtpCommand("RETR", "-a,b", 20, T0), new FtpReply(226, "done", 1, 25, T0 + 3_000_000, 25, T0 + 3_000_000),
                1, 3_000_000));
            sink.OnCommandCompleted(new CommandRecord(session, new FtpCommand("NOOP", "", 30, T0 + 4_000_000), null, 0, null));
            csv.Complete(new RunStatistics());
        }

        var rows = ReadBack(Path.Combine(dir.Path, "commands.csv"));
        var map = new CommandRowMap();

        Assert.Equal(
            [
                Expected(map, new CommandRow("a,b.pcap", 5, 20, "2025-11-25T16:43:07.000000Z", "192.0.2.1:40000", "[2001:db8::2]:21", "RETR", "'-a,b", "226", "3.000", 1, "25")),
                Expected(map, new CommandRow("a,b.pcap", 5, 30, "2025-11-25T16:43:07.004000Z", "192.0.2.1:40000", "[2001:db8::2]:21", "NOOP", "", "", "", 0, "")),
            ],
            rows);
    }

    [Fact]
    public void SessionCellsReadBackThroughTheMapGiveEveryColumnItsValue()
    {
        using var dir = new TempDirectory();
        var session = Session();
        session.EndNs = T0 + 9_000_000_000;
        session.User = "-bob";
        session.Login = LoginOutcome.Succeeded;
        session.Commands = 7;
        session.Replies = 8;
        session.Errors = 1;
        session.Anomalies = 2;
        session.EncryptedFromFrame = 40;
        session.EncryptedBytes = 1234;
        session.LoginsSucceeded = 1;
        session.LoginsFailed = 3;
        session.WorkingDirectory = "/a,b";
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            csv.ForInput("a,b.pcap").OnSessionEnded(session);
            csv.Complete(new RunStatistics());
        }

        var rows = ReadBack(Path.Combine(dir.Path, "sessions.csv"));

        Assert.Equal(
            [
                Expected(new SessionRowMap(), new SessionRow("a,b.pcap", 5, "192.0.2.1:40000", "[2001:db8::2]:21", "2025-11-25T16:43:07.000000Z",
                    "2025-11-25T16:43:16.000000Z", "'-bob", "ok", 7, 8, 1, "true", 2, "false", "40", 1234, 1, 3, "/a,b")),
            ],
            rows);
    }

    [Fact]
    public void AnomalyCellsReadBackThroughTheMapGiveEveryColumnItsValue()
    {
        using var dir = new TempDirectory();
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            var sink = csv.ForInput("a,b.pcap");
            sink.OnSessionStarted(Session());
            sink.Report(new Anomaly(AnomalyKind.InvalidReply, 12, T0, 5, "not a reply line: \"x,y\""));
            sink.Report(new Anomaly(AnomalyKind.InvalidReply, 0, 0, 9, "=1"));
            csv.Complete(new RunStatistics());
        }

        var rows = ReadBack(Path.Combine(dir.Path, "anomalies.csv"));

        var map = new AnomalyRowMap();
        string kind = AnomalyKinds.Name(AnomalyKind.InvalidReply);
        Assert.Equal(
            [
                Expected(map, new AnomalyRow("a,b.pcap", "5", "12", "2025-11-25T16:43:07.000000Z", kind, "not a reply line: \"x,y\"")),
                Expected(map, new AnomalyRow("a,b.pcap", "", "", "", kind, "'=1")),
            ],
            rows);
    }
}
