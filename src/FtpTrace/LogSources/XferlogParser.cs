using System.Globalization;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// The wu-ftpd <c>xferlog</c> (written by vsftpd with <c>xferlog_std_format=YES</c>, ProFTPD's
/// <c>TransferLog</c> and Pure-FTPd's <c>-O xferlog</c>): one line per transfer,
/// <c>Wed Nov 25 16:45:54 2026 1 ::ffff:127.0.0.1 53 /pub/readme.txt b _ o a guest@example.com ftp 0 * c</c>:
/// time the transfer ended, seconds it took, client, bytes, file name, type (<c>a</c>/<c>b</c>),
/// action flag, direction (<c>o</c> out = download, <c>i</c> in = upload, <c>d</c> delete), access
/// mode (<c>a</c>nonymous, <c>g</c>uest, <c>r</c>eal), user (the e-mail given as password for
/// anonymous users), service, authentication method, authenticated user id, and completion
/// (<c>c</c> complete, <c>i</c> incomplete).
/// </summary>
/// <remarks>
/// <para><b>What it carries.</b> Transfers only: each line is a <see cref="TransferRecord"/> (RETR or
/// STOR, 226 when complete, 426 when incomplete). No commands or replies. A file name may contain
/// spaces: the fields after it are counted from the end of the line.</para>
/// <para><b>Sessions.</b> None in the format: the transfers of one client address and user are
/// grouped into one session per file (so sessions.csv and users.csv count such groups, not
/// connections). The user is taken as logged in.</para>
/// <para><b>Time.</b> Seconds, local time (<see cref="LogOptions.TimeZone"/>); the start is the end
/// minus the transfer time.</para>
/// </remarks>
internal sealed class XferlogParser : LogParser
{
    private readonly Dictionary<string, LogSession> _groups = new(StringComparer.Ordinal);

    public XferlogParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    public static bool Matches(string line) => Parse(line, TimeZoneInfo.Utc) is not null;

    private sealed record Entry(long EndNs, long Seconds, string Host, long Bytes, string File, char Type, char Direction,
        char Access, string User, char Completion);

    private static Entry? Parse(string line, TimeZoneInfo zone)
    {
        int n = LogTime.ParseCtime(line, zone, out long end);
        if (n == 0) return null;
        var words = line[n..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // seconds host bytes FILE... type action direction access user service auth authuser completion
        if (words.Length < 13) return null;
        int k = words.Length;
        if (!long.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            || !long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out long bytes)) return null;
        string type = words[k - 9], direction = words[k - 7], access = words[k - 6], completion = words[k - 1];
        if (type is not ("a" or "b") || direction is not ("o" or "i" or "d") || access is not ("a" or "g" or "r") || completion is not ("c" or "i"))
            return null;
        // The file name is everything between the byte count and the type, spaces included.
        int fileStart = IndexOfWord(line, n, 3);
        int fileEnd = line.LastIndexOf(" " + type + " " + words[k - 8] + " " + direction + " ", StringComparison.Ordinal);
        if (fileStart < 0 || fileEnd < fileStart) return null;
        return new Entry(end, seconds, words[1], bytes, line[fileStart..fileEnd], type[0], direction[0], access[0], words[k - 5], completion[0]);
    }

    private static int IndexOfWord(string line, int from, int index)
    {
        int p = from;
        for (int w = 0; w <= index; w++)
        {
            while (p < line.Length && line[p] == ' ') p++;
            if (w == index) return p < line.Length ? p : -1;
            while (p < line.Length && line[p] != ' ') p++;
        }
        return -1;
    }

    public override void Line(string line, long number)
    {
        var e = Parse(line, Options.TimeZone);
        if (e is null)
        {
            Sessions.UnparsedLine(number, line, "not an xferlog line");
            return;
        }
        if (e.Direction == 'd') return; // a deletion, not a transfer
        string key = e.Host + " " + e.User;
        long start = e.EndNs - e.Seconds * 1_000_000_000;
        if (!_groups.TryGetValue(key, out var session))
        {
            session = Sessions.Start(Client(e.Host), LogSessions.UnknownServer, number, start);
            string user = e.Access == 'a' ? "anonymous" : e.User;
            LogSessions.Login(session, user, succeeded: true);
            _groups[key] = session;
        }
        bool complete = e.Completion == 'c';
        bool download = e.Direction == 'o';
        Sessions.Transfer(session, download, e.File, e.Bytes, start, e.EndNs, complete ? 226 : 426, complete, number, e.Type == 'a' ? "A" : "I");
    }
}
