using System.Globalization;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// vsftpd's own log (<c>vsftpd_log_file</c>, <c>xferlog_std_format=NO</c>):
/// <c>Wed Nov 25 16:45:51 2026 [pid 2092] [user] MESSAGE</c>.
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> With <c>log_ftp_protocol=YES</c> a full transcript:
/// <c>FTP command: Client "addr", "VERB arg"</c> (PASS shown as <c>&lt;password&gt;</c>, Telnet and
/// other unprintable bytes as <c>?</c>, so leading <c>?</c>s are dropped from a command) and
/// <c>FTP response: Client "addr", "text"</c>, one line per piece vsftpd wrote: CR LF inside a piece
/// is shown as <c>??</c>, so pieces are joined into lines and lines into multi-line replies
/// (<see cref="ReplyAssembler"/>). Always: <c>CONNECT</c>, <c>OK LOGIN</c>/<c>FAIL LOGIN</c> (logins,
/// also without the transcript) and <c>OK|FAIL DOWNLOAD|UPLOAD: Client "addr", "path", N bytes, rate</c>
/// (transfers: RETR/STOR with 226 when OK, no reply when FAIL). Other OK/FAIL lines (MKDIR, DELETE,
/// RENAME ...) repeat what the transcript says and are not used.</para>
/// <para><b>Sessions.</b> <c>CONNECT</c> starts one (id: its order in the file). vsftpd changes pid at
/// login (privilege separation: the privileged parent, usually pid-1, logs OK/FAIL LOGIN, and a new
/// process, usually pid+1, serves the logged-in user), so a line with a pid not seen yet joins an
/// open session of the same client address: an OK/FAIL LOGIN the session waiting for a login
/// verdict (PASS sent, or nothing sent without the transcript) whose pids are nearest; another line
/// the oldest session whose OK LOGIN has not yet been followed by its new process; else the session
/// whose pids are nearest (the oldest on a tie). With none, it starts a session. A session ends with a 221 or 421 reply, or at the end of the file.
/// Sessions of one client address running at once can be mixed up when their pids interleave.
/// The client port and the server are not logged (port 0, server 0.0.0.0:0).</para>
/// <para><b>Time.</b> Seconds, in local time unless <c>use_localtime=NO</c> (UTC): read in
/// <see cref="LogOptions.TimeZone"/>.</para>
/// </remarks>
internal sealed class VsftpdLogParser : LogParser
{
    private readonly Dictionary<long, LogSession> _byPid = [];

    public VsftpdLogParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    /// <summary>True when the line has vsftpd's shape.</summary>
    public static bool Matches(string line) =>
        LogTime.ParseCtime(line, TimeZoneInfo.Utc, out _) is var n and > 0 && line.AsSpan(n).StartsWith(" [pid ", StringComparison.Ordinal);

