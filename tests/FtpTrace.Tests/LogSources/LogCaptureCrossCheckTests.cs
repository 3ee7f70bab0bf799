using FtpTrace.Analysis;
using FtpTrace.LogSources;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.LogSources;

/// <summary>
/// For every sample session that a server both logged and was captured, the transactions rebuilt
/// from the log equal those from the capture: the same commands (verb, and argument except PASS,
/// which every server masks in its log), in the same order, with the same final reply codes where
/// the log records them. Sessions are matched as a whole (each log session must equal one capture
/// session, each capture session used once), so neither side's numbering matters.
/// </summary>
/// <remarks>
/// Where the two sides differ by nature, and only there, the comparison is relaxed:
/// <list type="bullet">
/// <item>A capture cannot read a control connection past an accepted <c>AUTH TLS</c>; a server log
/// can: a captured session that ends with AUTH matches a log session that starts with it.</item>
/// <item>Commands at the end of a captured session that got no reply (sent while the server was
/// closing, e.g. after its idle-timeout 421) never reached the server's log.</item>
/// <item>Sessions with an ABOR (the abort scenarios) are compared up to the aborted transfer: ProFTPD
/// logs commands as they complete, so the ABOR comes before the RETR it aborts, and it reads
/// ftplib's out-of-band <c>ABOR\r\n</c> + <c>NOOP</c> as one command <c>ABOR NOOP</c>.</item>
/// <item>Pure-FTPd does not log the out-of-band ABOR it never read as a command.</item>
/// <item>The concurrent and port2121 scenarios (sessions that overlap in time) are not compared for
/// ProFTPD's stock <c>default</c> format: it has no pid or port, so overlapping sessions of one
/// client address cannot be told apart.</item>
/// </list>
/// </remarks>
public sealed class LogCaptureCrossCheckTests
{
    /// <summary>ProFTPD's samples write this custom format to transcript.log (samples/README.md).</summary>
    private const string TranscriptFormat = "%{iso8601} %P %{protocol} %a %{remote-port} %u \"%r\" %s \"%S\" %R";

    public static TheoryData<string, string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var scenario in new[] { "basic", "transfers", "ipv6", "tls", "port2121" })
            data.Add("vsftpd", scenario, "vsftpd.log", true);
        foreach (var scenario in new[] { "basic", "transfers", "ipv6", "tls", "port2121", "concurrent" })
        {
            if (scenario is not ("concurrent" or "port2121")) data.Add("proftpd", scenario, "extended.log", true);
            data.Add("proftpd", scenario, "transcript.log", true);
            data.Add("pureftpd", scenario, "syslog", false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogSessionsEqualCapturedSessions(string server, string scenario, string log, bool logHasCodes)
    {
        string capture = $"samples/{server}-{scenario}.{(scenario == "concurrent" ? "pcapng" : "pcap")}";
        string logPath = $"samples/logs/{server}/{scenario}/{log}";
        var options = AnalysisOptions.Default with { Logs = new LogOptions { ProftpdLogFormat = TranscriptFormat } };
        var (capDir, _) = Analyze.ToCsv([capture], options);
        var (logDir, _) = Analyze.ToCsv([logPath], options);

        var captured = Sessions(capDir, logHasCodes);
        var logged = Sessions(logDir, logHasCodes);
        Assert.NotEmpty(logged);

        var unmatched = new List<string>();
        var pool = captured.Values.ToList();
        foreach (var (id, transactions) in logged)
        {
            int match = pool.FindIndex(c => Matches(c, transactions));
            if (match >= 0) pool.RemoveAt(match);
            else unmatched.Add($"log session {id}:\n  " + string.Join("\n  ", transactions.Select(t => t.Text)));
        }
        Assert.True(unmatched.Count == 0,
            $"{unmatched.Count} of {logged.Count} log sessions have no equal capture session.\n{string.Join("\n", unmatched)}\n"
            + $"capture sessions left:\n{string.Join("\n--\n", pool.Select(p => "  " + string.Join("\n  ", p.Select(t => t.Text))))}");
        // Every captured session that carried commands was logged (as a session of its own: not
        // checked for the default format, where a session the client left without QUIT runs into
        // the next one of the same address).
        Assert.True(log == "extended.log" || pool.TrueForAll(p => p.Count == 0),
            $"capture sessions not in the log:\n{string.Join("\n--\n", pool.Select(p => "  " + string.Join("\n  ", p.Select(t => t.Text))))}");
    }

    private static bool Matches(List<Transaction> capture, List<Transaction> log)
    {
        var c = capture.Select(t => t.Text).ToList();
        var l = log.Select(t => t.Text).ToList();
        if (l.Exists(t => t.StartsWith("ABOR", StringComparison.Ordinal)) || c.Exists(t => t.StartsWith("ABOR", StringComparison.Ordinal)))
        {
            c = UpToAbort(c);
            l = UpToAbort(l);
        }
        if (c.SequenceEqual(l)) return true;
        // Encrypted from AUTH on: the capture stops there.
        if (c.Count > 0 && c[^1].StartsWith("AUTH ", StringComparison.Ordinal) && l.Count >= c.Count && l.Take(c.Count).SequenceEqual(c)) return true;
        // Trailing commands the server never answered (nor logged).
        int keep = capture.Count;
        while (keep > 0 && !capture[keep - 1].Answered) keep--;
        return keep < capture.Count && c.Take(keep).SequenceEqual(l);
    }

    private static List<string> UpToAbort(List<string> transactions)
    {
        int cut = transactions.FindIndex(t => t.StartsWith("ABOR", StringComparison.Ordinal) || t.StartsWith("RETR big.bin", StringComparison.Ordinal));
        return cut < 0 ? transactions : transactions[..cut];
    }

    private sealed record Transaction(string Text, bool Answered);

    /// <summary>Per session: "VERB argument -> code" in command order (the code only when the log has codes; PASS without its argument).</summary>
    private static Dictionary<string, List<Transaction>> Sessions(string csvDir, bool withCodes)
    {
        var sessions = new Dictionary<string, List<Transaction>>(StringComparer.Ordinal);
        foreach (var row in Analyze.ReadCsv(Path.Combine(csvDir, "commands.csv")).OrderBy(r => long.Parse(r["frame"], System.Globalization.CultureInfo.InvariantCulture)))
        {
            string verb = row["command"].ToUpperInvariant();
            string arg = verb == "PASS" ? "" : row["argument"];
            string t = $"{verb} {arg}" + (withCodes ? $" -> {row["reply_code"]}" : "");
            if (!sessions.TryGetValue(row["session"], out var list)) sessions[row["session"]] = list = [];
            list.Add(new Transaction(t, row["reply_code"].Length > 0));
        }
        return sessions;
    }
}
