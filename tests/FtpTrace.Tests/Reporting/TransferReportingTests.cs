using System.Net;
using FtpTrace.Decoding;
using FtpTrace.Protocol;
using FtpTrace.Reporting.Console;
using FtpTrace.Reporting.Csv;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Reporting;

public sealed class TransferReportingTests
{
    private const long T0 = 1_764_088_987_000_000_000; // 2025-11-25T16:43:07Z

    private static Endpoint Ep(string address, int port) => new(IpAddress.FromIPAddress(IPAddress.Parse(address)), (ushort)port);

    private static FtpSession Session(string source = "logs/xferlog", long id = 3) =>
        new(source, id, Ep("192.0.2.1", 40000), Ep("192.0.2.2", 21), T0);

    /// <summary>A transfer as a server log records it: no data connection, no frames.</summary>
    private static TransferRecord FromLog(FtpSession session, string verb, string path, TransferDirection direction, long bytes, bool complete, long durationNs = 2_000_000_000) =>
        new(session, new FtpCommand(verb, path, 0, T0), path, direction, bytes, T0, T0 + durationNs, null, complete, null, null, "", 0, null, false, "I");

    [Fact]
    public void TransferRowWithoutDataConnectionLeavesEndpointsAndFramesEmpty()
    {
        using var dir = new TempDirectory();
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            csv.ForInput("logs/xferlog").OnTransfer(FromLog(Session(), "RETR", "/pub/a b,c.bin", TransferDirection.Download, 1000, complete: true));
            csv.Complete(new RunStatistics());
        }

        var text = File.ReadAllText(Path.Combine(dir.Path, "transfers.csv"));

        Assert.Equal(
            "file,session,command,path,direction,bytes,start,end,duration_ms,throughput_bps,reply_code,complete,data_client,data_server,"
            + "mode,rest,announced_size,encrypted,type,aborted,missing_bytes,unannounced,data_connection,command_frame,reply_frame\r\n"
            + "logs/xferlog,3,RETR,\"/pub/a b,c.bin\",download,1000,2025-11-25T16:43:07.000000Z,2025-11-25T16:43:09.000000Z,2000.000,4000,,true,,,"
            + ",0,,false,I,false,0,false,,0,\r\n",
            text);
    }

    [Fact]
    public void TransferRowOfACaptureCarriesEndpointsReplyAndExtras()
    {
        using var dir = new TempDirectory();
        var session = Session("x.pcap", 1);
        var record = new TransferRecord(session, new FtpCommand("stor", "=up.txt", 10, T0), "=up.txt", TransferDirection.Upload, 500, T0, T0 + 1_000_000,
            new FtpReply(226, "ok", 1, 20, T0 + 2_000_000, 20, T0 + 2_000_000), true, Ep("192.0.2.1", 40001), Ep("2001:db8::2", 20), "EPRT", 100, 600, true, "A")
        {
            DataConnection = 2,
            MissingBytes = 10,
        };
        using (var csv = new CsvReportWriter(dir.Path, new CsvOptions()))
        {
            csv.ForInput("x.pcap").OnTransfer(record);
            csv.Complete(new RunStatistics());
        }

        var row = Assert.Single(Analyze.ReadCsv(Path.Combine(dir.Path, "transfers.csv")));

        Assert.Equal("stor", row["command"]);
        Assert.Equal("'=up.txt", row["path"]); // no formula reaches a spreadsheet
        Assert.Equal("upload", row["direction"]);
        Assert.Equal("1.000", row["duration_ms"]);
        Assert.Equal("4000000", row["throughput_bps"]);
        Assert.Equal("226", row["reply_code"]);
        Assert.Equal("192.0.2.1:40001", row["data_client"]);
        Assert.Equal("[2001:db8::2]:20", row["data_server"]);
        Assert.Equal(("EPRT", "100", "600", "true", "A"), (row["mode"], row["rest"], row["announced_size"], row["encrypted"], row["type"]));
        Assert.Equal(("10", "2", "10", "20"), (row["missing_bytes"], row["data_connection"], row["command_frame"], row["reply_frame"]));
    }

    [Fact]
    public void StatisticsCountTransfersBytesUpAndDownLargestAndFailed()
    {
        var first = new RunStatistics();
        var session = Session();
        first.OnTransfer(FromLog(session, "RETR", "/a", TransferDirection.Download, 700, complete: true));
        first.OnTransfer(FromLog(session, "LIST", "/", TransferDirection.Listing, 50, complete: true));
        var second = new RunStatistics();
        second.OnTransfer(FromLog(Session("other"), "STOR", "/big", TransferDirection.Upload, 900, complete: false));
        second.OnTransfer(FromLog(Session("other"), "STOR", "/same", TransferDirection.Upload, 900, complete: true));

        first.Merge(second);

        Assert.Equal((4L, 1L, 1800L, 750L), (first.Transfers, first.TransfersFailed, first.TransferBytesUp, first.TransferBytesDown));
        Assert.Equal(new LargestTransfer("other", 3, "STOR", "/big", 900), first.Largest);
    }

    [Fact]
    public void SummaryShowsTransfersAndTheLargest()
    {
        var stats = new RunStatistics();
        stats.OnTransfer(FromLog(Session(), "RETR", "/pub/data.bin", TransferDirection.Download, 120_000, complete: true));
        stats.OnTransfer(FromLog(Session(), "STOR", "/up", TransferDirection.Upload, 0, complete: false));
        using var output = new StringWriter();

        SummaryWriter.Write(output, stats, TimeSpan.FromSeconds(1), null);

        // Cells are padded to the table's widths: compare with single spaces.
        var lines = output.ToString().Split('\n').Select(l => System.Text.RegularExpressions.Regex.Replace(l.TrimEnd('\r'), " +", " ")).ToList();
        Assert.Contains(" Transfers 2 1 failed or incomplete, 0 B up, 120.0 KB down", lines);
        Assert.Contains(lines, l => l.Contains("Largest transfer", StringComparison.Ordinal) && l.Contains("120.0 KB", StringComparison.Ordinal)
            && l.Contains("RETR /pub/data.bin (session 3 of logs/xferlog)", StringComparison.Ordinal));
    }
}
