using System.Text.RegularExpressions;
using FtpTrace.Diagnostics;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.LogSources;

/// <summary>The server log formats FtpTrace reads.</summary>
public enum LogFormat
{
    Unknown,
    /// <summary>vsftpd's own log, with or without <c>log_ftp_protocol</c>.</summary>
    Vsftpd,
    /// <summary>wu-ftpd xferlog (vsftpd, ProFTPD, Pure-FTPd).</summary>
    Xferlog,
    /// <summary>ProFTPD ExtendedLog (stock default format or <c>--log-format</c>).</summary>
    ProftpdExtended,
    /// <summary>ProFTPD SystemLog.</summary>
    ProftpdSystem,
    /// <summary>Pure-FTPd syslog messages.</summary>
    PureFtpdSyslog,
    /// <summary>Pure-FTPd <c>-O clf</c>.</summary>
    PureFtpdClf,
    /// <summary>Pure-FTPd <c>-O stats</c>.</summary>
    PureFtpdStats,
    /// <summary>W3C extended: IIS FTP, Pure-FTPd <c>-O w3c</c>.</summary>
    W3c,
    /// <summary>FileZilla Server 0.9.</summary>
    FileZillaLegacy,
    /// <summary>FileZilla Server 1.x.</summary>
    FileZilla,
}

/// <summary>
/// Reads a server log into the session model: detects its format from its first lines (never from
/// its name), rebuilds the sessions it describes, and drives an <see cref="FtpSessionTracker"/> per
/// session with the commands and replies it records, line numbers as frames; transfers go to
/// <see cref="IFtpSessionSink.OnTransfer"/>. Each format's parser documents what it carries and how
/// sessions and times are rebuilt.
/// </summary>
public static class LogAnalyzer
{
    /// <summary>Non-empty lines looked at to recognise a format.</summary>
    private const int SniffLines = 20;

    /// <summary>How often (in lines) progress is reported.</summary>
    private const int ProgressEvery = 1 << 12;

    private static readonly Regex DefaultExtended = ProftpdExtendedLogParser.Compile(ProftpdExtendedLogParser.DefaultFormat);

    /// <summary>The format of a file that starts with <paramref name="lines"/>; <see cref="LogFormat.Unknown"/> when none fits most of them.</summary>
    public static LogFormat Detect(IReadOnlyList<string> lines, LogOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        Regex? custom = options?.ProftpdLogFormat is { } f ? ProftpdExtendedLogParser.Compile(f) : null;
        var counts = new int[Enum.GetValues<LogFormat>().Length];
        int examined = 0;
        foreach (string line in lines)
        {
            if (line.Length == 0) continue;
            if (++examined > SniffLines) break;
            if (W3cLogParser.Matches(line)) { counts[(int)LogFormat.W3c] += 2; continue; }
            if (FileZillaLogParser.Matches(line)) counts[(int)LogFormat.FileZilla]++;
            else if (FileZillaLegacyLogParser.Matches(line)) counts[(int)LogFormat.FileZillaLegacy]++;
            else if (VsftpdLogParser.Matches(line)) counts[(int)LogFormat.Vsftpd]++;
            else if (XferlogParser.Matches(line)) counts[(int)LogFormat.Xferlog]++;
            else if (ProftpdSystemLogParser.Matches(line)) counts[(int)LogFormat.ProftpdSystem]++;
            else if (PureFtpdSyslogParser.Matches(line)) counts[(int)LogFormat.PureFtpdSyslog]++;
            else if (PureFtpdStatsParser.Matches(line)) counts[(int)LogFormat.PureFtpdStats]++;
            else if (custom is not null && custom.IsMatch(line)) counts[(int)LogFormat.ProftpdExtended]++;
            else if (PureFtpdClfParser.Matches(line)) counts[(int)LogFormat.PureFtpdClf]++;
            else if (ProftpdExtendedLogParser.MatchesDefault(line, DefaultExtended)) counts[(int)LogFormat.ProftpdExtended]++;
        }
        examined = Math.Min(examined, SniffLines);
        int best = 0;
        for (int i = 1; i < counts.Length; i++)
            if (counts[i] > counts[best]) best = i;
        return counts[best] > 0 && counts[best] * 2 >= examined ? (LogFormat)best : LogFormat.Unknown;
    }

