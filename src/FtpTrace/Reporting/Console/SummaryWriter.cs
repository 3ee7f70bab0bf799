using System.Globalization;
using FtpTrace.Annotation;
using FtpTrace.Diagnostics;
using FtpTrace.Reporting.Statistics;

namespace FtpTrace.Reporting.Console;

/// <summary>The terminal summary: what an analyst wants to see first about a run.</summary>
public static class SummaryWriter
{
    /// <summary>How many commands the "busiest commands" table lists.</summary>
    public const int BusiestCommands = 15;

    /// <param name="output">Where to write.</param>
    /// <param name="stats">The run's figures.</param>
    /// <param name="elapsed">Wall time of the run.</param>
    /// <param name="width">Terminal width to cut long cells to, or null to write them whole (output redirected).</param>
    public static void Write(TextWriter output, RunStatistics stats, TimeSpan elapsed, int? width)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stats);
        var i = stats.Inputs;
        output.WriteLine($"FtpTrace summary ({N(i.Files)} input{S(i.Files)} analysed in {elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)");
        output.WriteLine();

        var overview = new TextTable(("", false), ("", true), ("", false));
        overview.Add("Inputs", N(i.Files), $"file{S(i.Files)} read, {N(i.FilesFailed)} unreadable, {Formats.Bytes(i.Bytes)}");
        overview.Add("Packets", N(i.Frames), $"{N(i.TcpSegments)} TCP, {N(i.Udp)} UDP, {N(i.OtherPackets)} other; {N(i.Ipv4)} IPv4, {N(i.Ipv6)} IPv6");
        overview.Add("TCP connections", N(i.TcpConnections), "");
        overview.Add("FTP sessions", N(stats.Sessions), $"{N(stats.EncryptedSessions)} encrypted, {N(stats.AnonymousSessions)} anonymous");
        overview.Add("Commands", N(stats.Commands), "");
        overview.Add("Replies", N(stats.Replies), $"{N(stats.UnsolicitedReplies)} unsolicited, {N(stats.UnexpectedReplies)} unexpected for their command");
        overview.Add("Transfers", N(stats.Transfers),
            $"{N(stats.TransfersFailed)} failed or incomplete, {Formats.Bytes(stats.TransferBytesUp)} up, {Formats.Bytes(stats.TransferBytesDown)} down");
        if (stats.Largest is { } largest)
            overview.Add("Largest transfer", Formats.Bytes(largest.Bytes), TextSafety.Cut($"{largest.Command} {largest.Path} (session {largest.Session} of {largest.File})", 120));
        overview.Add("Anomalies", N(stats.Anomalies), "");
        WriteBare(output, overview);

        output.WriteLine();
        output.WriteLine("Replies by class");
        var classes = new TextTable(("Class", false), ("Count", true), ("Meaning", false));
        for (int c = 1; c <= 6; c++)
        {
            if (c == 6 && stats.RepliesByClass[6] == 0) continue;
            classes.Add($"{c}xx", N(stats.RepliesByClass[c]), ReplyCodeCatalog.SeriesMeaning(c * 100) ?? "");
        }
        classes.Write(output, width);

        if (stats.ReplyCodes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Reply codes");
            var codes = new TextTable(("Code", true), ("Count", true), ("Meaning", false));
            foreach (var (code, count) in stats.ReplyCodes)
                codes.Add(code.ToString(CultureInfo.InvariantCulture), N(count), ReplyCodeCatalog.Lookup(code).Meaning);
            codes.Write(output, width);
        }

        if (stats.CommandsByVerb.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Busiest commands (latency to the final reply, ms)");
            var cmds = new TextTable(("Command", false), ("Count", true), ("2xx", true), ("3xx", true), ("4xx", true), ("5xx", true),
                ("p50", true), ("p90", true), ("p99", true), ("max", true), ("No reply", true));
            foreach (var (verb, s) in stats.CommandsByVerb.OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(BusiestCommands))
            {
                cmds.Add(TextSafety.Cut(verb, 16), N(s.Count), N(s.RepliesByClass[2]), N(s.RepliesByClass[3]), N(s.RepliesByClass[4]),
                    N(s.RepliesByClass[5]), Formats.Milliseconds(s.Latency.Percentile(50)), Formats.Milliseconds(s.Latency.Percentile(90)),
                    Formats.Milliseconds(s.Latency.Percentile(99)), s.Latency.Count == 0 ? "" : Formats.Milliseconds(s.Latency.Max), N(s.WithoutReply));
            }
            cmds.Write(output, width);
            if (stats.CommandsByVerb.Count > BusiestCommands)
                output.WriteLine($"  ... and {N(stats.CommandsByVerb.Count - BusiestCommands)} more (commands-summary.csv has them all)");
        }

        if (stats.Users.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Logins by user");
            var users = new TextTable(("User", false), ("Sessions", true), ("Clients", true), ("OK", true), ("Failed", true), ("Commands", true), ("Errors", true));
            foreach (var (user, u) in stats.Users.OrderByDescending(kv => kv.Value.Sessions).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(25))
                users.Add(TextSafety.Cut(user, 32), N(u.Sessions), N(u.Clients.Count), N(u.LoginsOk), N(u.LoginsFailed), N(u.Commands), N(u.Errors));
            users.Write(output, width);
            if (stats.Users.Count > 25) output.WriteLine($"  ... and {N(stats.Users.Count - 25)} more users (users.csv has them all)");
        }

        output.WriteLine();
        if (stats.Anomalies == 0)
        {
            output.WriteLine("Anomalies: none");
            return;
        }
        output.WriteLine("Anomalies by kind");
        var anomalies = new TextTable(("Kind", false), ("Count", true));
        foreach (var kind in Enum.GetValues<AnomalyKind>())
        {
            long n = stats.AnomaliesByKind[(int)kind];
            if (n > 0) anomalies.Add(AnomalyKinds.Name(kind), N(n));
        }
        anomalies.Write(output, width);
    }

    private static void WriteBare(TextWriter output, TextTable table)
    {
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        table.Write(sw, null);
        // Drop the (empty) header line of a key/value table.
        foreach (var line in sw.ToString().Split('\n').Skip(1))
            if (line.Length > 0) output.WriteLine(line.TrimEnd('\r'));
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
    private static string S(long n) => n == 1 ? "" : "s";
}
