using System.Globalization;
using FtpTrace.Annotation;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// W3C extended log files: Microsoft IIS FTP (<c>u_ex*.log</c>) and Pure-FTPd's <c>-O w3c:FILE</c>.
/// Directives (<c>#Software</c>, <c>#Version</c>, <c>#Date</c>, <c>#Fields</c>) may come again anywhere
/// in the file (IIS writes a new header block when it restarts or its settings change): each
/// <c>#Fields:</c> line sets the columns of the lines after it.
/// </summary>
/// <remarks>
/// <para><b>What it carries (IIS).</b> One line per command: <c>cs-method</c> the verb,
/// <c>cs-uri-stem</c> the argument (PASS as <c>***</c>), <c>sc-status</c> the final reply code. The
/// server writes no reply text; when <c>sc-win32-status</c> is not 0 the reply text is set to
/// <c>[sc-win32-status N: meaning]</c> (Winsock codes 10000-10999 with their meaning from the
/// reference table, other Windows error codes by number), plus <c>sc-substatus</c> when not 0.
/// <c>ControlChannelOpened</c>/<c>ControlChannelClosed</c> open and close sessions;
/// <c>DataChannelOpened</c>/<c>DataChannelClosed</c> are skipped. RETR/STOR/STOU/APPE with
/// <c>sc-bytes</c>/<c>cs-bytes</c> also give a transfer record. IIS writes a space in a value as
/// <c>+</c>: user names and paths are read back with spaces (a real <c>+</c> cannot be told apart).</para>
/// <para><b>What it carries (Pure-FTPd).</b> Transfers only: <c>[]sent</c> (download) and
/// <c>[]created</c> (upload) lines with the path, 226, user and bytes.</para>
/// <para><b>Sessions.</b> By <c>x-session</c> (IIS's per-connection GUID) when present, else by
/// <c>c-ip</c> + <c>c-port</c>, else by <c>c-ip</c> (one at a time; Pure-FTPd: per client and user,
/// as for xferlog). Server endpoint from <c>s-ip</c>/<c>s-port</c> when present.</para>
/// <para><b>Time.</b> <c>date</c> + <c>time</c> (or <c>#Date</c>'s date when there is no date
/// column) are UTC, as the W3C format specifies and IIS writes.</para>
/// </remarks>
internal sealed class W3cLogParser : LogParser
{
    private readonly Dictionary<string, LogSession> _open = new(StringComparer.Ordinal);
    private Dictionary<string, int> _fields = new(StringComparer.OrdinalIgnoreCase);
    private bool _iis;
    private string? _headerDate;

    public W3cLogParser(LogSessions sessions, LogOptions options) : base(sessions, options)
    {
    }

    public static bool Matches(string line) =>
        line.StartsWith("#Software:", StringComparison.Ordinal) || line.StartsWith("#Fields:", StringComparison.Ordinal)
        || line.StartsWith("#Version:", StringComparison.Ordinal) || line.StartsWith("#Date:", StringComparison.Ordinal);

