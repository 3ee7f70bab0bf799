using System.Globalization;
using System.Text;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Protocol;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>
/// One session rebuilt from a log: its <see cref="FtpSession"/>, the tracker that pairs its
/// commands and replies, and what the parser keeps about it.
/// </summary>
internal sealed class LogSession
{
    public LogSession(FtpSession session, FtpSessionTracker tracker, bool replyPieces)
    {
        Session = session;
        Tracker = tracker;
        Replies = new ReplyAssembler(replyPieces);
    }

    public FtpSession Session { get; }
    public FtpSessionTracker Tracker { get; }
    public ReplyAssembler Replies { get; }

    /// <summary>Line and time of the last line that belonged to the session.</summary>
    public long LastLine { get; set; }
    public long LastTimeNs { get; set; }

    /// <summary>Frame of the 234 to AUTH TLS/SSL, kept aside while the log goes on in clear (see <see cref="LogSessions"/>).</summary>
    public long? EncryptedFrom { get; set; }

    /// <summary>Format-specific keys (pids, user) the parser attached.</summary>
    public HashSet<long> Pids { get; } = [];

    /// <summary>vsftpd: PASS sent, the privileged parent's OK/FAIL LOGIN not seen yet.</summary>
    public bool AwaitingLogin { get; set; }

    /// <summary>vsftpd: OK LOGIN seen, the process serving the logged-in user not seen yet.</summary>
    public bool Handoff { get; set; }
    public string? Key { get; set; }
}

/// <summary>
/// The sessions of one log file: creates them (numbered from 1 in order of their first line),
/// feeds their trackers with commands and replies in log order (the line number is the frame),
/// emits transfers, and ends them. Formats without replies hand their commands to
/// <see cref="CommandOnly"/>, which reports them completed without a reply (the log does not say
/// what the server answered) instead of leaving them pending.
/// </summary>
/// <remarks>
/// A log written by the server records commands in clear after <c>AUTH TLS</c>, unlike a capture:
/// the tracker stops at an accepted AUTH, so the 234's frame is set aside and given back to the
/// session (sessions.csv <c>encrypted</c>) when it ends, and the commands after it are still paired.
/// </remarks>
internal sealed class LogSessions
{
    private readonly string _label;
    private readonly FtpTraceLimits _limits;
    private readonly IFtpSessionSink _sink;
    private readonly IAnomalySink _anomalies;
    private readonly List<LogSession> _open = [];
    private long _next;

    public LogSessions(string label, FtpTraceLimits limits, IFtpSessionSink sink, IAnomalySink anomalies)
    {
        _label = label;
        _limits = limits;
        _sink = sink;
        _anomalies = anomalies;
    }

    /// <summary>Reply lines are logged in pieces as written (vsftpd): see <see cref="ReplyAssembler"/>.</summary>
    public bool ReplyPieces { get; init; }

    /// <summary>The sessions not yet ended, oldest first.</summary>
    public IReadOnlyList<LogSession> Open => _open;

    /// <summary>Server endpoint used when the log does not name the server.</summary>
    public static readonly Endpoint UnknownServer = new(IpAddress.FromV4(0), 0);

    public LogSession Start(Endpoint client, Endpoint server, long line, long timeNs)
    {
        var session = new FtpSession(_label, ++_next, client, server, timeNs);
        var tracker = new FtpSessionTracker(session, _limits, _sink, _anomalies);
        var s = new LogSession(session, tracker, ReplyPieces) { LastLine = line, LastTimeNs = timeNs };
        tracker.Start();
        _open.Add(s);
        return s;
    }

    public void Command(LogSession s, string verb, string argument, long line, long timeNs)
    {
        FlushReply(s);
        s.Tracker.OnCommand(new FtpCommand(verb, argument, line, timeNs));
        Touch(s, line, timeNs);
    }

    /// <summary>A command whose reply the format does not record: counted and completed without a reply.</summary>
    public void CommandOnly(LogSession s, string verb, string argument, long line, long timeNs)
    {
        var command = new FtpCommand(verb, argument, line, timeNs);
        var session = s.Session;
        session.Commands++;
        if (timeNs > session.EndNs) session.EndNs = timeNs;
        if (command.NormalizedVerb == "USER")
        {
            session.User = argument;
            string name = argument.Trim();
            session.Anonymous = name.Equals("anonymous", StringComparison.OrdinalIgnoreCase) || name.Equals("ftp", StringComparison.OrdinalIgnoreCase);
            session.Login = LoginOutcome.Pending;
        }
        _sink.OnCommandCompleted(new CommandRecord(session, command, null, 0, null));
        Touch(s, line, timeNs);
    }

