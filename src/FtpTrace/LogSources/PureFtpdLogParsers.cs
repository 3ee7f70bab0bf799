using System.Globalization;
using System.Text.RegularExpressions;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// Pure-FTPd's syslog messages as written to a syslog file:
/// <c>Nov 25 16:46:20 host pure-ftpd[2736]: (?@127.0.0.1) [DEBUG] Command [user] [ftptest]</c>.
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> With <c>-d</c> every command (<c>Command [verb] [argument]</c>: the
/// verb lower-cased by Pure-FTPd, upper-cased here; PASS as <c>&lt;*&gt;</c>) but no reply codes, so the
/// commands are reported without a reply. Logins (<c>NAME is now logged in</c>, <c>Anonymous user
/// logged in</c>, <c>Authentication failed for user [NAME]</c>), transfers (<c>PATH downloaded (N
/// bytes, rate)</c> / <c>uploaded</c>: RETR/STOR, 226) and <c>Logout.</c>.</para>
/// <para><b>Sessions.</b> <c>New connection from ADDR</c> starts one. Lines belong to it by the pid
/// in the tag (<c>-1</c> / syslog <c>LOG_PID</c>: one process per session), else by the client
/// address in <c>(user@addr)</c> (sessions of one address at once are then merged). <c>Logout.</c>
/// or the end of the file ends it.</para>
/// <para><b>Time.</b> The syslog file's (see <see cref="SyslogClock"/>), local time.</para>
/// </remarks>
internal sealed partial class PureFtpdSyslogParser : LogParser
{
    private readonly Dictionary<string, LogSession> _open = new(StringComparer.Ordinal);
    private readonly SyslogClock _clock;

    public PureFtpdSyslogParser(LogSessions sessions, LogOptions options, SyslogClock clock) : base(sessions, options) => _clock = clock;

    [GeneratedRegex(@"^\S+ pure-ftpd(?:\[(?<pid>\d+)\])?: \((?<user>.*?)@(?<addr>[^)@]*)\) \[(?<level>[A-Z]+)\] (?<msg>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Body();

    [GeneratedRegex(@"^Command \[(?<verb>[^\]]*)\] \[(?<arg>.*)\]$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex CommandMessage();

    [GeneratedRegex(@"^(?<path>.*) (?<dir>downloaded|uploaded) +\((?<bytes>\d+) bytes, [^)]*\)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex TransferMessage();

    public static bool Matches(string line)
    {
        int n = SyslogClock.Prefix(line);
        if (n == 0 && LogTime.ParseIsoUtc(line, out _) is var iso and > 0) n = iso + 1;
        return n > 0 && n < line.Length && Body().IsMatch(line.AsSpan(n));
    }

    public override void Line(string line, long number)
    {
        int n = _clock.Parse(line, out long time);
        var m = n > 0 ? Body().Match(line[n..]) : Match.Empty;
        if (!m.Success)
        {
            Sessions.UnparsedLine(number, line, "not a Pure-FTPd syslog line");
            return;
        }
        string address = m.Groups["addr"].Value;
        string key = m.Groups["pid"].Success ? "pid " + m.Groups["pid"].Value : address;
        string msg = m.Groups["msg"].Value;

        if (msg.StartsWith("New connection from ", StringComparison.Ordinal))
        {
            if (_open.Remove(key, out var stale)) Sessions.End(stale, number, time);
            _open[key] = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            return;
        }
        if (!_open.TryGetValue(key, out var session))
        {
            session = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            _open[key] = session;
        }
        if (CommandMessage().Match(msg) is { Success: true } c)
        {
            Sessions.CommandOnly(session, c.Groups["verb"].Value.ToUpperInvariant(), c.Groups["arg"].Value, number, time);
        }
        else if (msg == "Logout.")
        {
            _open.Remove(key);
            Sessions.End(session, number, time);
        }
        else if (msg.EndsWith(" is now logged in", StringComparison.Ordinal))
        {
            LogSessions.Login(session, msg[..^" is now logged in".Length], succeeded: true);
        }
        else if (msg == "Anonymous user logged in")
        {
            LogSessions.Login(session, session.Session.User is { } u && u.Length > 0 ? u : "ftp", succeeded: true);
            session.Session.Anonymous = true;
        }
        else if (msg.StartsWith("Authentication failed for user [", StringComparison.Ordinal) && msg.EndsWith(']'))
        {
            LogSessions.Login(session, msg["Authentication failed for user [".Length..^1], succeeded: false);
        }
        else if (TransferMessage().Match(msg) is { Success: true } t)
        {
            bool download = t.Groups["dir"].Value == "downloaded";
            long bytes = long.Parse(t.Groups["bytes"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
            Sessions.Transfer(session, download, t.Groups["path"].Value, bytes, time, time, 226, true, number);
        }
    }
}

/// <summary>
/// Pure-FTPd's <c>-O clf:FILE</c> log: <c>::1 - ftptest [25/Nov/2026:16:46:48 -0000] "GET /path" 200 99</c>
/// (client, user, time with offset, <c>GET</c> = download / <c>PUT</c> = upload and the full path,
/// 200, bytes).
/// </summary>
/// <remarks>Transfers only (RETR/STOR with 226); sessions: none in the format, grouped per client
/// address and user as for <see cref="XferlogParser"/>. The path may contain spaces and quotes: it
/// runs to the last <c>" </c> before the status.</remarks>
internal sealed partial class PureFtpdClfParser : LogParser
{
    private readonly Dictionary<string, LogSession> _groups = new(StringComparer.Ordinal);

    public PureFtpdClfParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    [GeneratedRegex(@"^(?<host>\S+) - (?<user>.*?) \[(?<time>[^\]]+)\] ""(?<method>GET|PUT) (?<path>.*)"" (?<status>\d{3}) (?<bytes>\d+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Pattern();

    public static bool Matches(string line) => Pattern().IsMatch(line);

    public override void Line(string line, long number)
    {
        var m = Pattern().Match(line);
        if (!m.Success || !LogTime.ParseClf(m.Groups["time"].ValueSpan, out long time))
        {
            Sessions.UnparsedLine(number, line, "not a Pure-FTPd CLF line");
            return;
        }
        string host = m.Groups["host"].Value, user = m.Groups["user"].Value;
        string key = host + " " + user;
        if (!_groups.TryGetValue(key, out var session))
        {
            session = Sessions.Start(Client(host), LogSessions.UnknownServer, number, time);
            LogSessions.Login(session, user, succeeded: true);
            _groups[key] = session;
        }
        bool download = m.Groups["method"].Value == "GET";
        long bytes = long.Parse(m.Groups["bytes"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        Sessions.Transfer(session, download, m.Groups["path"].Value, bytes, time, time, 226, true, number);
    }
}

/// <summary>
/// Pure-FTPd's <c>-O stats:FILE</c> log: <c>1795625211 6b0710fb.ca5 ftptest 127.0.0.1 D 99 0 /path</c>
/// (Unix time, session id, user, client, <c>D</c>ownload/<c>U</c>pload, bytes, seconds, path).
/// </summary>
/// <remarks>Transfers only (RETR/STOR with 226). Sessions: by the session id the line carries (one
/// per connection). Time: UTC (Unix time); the start is the end minus the duration.</remarks>
internal sealed partial class PureFtpdStatsParser : LogParser
{
    private readonly Dictionary<string, LogSession> _byId = new(StringComparer.Ordinal);

    public PureFtpdStatsParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    [GeneratedRegex(@"^(?<time>\d{9,11}) (?<id>[0-9a-f]+\.[0-9a-f]+) (?<user>.*?) (?<host>\S+) (?<dir>[DU]) (?<bytes>\d+) (?<secs>\d+) (?<path>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Pattern();

    public static bool Matches(string line) => Pattern().IsMatch(line);

    public override void Line(string line, long number)
    {
        var m = Pattern().Match(line);
        if (!m.Success || !LogTime.ParseEpoch(m.Groups["time"].ValueSpan, out long end))
        {
            Sessions.UnparsedLine(number, line, "not a Pure-FTPd stats line");
            return;
        }
        long secs = long.Parse(m.Groups["secs"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        long start = end - secs * 1_000_000_000;
        string id = m.Groups["id"].Value;
        if (!_byId.TryGetValue(id, out var session))
        {
            session = Sessions.Start(Client(m.Groups["host"].Value), LogSessions.UnknownServer, number, start);
            LogSessions.Login(session, m.Groups["user"].Value, succeeded: true);
            _byId[id] = session;
        }
        bool download = m.Groups["dir"].Value == "D";
        long bytes = long.Parse(m.Groups["bytes"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        Sessions.Transfer(session, download, m.Groups["path"].Value, bytes, start, end, 226, true, number);
    }
}