    public override void Line(string line, long number)
    {
        if (line.StartsWith('#'))
        {
            Directive(line);
            return;
        }
        if (_fields.Count == 0)
        {
            Sessions.UnparsedLine(number, line, "W3C line before any #Fields directive");
            return;
        }
        string[] values = line.Split(' ');
        if (values.Length != _fields.Count)
        {
            Sessions.UnparsedLine(number, line, $"W3C line with {values.Length} fields where #Fields names {_fields.Count}");
            return;
        }
        string? Get(string name) => _fields.TryGetValue(name, out int i) && values[i] != "-" ? values[i] : null;

        string? date = Get("date") ?? _headerDate;
        string? clock = Get("time");
        if (date is null || clock is null || !LogTime.IsoDate(date, out int y, out int mo, out int d)
            || !LogTime.Clock(clock.Length > 8 ? clock[..8] : clock, out int h, out int mi, out int s)
            || !LogTime.FromLocal(y, mo, d, h, mi, s, clock.Length > 9 && LogTime.Fraction(clock.AsSpan(9), out long f) ? f : 0, TimeZoneInfo.Utc, out long time))
        {
            Sessions.UnparsedLine(number, line, "W3C line without a valid date and time");
            return;
        }
        string method = Get("cs-method") ?? "";
        string address = Get("c-ip") ?? "";
        int port = int.TryParse(Get("c-port"), NumberStyles.None, CultureInfo.InvariantCulture, out int cp) ? cp : 0;
        int serverPort = int.TryParse(Get("s-port"), NumberStyles.None, CultureInfo.InvariantCulture, out int sp) ? sp : 0;
        var server = Get("s-ip") is { } sip ? Client(sip, serverPort) : LogSessions.UnknownServer;
        string user = Unplus(Get("cs-username") ?? "");
        string path = Unplus(Get("cs-uri-stem") ?? "");

        if (method.Length == 0)
        {
            Sessions.UnparsedLine(number, line, "W3C line without cs-method");
            return;
        }

        bool pureSent = method is "[]sent" or "sent";
        bool pureCreated = method is "[]created" or "created";
        string key = Get("x-session") ?? (pureSent || pureCreated ? $"{address} {user}" : port != 0 ? $"{address} {port}" : address);
        if (method == "ControlChannelOpened")
        {
            if (_open.Remove(key, out var stale)) Sessions.End(stale, number, time);
            _open[key] = Sessions.Start(Client(address, port), server, number, time);
            return;
        }
        if (method is "DataChannelOpened" or "DataChannelClosed") return;
        if (!_open.TryGetValue(key, out var session))
        {
            if (method == "ControlChannelClosed") return;
            session = Sessions.Start(Client(address, port), server, number, time);
            _open[key] = session;
            if (pureSent || pureCreated) LogSessions.Login(session, user, succeeded: true);
        }
        if (method == "ControlChannelClosed")
        {
            _open.Remove(key);
            Sessions.End(session, number, time);
            return;
        }
        int? status = int.TryParse(Get("sc-status"), NumberStyles.None, CultureInfo.InvariantCulture, out int st) && st is >= 100 and <= 999 ? st : null;
        if (pureSent || pureCreated)
        {
            long bytes = long.TryParse(Get("sc-bytes") ?? Get("cs-bytes"), NumberStyles.None, CultureInfo.InvariantCulture, out long pb) ? pb : 0;
            Sessions.Transfer(session, pureSent, path, bytes, time, time, status ?? 226, (status ?? 226) is 226 or 250, number);
            return;
        }

        Sessions.Command(session, method, path, number, time);
        if (status is { } code)
        {
            Sessions.Reply(session, code, Win32Note(Get("sc-win32-status"), Get("sc-substatus")), 1, number, time, number, time);
            var direction = method.ToUpperInvariant() switch
            {
                "RETR" => TransferDirection.Download,
                "STOR" or "STOU" or "APPE" => (TransferDirection?)TransferDirection.Upload,
                _ => null,
            };
            if (direction is { } dir)
            {
                string? count = dir == TransferDirection.Download ? Get("sc-bytes") : Get("cs-bytes");
                long bytes = long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? b : 0;
                long taken = long.TryParse(Get("time-taken"), NumberStyles.None, CultureInfo.InvariantCulture, out long ms) ? ms : 0;
                Sessions.Transfer(session, method.ToUpperInvariant(), Get("x-fullpath") is { } full ? Unplus(full) : path, dir, bytes,
                    time - taken * 1_000_000, time, code, code is 226 or 250, number);
            }
        }
        else
        {
            Sessions.UnparsedLine(number, line, "W3C FTP line without a reply code in sc-status");
        }
    }

    /// <summary>The reply text for a line: the Windows status annotated when it is not 0.</summary>
    internal static string Win32Note(string? win32, string? substatus)
    {
        string note = "";
        if (long.TryParse(win32, NumberStyles.None, CultureInfo.InvariantCulture, out long w) && w != 0)
        {
            note = w is >= 10000 and <= 10999
                ? string.Create(CultureInfo.InvariantCulture, $"[sc-win32-status {w}: {ReplyCodeCatalog.Lookup((int)w).Meaning}]")
                : string.Create(CultureInfo.InvariantCulture, $"[sc-win32-status {w}: Windows error {w}]");
        }
        if (substatus is not null && substatus != "0")
            note += (note.Length > 0 ? " " : "") + $"[sc-substatus {substatus}]";
        return note;
    }

    private string Unplus(string value) => _iis ? value.Replace('+', ' ') : value;

    private void Directive(string line)
    {
        if (line.StartsWith("#Software:", StringComparison.Ordinal))
        {
            _iis = line.Contains("Microsoft", StringComparison.OrdinalIgnoreCase);
        }
        else if (line.StartsWith("#Date:", StringComparison.Ordinal))
        {
            string v = line[6..].Trim();
            _headerDate = v.Length >= 10 ? v[..10] : null;
        }
        else if (line.StartsWith("#Fields:", StringComparison.Ordinal))
        {
            var names = line[8..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var fields = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Length; i++) fields.TryAdd(names[i], i);
            _fields = fields;
            // IIS's FTP fields betray it even without #Software.
            if (fields.ContainsKey("x-session") || fields.ContainsKey("sc-win32-status")) _iis = true;
        }
    }
}