    /// <summary>The server's verdict on a login, from a format that records it but not the reply.</summary>
    public static void Login(LogSession s, string? user, bool succeeded)
    {
        var session = s.Session;
        if (user is not null)
        {
            session.User = user;
            if (user.Equals("anonymous", StringComparison.OrdinalIgnoreCase) || user.Equals("ftp", StringComparison.OrdinalIgnoreCase))
                session.Anonymous = true;
        }
        if (succeeded)
        {
            if (session.Login == LoginOutcome.Succeeded) return;
            session.Login = LoginOutcome.Succeeded;
            session.LoginsSucceeded++;
        }
        else
        {
            session.Login = LoginOutcome.Failed;
            session.LoginsFailed++;
        }
    }

    /// <summary>A whole reply (one line, or a block already assembled).</summary>
    public void Reply(LogSession s, int code, string text, int lineCount, long line, long timeNs, long endLine, long endTimeNs)
    {
        s.Tracker.OnReply(new FtpReply(code, text, lineCount, line, timeNs, endLine, endTimeNs));
        if (s.Session.EncryptedFromFrame is { } from)
        {
            // The log goes on in clear: keep pairing (see remarks).
            s.EncryptedFrom ??= from;
            s.Session.EncryptedFromFrame = null;
        }
        Touch(s, endLine, endTimeNs);
    }

    /// <summary>One reply line as the server wrote it (<c>NNN-text</c>, continuation, <c>NNN text</c>); completes replies through the assembler.</summary>
    public void ReplyLine(LogSession s, string text, long line, long timeNs)
    {
        if (s.Replies.Add(text, line, timeNs) is { } done) EmitAssembled(s, done);
        else Touch(s, line, timeNs);
    }

    /// <summary>Emits a reply left unfinished (a command or the end came before its last line).</summary>
    public void FlushReply(LogSession s)
    {
        if (s.Replies.Flush() is { } partial)
        {
            Unparsed(partial.Line, partial.TimeNs, s.Session.Id, $"reply {partial.Code} not finished before the next command or the end of the session");
            EmitAssembled(s, partial);
        }
    }

    private void EmitAssembled(LogSession s, ReplyAssembler.Assembled r) =>
        Reply(s, r.Code, r.Text, r.LineCount, r.Line, r.TimeNs, r.EndLine, r.EndTimeNs);

    /// <summary>A download (RETR) or upload (STOR), the only transfers most log formats can tell apart.</summary>
    public void Transfer(LogSession s, bool download, string path, long bytes, long startNs, long endNs,
        int? replyCode, bool complete, long line, string transferType = "") =>
        Transfer(s, download ? "RETR" : "STOR", path, download ? TransferDirection.Download : TransferDirection.Upload,
            bytes, startNs, endNs, replyCode, complete, line, transferType);

    public void Transfer(LogSession s, string verb, string path, TransferDirection direction, long bytes, long startNs, long endNs,
        int? replyCode, bool complete, long line, string transferType = "", long restartOffset = 0)
    {
        var command = new FtpCommand(verb, path, line, startNs);
        FtpReply? reply = replyCode is { } code ? new FtpReply(code, "", 1, line, endNs, line, endNs) : null;
        _sink.OnTransfer(new TransferRecord(s.Session, command, path, direction, bytes, startNs, endNs, reply, complete,
            null, null, "", restartOffset, null, false, transferType));
        Touch(s, line, endNs);
    }

    public void End(LogSession s, long line, long timeNs)
    {
        if (s.Session.Ended) return;
        FlushReply(s);
        if (s.EncryptedFrom is { } from) s.Session.EncryptedFromFrame = from;
        s.Tracker.End(line, Math.Max(timeNs, s.LastTimeNs));
        _open.Remove(s);
    }

    /// <summary>Ends every open session (end of the file), oldest first.</summary>
    public void EndAll()
    {
        foreach (var s in _open.ToArray()) End(s, s.LastLine, s.LastTimeNs);
    }

    public void Unparsed(long line, long timeNs, long sessionId, string detail) =>
        _anomalies.Report(new Anomaly(AnomalyKind.UnparsedLogLine, line, timeNs, sessionId, detail));