    public override void Line(string line, long number)
    {
        int n = LogTime.ParseCtime(line, Options.TimeZone, out long time);
        var rest = line.AsSpan(n);
        if (n == 0 || !rest.StartsWith(" [pid ", StringComparison.Ordinal))
        {
            Sessions.UnparsedLine(number, line, "not a vsftpd log line");
            return;
        }
        rest = rest[6..];
        int close = rest.IndexOf(']');
        if (close < 0 || !long.TryParse(rest[..close], NumberStyles.None, CultureInfo.InvariantCulture, out long pid))
        {
            Sessions.UnparsedLine(number, line, "vsftpd line without a pid");
            return;
        }
        rest = rest[(close + 1)..].TrimStart(' ');
        string? user = null;
        if (rest.StartsWith("[", StringComparison.Ordinal))
        {
            // The user name is shown as given; "] " after it ends it (a name may hold brackets).
            int end = rest.IndexOf("] ", StringComparison.Ordinal);
            if (end < 0)
            {
                Sessions.UnparsedLine(number, line, "vsftpd user field not closed");
                return;
            }
            user = rest[1..end].ToString();
            rest = rest[(end + 2)..];
        }
        int colon = rest.IndexOf(": Client \"", StringComparison.Ordinal);
        if (colon < 0)
        {
            Sessions.UnparsedLine(number, line, "vsftpd message without a client");
            return;
        }
        string what = rest[..colon].ToString();
        var afterClient = rest[(colon + 10)..];
        int q = afterClient.IndexOf('"');
        if (q < 0)
        {
            Sessions.UnparsedLine(number, line, "vsftpd client address not closed");
            return;
        }
        string address = afterClient[..q].ToString();
        var tail = afterClient[(q + 1)..];

        if (what == "CONNECT")
        {
            if (_byPid.TryGetValue(pid, out var old)) EndSession(old, number, time);
            var s = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            s.Key = address;
            AddPid(s, pid);
            return;
        }

        var session = Find(pid, address, number, time, verdict: what is "OK LOGIN" or "FAIL LOGIN");
        switch (what)
        {
            case "FTP command":
            case "FTP response":
            {
                if (!tail.StartsWith(", \"", StringComparison.Ordinal) || !tail.EndsWith("\"", StringComparison.Ordinal) || tail.Length < 4)
                {
                    Sessions.UnparsedLine(number, line, "vsftpd protocol line without a quoted text");
                    return;
                }
                string text = tail[3..^1].ToString();
                if (what == "FTP command")
                {
                    // Telnet IAC sequences and other unprintable bytes are logged as '?'.
                    var (verb, arg) = SplitCommand(text.TrimStart('?'));
                    Sessions.Command(session, verb, arg, number, time);
                    if (verb.Equals("PASS", StringComparison.OrdinalIgnoreCase)) session.AwaitingLogin = true;
                }
                else
                {
                    Sessions.ReplyLine(session, text, number, time);
                    if (!session.Replies.InProgress && ReplyAssembler.TryCode(text, out int code, out char sep) && sep != '-' && code is 221 or 421)
                        EndSession(session, number, time);
                }
                return;
            }
            case "OK LOGIN":
                session.AwaitingLogin = false;
                session.Handoff = true;
                // With the transcript the 230/530 replies decide (the tracker); without it this line does.
                if (session.Session.Commands == 0) LogSessions.Login(session, user, succeeded: true);
                return;
            case "FAIL LOGIN":
                session.AwaitingLogin = false;
                if (session.Session.Commands == 0) LogSessions.Login(session, user, succeeded: false);
                return;
            case "OK DOWNLOAD":
            case "FAIL DOWNLOAD":
            case "OK UPLOAD":
            case "FAIL UPLOAD":
                Transfer(session, what, tail, number, time, line);
                return;
            default:
                return; // OK MKDIR, OK DELETE, ...: the transcript (when on) says it; nothing to add.
        }
    }

    private void Transfer(LogSession session, string what, ReadOnlySpan<char> tail, long number, long time, string line)
    {
        // , "path", 99 bytes, 33.19Kbyte/sec   (the path may contain quotes and commas)
        int bytesAt = tail.LastIndexOf("\", ", StringComparison.Ordinal);
        if (!tail.StartsWith(", \"", StringComparison.Ordinal) || bytesAt < 3)
        {
            Sessions.UnparsedLine(number, line, "vsftpd transfer line without a path");
            return;
        }
        string path = tail[3..bytesAt].ToString();
        var figures = tail[(bytesAt + 3)..];
        int sp = figures.IndexOf(' ');
        long bytes = sp > 0 && long.TryParse(figures[..sp], NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? b : 0;
        bool ok = what.StartsWith("OK", StringComparison.Ordinal);
        bool download = what.EndsWith("DOWNLOAD", StringComparison.Ordinal);
        Sessions.Transfer(session, download, path, bytes, time, time, ok ? 226 : null, ok, number);
    }

    private LogSession Find(long pid, string address, long number, long time, bool verdict)
    {
        if (_byPid.TryGetValue(pid, out var known)) return known;
        LogSession? best = null;
        if (verdict) best = Nearest(pid, address, s => s.AwaitingLogin || (s.Session.Commands == 0 && s.Session.Login != LoginOutcome.Succeeded));
        if (best is null && !verdict)
        {
            foreach (var s in Sessions.Open)
            {
                if (s.Key == address && s.Handoff)
                {
                    s.Handoff = false;
                    best = s;
                    break;
                }
            }
        }
        best ??= Nearest(pid, address, _ => true);
        if (best is null)
        {
            // The log started after the connection: a session without its CONNECT.
            best = Sessions.Start(Client(address), LogSessions.UnknownServer, number, time);
            best.Key = address;
        }
        AddPid(best, pid);
        return best;
    }

    private LogSession? Nearest(long pid, string address, Func<LogSession, bool> eligible)
    {
        LogSession? best = null;
        long bestDistance = long.MaxValue;
        foreach (var s in Sessions.Open)
        {
            if (s.Key != address || !eligible(s)) continue;
            foreach (long p in s.Pids)
            {
                long d = Math.Abs(p - pid);
                if (d < bestDistance)
                {
                    bestDistance = d;
                    best = s;
                }
            }
        }
        return best;
    }

    private void AddPid(LogSession s, long pid)
    {
        s.Pids.Add(pid);
        _byPid[pid] = s;
    }

    private void EndSession(LogSession s, long number, long time)
    {
        foreach (long p in s.Pids) _byPid.Remove(p);
        Sessions.End(s, number, time);
    }
}