    /// <summary>True when the file (plain or gzip) starts like a supported log. Never throws.</summary>
    public static bool LooksLikeLog(string path, LogOptions? options = null)
    {
        try
        {
            using var file = LogFile.Open(path);
            return Detect(Head(file, out _), options) != LogFormat.Unknown;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static List<string> Head(LogFile file, out bool binary)
    {
        var lines = new List<string>();
        binary = false;
        int nonEmpty = 0;
        while (nonEmpty < SniffLines && file.TryReadLine(out string line))
        {
            if (line.Contains('\0', StringComparison.Ordinal))
            {
                binary = true;
                lines.Clear();
                return lines;
            }
            lines.Add(line);
            if (line.Length > 0) nonEmpty++;
        }
        return lines;
    }

    /// <summary>Analyses one log file.</summary>
    /// <param name="path">The file (plain or gzip).</param>
    /// <param name="label">The name written in the reports' <c>file</c> column (and each session's source).</param>
    /// <param name="limits">Limits for the session trackers.</param>
    /// <param name="options">How to read times, date orders and custom formats.</param>
    /// <param name="sink">Receives the sessions, commands, replies and transfers.</param>
    /// <param name="anomalies">Receives every anomaly (unparsed lines with their line numbers).</param>
    /// <param name="stats">Input figures to fill (files, bytes, log lines).</param>
    /// <param name="progress">Called now and then with the bytes of the file read so far.</param>
    /// <returns>The format read.</returns>
    /// <exception cref="CaptureFileException">The file is not a supported log, or its dates cannot be read without <c>--date-order</c>.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidDataException">Its gzip compression is damaged.</exception>
    public static LogFormat Analyze(string path, string label, FtpTraceLimits limits, LogOptions options, IFtpSessionSink sink,
        IAnomalySink anomalies, InputStats stats, Action<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stats);
        using var file = LogFile.Open(path);
        var head = Head(file, out bool binary);
        var format = binary ? LogFormat.Unknown : Detect(head, options);
        if (format == LogFormat.Unknown)
            throw new CaptureFileException(path, "not a capture or a supported server log (format not recognised from its first lines)");

        var order = options.DateOrder;
        if (format == LogFormat.FileZillaLegacy && order == DateOrder.Auto)
        {
            var found = FileZillaLegacyLogParser.OrderFromFile(AllLines(path));
            if (found is null)
                throw new CaptureFileException(path, "dates are written both day-first and month-first; give --date-order dmy|mdy");
            if (found == DateOrder.Auto)
                throw new CaptureFileException(path, "day/month order of the dates is ambiguous (no day above 12); give --date-order dmy|mdy");
            order = found.Value;
        }

        var sessions = new LogSessions(label, limits, sink, anomalies) { ReplyPieces = format == LogFormat.Vsftpd };
        DateTime? lastWrite = null;
        try
        {
            lastWrite = TimeZoneInfo.ConvertTimeFromUtc(File.GetLastWriteTimeUtc(path), options.TimeZone);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
        }
        var clock = new SyslogClock(options, lastWrite);
        LogParser parser = format switch
        {
            LogFormat.Vsftpd => new VsftpdLogParser(sessions, options),
            LogFormat.Xferlog => new XferlogParser(sessions, options),
            LogFormat.ProftpdExtended => new ProftpdExtendedLogParser(sessions, options,
                options.ProftpdLogFormat is { } custom && head.Any(l => l.Length > 0 && ProftpdExtendedLogParser.Compile(custom).IsMatch(l))
                    ? custom : ProftpdExtendedLogParser.DefaultFormat),
            LogFormat.ProftpdSystem => new ProftpdSystemLogParser(sessions, options, clock),
            LogFormat.PureFtpdSyslog => new PureFtpdSyslogParser(sessions, options, clock),
            LogFormat.PureFtpdClf => new PureFtpdClfParser(sessions, options),
            LogFormat.PureFtpdStats => new PureFtpdStatsParser(sessions, options),
            LogFormat.W3c => new W3cLogParser(sessions, options),
            LogFormat.FileZillaLegacy => new FileZillaLegacyLogParser(sessions, options, order),
            _ => new FileZillaLogParser(sessions, options),
        };

        long lines = 0;
        void Feed(string line, long number)
        {
            lines++;
            if (line.Length == 0) return;
            parser.Line(line, number);
        }
        long n = 0;
        foreach (string line in head) Feed(line, ++n);
        while (file.TryReadLine(out string line))
        {
            n = file.LineNumber;
            if (file.LastLineCut)
                sessions.Unparsed(n, 0, 0, $"line longer than {LogFile.MaxLineChars} bytes: cut there");
            Feed(line, n);
            if (progress is not null && (n & (ProgressEvery - 1)) == 0) progress(file.Position);
        }
        parser.Finish();
        progress?.Invoke(file.Position);
        stats.Files++;
        stats.LogLines += lines;
        stats.Bytes += file.Position;
        return format;
    }

    private static IEnumerable<string> AllLines(string path)
    {
        using var file = LogFile.Open(path);
        while (file.TryReadLine(out string line)) yield return line;
    }
}
