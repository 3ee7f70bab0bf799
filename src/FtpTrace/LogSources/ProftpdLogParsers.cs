using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// ProFTPD <c>ExtendedLog</c> files, in the stock <c>default</c> format (<c>%h %l %u %t "%r" %s %b</c>)
/// or in a custom <c>LogFormat</c> given with <see cref="LogOptions.ProftpdLogFormat"/>. The format is
/// compiled into a pattern: each variable becomes a field (<c>%h %a %P %s %b %R %T %{remote-port}
/// %{protocol}</c> ... one word; <c>%u %r %m %J %f %S</c> ... any text, matched lazily so the literal
/// text of the format that follows ends them).
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> One line per command (with <c>ALL</c>) after its reply: the request
/// <c>%r</c> (or <c>%m</c> + <c>%J</c>; PASS shown as <c>(hidden)</c>), the final reply code <c>%s</c>,
/// and, when the format has it, the last line of the reply text <c>%S</c>. No greeting, no 1xx.
/// ProFTPD also logs its internal sub-commands (<c>OPTS_UTF8</c>, <c>SITE_CHMOD</c> ...: a verb with
/// <c>_</c>) with the reply code, and then the client's command with <c>-</c> as code: the sub-command
/// line is not a command, its code goes to the command after it. A command logged with <c>-</c> and
/// no such code is reported without a reply.
/// A transfer command (RETR, STOR, STOU, APPE) with <c>%b</c> also gives a transfer record.</para>
/// <para><b>Sessions.</b> By the pid (<c>%P</c>: ProFTPD serves each session in one process), else by
/// the client address and port (<c>%a</c>/<c>%h</c> + <c>%{remote-port}</c>), else by the client
/// address alone: one session per address at a time, ended by QUIT, so sessions of one address that
/// overlap in time are merged; keyed by address alone, a USER after a PASS answered 530 starts a new
/// session (clients that give up after a failed login drop the connection without QUIT). A session ends with QUIT (or 421), or at the end of the file.</para>
/// <para><b>Time.</b> <c>%t</c> carries its offset; <c>%{iso8601}</c> (milliseconds) is local time
/// (<see cref="LogOptions.TimeZone"/>); <c>%{epoch}</c> is UTC.</para>
/// </remarks>
internal sealed class ProftpdExtendedLogParser : LogParser
{
    /// <summary>The stock <c>default</c> LogFormat.</summary>
    public const string DefaultFormat = "%h %l %u %t \"%r\" %s %b";

