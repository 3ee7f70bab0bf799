using System.Globalization;
using FtpTrace.Decoding;
using FtpTrace.Reporting.Console;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.Reporting;

public sealed class SummaryWriterTests
{
    private static string Summary(string user)
    {
        var stats = new RunStatistics();
        var session = new FtpSession("x.pcap", 1, new Endpoint(IpAddress.FromV4(0x0A000001), 40000), new Endpoint(IpAddress.FromV4(0x0A000002), 21), 1);
        session.User = user;
        stats.OnSessionStarted(session);
        stats.OnSessionEnded(session);
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        SummaryWriter.Write(output, stats, TimeSpan.FromSeconds(1), width: null);
        return output.ToString();
    }

    [Fact]
    public void UserNamesAreEscapedOnceForTheTerminal()
    {
        string text = Summary("DOMAIN\\alice\u001b[2J");
        Assert.Contains("DOMAIN\\\\alice\\x1B[2J", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\\\\\\\", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
    }
}
