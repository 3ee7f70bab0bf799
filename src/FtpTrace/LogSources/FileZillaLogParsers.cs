using System.Globalization;
using System.Text.RegularExpressions;

namespace FtpTrace.LogSources;

/// <summary>
/// FileZilla Server 0.9 (legacy) log files:
/// <c>(000175) 25.11.2026 16:45:51 - (not logged in) (127.0.0.1)&gt; USER ftptest</c>.
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> A full transcript: after <c>&gt; </c> either a reply line (three digits
/// then space or hyphen: multi-line replies are one line per log line and are reassembled), a status
/// (<c>Connected on port N, sending welcome message...</c>, <c>disconnected.</c>, other messages ending in
/// <c>...</c>) or a command as the client sent it (PASS as sent, or as <c>****</c> when the server
/// hides it). The user field is <c>(not logged in)</c> before login, the user name after it; the
/// client address (IPv4 or IPv6) is in parentheses.</para>
/// <para><b>Sessions.</b> By the six-digit connection number in front. A session ends with
/// <c>disconnected.</c>, or at the end of the file.</para>
/// <para><b>Time.</b> Written by Windows in the server's locale, local time: the date is numeric
/// (<c>25.11.2026</c>, <c>11/25/2026</c>, <c>2026-11-25</c>), the time 24-hour or 12-hour with AM/PM.
/// A year-first date is unambiguous; otherwise the day/month order is <see cref="LogOptions.DateOrder"/>,
/// or, when not given, read from the file (a first number above 12 means day first, a second number
/// above 12 month first); a file that settles neither way, or both, is refused with a message that
/// names <c>--date-order</c>.</para>
/// </remarks>
internal sealed partial class FileZillaLegacyLogParser : LogParser
{
    private readonly Dictionary<long, LogSession> _byId = [];
    private readonly DateOrder _order;

    public FileZillaLegacyLogParser(LogSessions sessions, LogOptions options, DateOrder resolved) : base(sessions, options) => _order = resolved;

    [GeneratedRegex(@"^\((?<id>\d{1,9})\) ?(?<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}) (?<time>\d{1,2}:\d\d:\d\d)(?: ?(?<ampm>[AaPp][Mm]))? - (?<user>.*?) \((?<ip>[0-9A-Fa-f:.%]+)\)> ?(?<msg>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Pattern();

    public static bool Matches(string line) => Pattern().IsMatch(line);

    /// <summary>The day/month order the file's dates show; <see cref="DateOrder.Auto"/> when they do not settle it; null when they contradict each other.</summary>
    public static DateOrder? OrderFromFile(IEnumerable<string> lines)
    {
        bool dayFirst = false, monthFirst = false, yearFirst = false;
        foreach (string line in lines)
        {
            var m = Pattern().Match(line);
            if (!m.Success) continue;
            var parts = m.Groups["date"].Value.Split('.', '/', '-');
            if (parts[0].Length == 4)
            {
                yearFirst = true;
                continue;
            }
            if (int.Parse(parts[0], CultureInfo.InvariantCulture) > 12) dayFirst = true;
            if (int.Parse(parts[1], CultureInfo.InvariantCulture) > 12) monthFirst = true;
        }
        if (dayFirst && monthFirst) return null;
        if (dayFirst) return DateOrder.DayMonthYear;
        if (monthFirst) return DateOrder.MonthDayYear;
        return yearFirst ? DateOrder.DayMonthYear : DateOrder.Auto;
    }

    public override void Line(string line, long number)
    {
        var m = Pattern().Match(line);
        if (!m.Success || !Time(m, out long time))
        {
            Sessions.UnparsedLine(number, line, "not a FileZilla Server 0.9 log line");
            return;
        }
        long id = long.Parse(m.Groups["id"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        string msg = m.Groups["msg"].Value;
        if (!_byId.TryGetValue(id, out var session))
        {
            session = Sessions.Start(Client(m.Groups["ip"].Value), LogSessions.UnknownServer, number, time);
            _byId[id] = session;
        }
        if (ReplyAssembler.TryCode(msg, out _, out _) || session.Replies.InProgress)
        {
            Sessions.ReplyLine(session, msg, number, time);
        }
        else if (msg.StartsWith("disconnected", StringComparison.OrdinalIgnoreCase))
        {
            _byId.Remove(id);
            Sessions.End(session, number, time);
        }
        else if (msg.StartsWith("Connected", StringComparison.Ordinal) || msg.EndsWith("...", StringComparison.Ordinal))
        {
            // a status line
        }
        else
        {
            var (verb, arg) = SplitCommand(msg);
            Sessions.Command(session, verb, arg, number, time);
        }
    }

    private bool Time(Match m, out long ns)
    {
        ns = 0;
        var parts = m.Groups["date"].Value.Split('.', '/', '-');
        int a = int.Parse(parts[0], CultureInfo.InvariantCulture), b = int.Parse(parts[1], CultureInfo.InvariantCulture), c = int.Parse(parts[2], CultureInfo.InvariantCulture);
        int year, month, day;
        if (parts[0].Length == 4) (year, month, day) = (a, b, c);
        else if (_order == DateOrder.MonthDayYear) (year, month, day) = (c, a, b);
        else (year, month, day) = (c, b, a);
        if (year < 100) year += 2000;
        var clock = m.Groups["time"].Value.Split(':');
        int h = int.Parse(clock[0], CultureInfo.InvariantCulture);
        if (m.Groups["ampm"].Success && h <= 12)
        {
            bool pm = char.ToUpperInvariant(m.Groups["ampm"].Value[0]) == 'P';
            if (h == 12) h = pm ? 12 : 0;
            else if (pm) h += 12;
        }
        return LogTime.FromLocal(year, month, day, h, int.Parse(clock[1], CultureInfo.InvariantCulture), int.Parse(clock[2], CultureInfo.InvariantCulture), 0, Options.TimeZone, out ns);
    }
}

/// <summary>
/// FileZilla Server 1.x log files:
/// <c>2024-04-17T20:50:00.069Z &gt;&gt; [FTP Session 3636 1.2.3.4] PASS ****</c>.
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> After the time (ISO 8601 UTC with ms, optionally in angle brackets)
/// a two-character type: <c>&gt;&gt;</c> a command from the client, <c>&lt;&lt;</c> a reply line to it
/// (multi-line replies one line per log line, reassembled), anything else (<c>==</c> status,
/// <c>!!</c> error, <c>WW</c> warning, <c>D*</c> debug) a message, skipped. Then the module in
/// brackets: <c>[FTP Session N ADDR]</c> for session lines.</para>
/// <para><b>Sessions.</b> By the session number N; the client address is ADDR (IPv4 or IPv6), port
/// unknown. A 221 or 421 reply, or the end of the file, ends a session.</para>
/// <para><b>Time.</b> UTC (the <c>Z</c> or offset is honoured).</para>
/// </remarks>
internal sealed partial class FileZillaLogParser : LogParser
{
    private readonly Dictionary<long, LogSession> _byId = [];

    public FileZillaLogParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    [GeneratedRegex(@"^<?(?<time>\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d))>? (?<type>\S{2}) \[(?<module>[^\]]*)\] ?(?<msg>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^FTP Session (?<id>\d+) (?<addr>\S+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex SessionModule();

    public static bool Matches(string line) => Pattern().IsMatch(line);

    public override void Line(string line, long number)
    {
        var m = Pattern().Match(line);
        if (!m.Success || LogTime.ParseIsoUtc(m.Groups["time"].Value, out long time) == 0)
        {
            Sessions.UnparsedLine(number, line, "not a FileZilla Server log line");
            return;
        }
        string type = m.Groups["type"].Value;
        if (type is not (">>" or "<<")) return;
        var module = SessionModule().Match(m.Groups["module"].Value);
        if (!module.Success)
        {
            Sessions.UnparsedLine(number, line, "FileZilla Server command or reply outside an FTP session");
            return;
        }
        long id = long.Parse(module.Groups["id"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);
        if (!_byId.TryGetValue(id, out var session))
        {
            session = Sessions.Start(Client(module.Groups["addr"].Value), LogSessions.UnknownServer, number, time);
            _byId[id] = session;
        }
        string msg = m.Groups["msg"].Value;
        if (type == ">>")
        {
            var (verb, arg) = SplitCommand(msg);
            Sessions.Command(session, verb, arg, number, time);
            return;
        }
        Sessions.ReplyLine(session, msg, number, time);
        if (!session.Replies.InProgress && ReplyAssembler.TryCode(msg, out int code, out char sep) && sep != '-' && code is 221 or 421)
        {
            _byId.Remove(id);
            Sessions.End(session, number, time);
        }
    }
}