    private readonly Regex _pattern;
    private readonly Dictionary<string, LogSession> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Verb, int Code)> _subCommandCode = new(StringComparer.Ordinal);

    public ProftpdExtendedLogParser(LogSessions sessions, LogOptions options, string format) : base(sessions, options)
    {
        _pattern = Compile(format);
    }

    /// <summary>Compiles a LogFormat string into an anchored pattern with one named group per variable.</summary>
    public static Regex Compile(string format)
    {
        var sb = new StringBuilder("^");
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                sb.Append(Regex.Escape(c.ToString()));
                continue;
            }
            string name;
            if (format[i + 1] == '{')
            {
                int end = format.IndexOf('}', i + 2);
                if (end < 0)
                {
                    sb.Append(Regex.Escape(format[i..]));
                    break;
                }
                name = format[(i + 2)..end];
                i = end;
            }
            else
            {
                name = format[i + 1].ToString();
                i++;
                if (name == "%")
                {
                    sb.Append('%');
                    continue;
                }
            }
            string group = GroupName(name);
            string pattern = name switch
            {
                "t" => @"\[[^\]]*\]",
                "iso8601" => @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}",
                "epoch" => @"\d+",
                "h" or "a" or "P" or "s" or "b" or "R" or "T" or "l" or "p" or "L" or "I" or "O" or "remote-port" or "protocol" or "A" => @"\S*",
                _ => ".*?",
            };
            if (group.Length == 0 || !used.Add(group)) sb.Append("(?:").Append(pattern).Append(')');
            else sb.Append("(?<").Append(group).Append('>').Append(pattern).Append(')');
        }
        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, TimeSpan.FromSeconds(1));
    }

    private static string GroupName(string variable) => variable switch
    {
        "h" => "host",
        "a" => "addr",
        "P" => "pid",
        "u" => "user",
        "U" => "origuser",
        "t" => "clf",
        "iso8601" => "iso",
        "epoch" => "epoch",
        "r" => "request",
        "m" => "verb",
        "J" => "arg",
        "s" => "code",
        "S" => "text",
        "b" => "bytes",
        "remote-port" => "port",
        "f" => "file",
        _ => "",
    };

    /// <summary>True when <paramref name="line"/> matches the default format (with an FTP code, not an HTTP-like GET/PUT line).</summary>
    public static bool MatchesDefault(string line, Regex defaultPattern)
    {
        var m = defaultPattern.Match(line);
        if (!m.Success) return false;
        string request = m.Groups["request"].Value;
        return !(request.StartsWith("GET ", StringComparison.Ordinal) || request.StartsWith("PUT ", StringComparison.Ordinal));
    }

    public override void Line(string line, long number)
    {
        Match m;
        try
        {
            m = _pattern.Match(line);
        }
        catch (RegexMatchTimeoutException)
        {
            Sessions.UnparsedLine(number, line, "ProFTPD ExtendedLog line too complex for the format");
            return;
        }
        if (!m.Success)
        {
            Sessions.UnparsedLine(number, line, "does not match the ProFTPD LogFormat");
            return;
        }
        long time = 0;
        bool timed = false;
        if (m.Groups["clf"].Success) timed = LogTime.ParseClf(m.Groups["clf"].ValueSpan[1..^1], out time);
        else if (m.Groups["iso"].Success) timed = LogTime.ParseIsoLocal(m.Groups["iso"].ValueSpan, Options.TimeZone, out time) > 0;
        else if (m.Groups["epoch"].Success) timed = LogTime.ParseEpoch(m.Groups["epoch"].ValueSpan, out time);
        else timed = true;
        if (!timed)
        {
            Sessions.UnparsedLine(number, line, "ProFTPD ExtendedLog time does not parse");
            return;
        }

        string verb, arg;
        if (m.Groups["request"].Success) (verb, arg) = SplitCommand(m.Groups["request"].Value);
        else if (m.Groups["verb"].Success) (verb, arg) = (m.Groups["verb"].Value, m.Groups["arg"].Success ? m.Groups["arg"].Value : "");
        else
        {
            Sessions.UnparsedLine(number, line, "ProFTPD LogFormat without %r or %m");
            return;
        }
        if (arg == "-" && !m.Groups["request"].Success) arg = "";

        string address = m.Groups["addr"].Success ? m.Groups["addr"].Value : m.Groups["host"].Success ? m.Groups["host"].Value : "";
        int port = m.Groups["port"].Success && int.TryParse(m.Groups["port"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int p) ? p : 0;
        string key = m.Groups["pid"].Success ? "pid " + m.Groups["pid"].Value
            : port != 0 ? $"{address} {port}" : address;
        bool byAddressOnly = !m.Groups["pid"].Success && port == 0;
        if (byAddressOnly && _open.TryGetValue(key, out var previous) && previous.Session.Login == LoginOutcome.Failed
            && verb.Equals("USER", StringComparison.OrdinalIgnoreCase))
        {
            Sessions.End(previous, previous.LastLine, previous.LastTimeNs);
            _open.Remove(key);
        }
        if (!_open.TryGetValue(key, out var session) || session.Session.Ended)
        {
            session = Sessions.Start(Client(address, port), LogSessions.UnknownServer, number, time);
            _open[key] = session;
        }

        bool hasCode = m.Groups["code"].Success && int.TryParse(m.Groups["code"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int logged) && logged is >= 100 and <= 999;
        int code = hasCode ? int.Parse(m.Groups["code"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : 0;
        int underscore = verb.IndexOf('_', StringComparison.Ordinal);
        if (underscore > 0)
        {
            // ProFTPD's internal sub-command (OPTS_UTF8): its code answers the client's command logged next.
            if (hasCode) _subCommandCode[key] = (verb[..underscore].ToUpperInvariant(), code);
            return;
        }
        if (_subCommandCode.Remove(key, out var sub) && !hasCode && sub.Verb.Equals(verb, StringComparison.OrdinalIgnoreCase))
        {
            hasCode = true;
            code = sub.Code;
        }
        if (!hasCode)
        {
            Sessions.CommandOnly(session, verb, arg, number, time);
        }
        else
        {
            Sessions.Command(session, verb, arg, number, time);
            string text = m.Groups["text"].Success ? m.Groups["text"].Value : "";
            Sessions.Reply(session, code, text == "-" ? "" : text, 1, number, time, number, time);
            if (m.Groups["bytes"].Success && TransferOf(verb) is { } direction)
            {
                long bytes = long.TryParse(m.Groups["bytes"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? b : 0;
                string path = m.Groups["file"].Success && m.Groups["file"].Value != "-" ? m.Groups["file"].Value : arg;
                Sessions.Transfer(session, verb.ToUpperInvariant(), path, direction, bytes, time, time, code, code is 226 or 250, number);
            }
        }
        string upper = verb.ToUpperInvariant();
        if (upper == "QUIT")
        {
            Sessions.End(session, number, time);
            _open.Remove(key);
        }
    }

    private static TransferDirection? TransferOf(string verb) => verb.ToUpperInvariant() switch
    {
        "RETR" => TransferDirection.Download,
        "STOR" or "STOU" or "APPE" => TransferDirection.Upload,
        _ => null,
    };
}

/// <summary>
/// ProFTPD's <c>SystemLog</c> (and its syslog lines):
/// <c>2026-11-25 16:48:05,527 host proftpd[4319] 127.0.0.1 (127.0.0.1[127.0.0.1]): message</c>.
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> Sessions and logins only: <c>FTP session opened.</c> /
/// <c>FTP session closed.</c>, <c>USER name: Login successful.</c>, <c>ANON name: Login successful.</c>,
/// <c>USER name (Login failed): reason</c>; other messages (warnings, startup) are skipped. No
/// commands or replies.</para>
/// <para><b>Sessions.</b> By the pid in <c>proftpd[pid]</c> (one process per session); the client
/// address is the one in brackets. Without an open session a login line starts one.</para>
/// <para><b>Time.</b> Milliseconds, local time (<see cref="LogOptions.TimeZone"/>). A syslog-file line
/// (<c>Nov 25 16:48:05 host proftpd[pid]: ...</c>) is read the same way, its year as for syslog.</para>
/// </remarks>
internal sealed partial class ProftpdSystemLogParser : LogParser
{
    private readonly Dictionary<long, LogSession> _byPid = [];
    private readonly SyslogClock _clock;

    public ProftpdSystemLogParser(LogSessions sessions, LogOptions options, SyslogClock clock) : base(sessions, options) => _clock = clock;

    [GeneratedRegex(@"^(?<host>\S+) proftpd\[(?<pid>\d+)\] (?<server>\S+?)(?: \((?<client>[^()]*)\))?: (?<msg>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Body();

    /// <summary>True for a SystemLog line (ISO time) or a syslog line from proftpd.</summary>
    public static bool Matches(string line) =>
        (LogTime.ParseIsoLocal(line, TimeZoneInfo.Utc, out _) is var n and > 0 && n < line.Length && Body().IsMatch(line.AsSpan(n + 1)))
        || (SyslogClock.Prefix(line) is > 0 and var k && Body().IsMatch(line.AsSpan(k)));

    public override void Line(string line, long number)
    {
        int n = LogTime.ParseIsoLocal(line, Options.TimeZone, out long time);
        if (n == 0 && (n = _clock.Parse(line, out time)) == 0)
        {
            Sessions.UnparsedLine(number, line, "not a ProFTPD SystemLog line");
            return;
        }
        if (n < line.Length && line[n] == ' ') n++;
        var m = Body().Match(line[n..]);
        if (!m.Success)
        {
            Sessions.UnparsedLine(number, line, "not a ProFTPD SystemLog line");
            return;
        }
        long pid = long.Parse(m.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        string msg = m.Groups["msg"].Value;
        if (!m.Groups["client"].Success) return; // daemon messages (startup, shutdown)
        string client = m.Groups["client"].Value;
        int lb = client.LastIndexOf('[');
        string address = lb >= 0 && client.EndsWith(']') ? client[(lb + 1)..^1] : client;

        if (msg == "FTP session opened.")
        {
            if (_byPid.Remove(pid, out var stale)) Sessions.End(stale, number, time);
            _byPid[pid] = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            return;
        }
        if (!_byPid.TryGetValue(pid, out var session))
        {
            if (msg == "FTP session closed.") return;
            session = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            _byPid[pid] = session;
        }
        if (msg == "FTP session closed.")
        {
            _byPid.Remove(pid);
            Sessions.End(session, number, time);
            return;
        }
        if (msg.StartsWith("USER ", StringComparison.Ordinal) || msg.StartsWith("ANON ", StringComparison.Ordinal))
        {
            // USER name: Login successful. | USER name (Login failed): reason | ANON name: Login successful.
            string rest = msg[5..];
            int failed = rest.IndexOf(" (Login failed)", StringComparison.Ordinal);
            int ok = rest.IndexOf(": Login successful.", StringComparison.Ordinal);
            if (failed >= 0) LogSessions.Login(session, rest[..failed], succeeded: false);
            else if (ok >= 0) LogSessions.Login(session, rest[..ok], succeeded: true);
            session.LastLine = number;
        }
    }
}