    /// <summary>Reports a line that does not parse, with its start escaped.</summary>
    public void UnparsedLine(long line, string text, string why) =>
        Unparsed(line, 0, 0, $"{why}: {Escape(text, 80)}");

    private static void Touch(LogSession s, long line, long timeNs)
    {
        s.LastLine = line;
        if (timeNs > s.LastTimeNs) s.LastTimeNs = timeNs;
    }

    /// <summary>Untrusted text for an anomaly detail: control and non-ASCII characters as <c>\xNN</c>/<c>\uNNNN</c>, cut at <paramref name="max"/> characters.</summary>
    public static string Escape(string text, int max)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        foreach (char c in text)
        {
            if (sb.Length >= max)
            {
                sb.Append("...");
                break;
            }
            if (c < 0x20 || c == 0x7F) sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else if (c > 0x7E && !char.IsLetterOrDigit(c)) sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Rebuilds replies from reply lines logged one by one: <c>NNN text</c> alone is a reply;
/// <c>NNN-text</c> opens a multi-line reply closed by a line starting <c>NNN </c> with the same code.
/// vsftpd logs each piece it writes, with CR LF shown as <c>??</c>: a piece ending in <c>??</c>
/// ends a line, other pieces inside a multi-line reply are joined to the next.
/// </summary>
internal sealed class ReplyAssembler
{
    private readonly bool _pieces;
    private readonly List<string> _lines = [];
    private readonly StringBuilder _partial = new();
    private int _code;
    private long _line;
    private long _time;
    private long _endLine;
    private long _endTime;

    public ReplyAssembler(bool pieces) => _pieces = pieces;

    internal sealed record Assembled(int Code, string Text, int LineCount, long Line, long TimeNs, long EndLine, long EndTimeNs);

    public bool InProgress => _code != 0 || _partial.Length > 0;

    /// <summary>Adds a piece; returns the reply when this piece completes one.</summary>
    public Assembled? Add(string piece, long line, long timeNs)
    {
        if (_code == 0 && _partial.Length == 0)
        {
            _line = line;
            _time = timeNs;
        }
        _endLine = line;
        _endTime = timeNs;
        bool marked = _pieces && piece.EndsWith("??", StringComparison.Ordinal);
        bool lineEnds = marked || !_pieces;
        _partial.Append(marked ? piece.AsSpan(0, piece.Length - 2) : piece);
        string current = _partial.ToString();

        if (_code == 0)
        {
            if (!TryCode(current, out int code, out char sep))
            {
                if (lineEnds) _partial.Clear(); // not a reply line: dropped (the caller reports it)
                return null;
            }
            _partial.Clear();
            if (sep == '-')
            {
                _code = code;
                _lines.Add(current);
                return null;
            }
            return new Assembled(code, Strip(current, code), 1, _line, _time, line, timeNs);
        }

        // Inside a multi-line reply.
        if (TryCode(current, out int c, out char s) && c == _code && s != '-')
        {
            _lines.Add(current);
            return Take();
        }
        if (lineEnds || !_pieces)
        {
            _lines.Add(current);
            _partial.Clear();
        }
        return null;
    }

    /// <summary>The unfinished reply, if any, as it stands.</summary>
    public Assembled? Flush()
    {
        if (_partial.Length > 0)
        {
            if (_code != 0) _lines.Add(_partial.ToString());
            _partial.Clear();
        }
        return _code == 0 ? null : Take();
    }

    private Assembled Take()
    {
        int code = _code;
        var text = new StringBuilder();
        for (int i = 0; i < _lines.Count; i++)
        {
            if (i > 0) text.Append('\n');
            text.Append(Strip(_lines[i], code));
        }
        var r = new Assembled(code, text.ToString(), _lines.Count, _line, _time, _endLine, _endTime);
        _lines.Clear();
        _partial.Clear();
        _code = 0;
        return r;
    }

    internal static bool TryCode(string line, out int code, out char separator)
    {
        code = 0;
        separator = '\0';
        if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])) return false;
        if (line.Length > 3 && line[3] != ' ' && line[3] != '-') return false;
        code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        separator = line.Length > 3 ? line[3] : ' ';
        return code >= 100;
    }

    private static string Strip(string line, int code)
    {
        if (line.Length >= 4 && (line[3] == ' ' || line[3] == '-') && TryCode(line[..3], out int c, out _) && c == code) return line[4..];
        if (line.Length == 3 && TryCode(line, out int c3, out _) && c3 == code) return "";
        return line;
    }
}
