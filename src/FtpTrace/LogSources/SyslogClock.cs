namespace FtpTrace.LogSources;

/// <summary>
/// Reads the timestamp of a syslog file line: the classic <c>Nov 25 16:46:20 host ...</c> (local
/// time, no year) or an RFC 3339 one (<c>2026-11-25T16:46:20.123456+00:00 host ...</c>). The classic
/// form has no year: it is <see cref="LogOptions.SyslogYear"/> when given, else the year of the
/// file's last change (the year before for a first line whose month comes after that change), and
/// it moves on by one when the month goes back (December to January).
/// </summary>
internal sealed class SyslogClock
{
    private readonly TimeZoneInfo _zone;
    private readonly DateTime? _lastWrite;
    private int _year;
    private int _lastMonth;

    public SyslogClock(LogOptions options, DateTime? lastWriteLocal)
    {
        _zone = options.TimeZone;
        _lastWrite = lastWriteLocal;
        _year = options.SyslogYear ?? 0;
    }

    /// <summary>The length of the timestamp and the space after it (classic form), or 0.</summary>
    public static int Prefix(ReadOnlySpan<char> line)
    {
        if (line.Length < 16 || LogTime.Month(line[..3]) == 0 || line[3] != ' ' || line[15] != ' ') return 0;
        var day = line.Slice(4, 2).TrimStart(' ');
        if (!LogTime.Int(day, out _) || !LogTime.Clock(line.Slice(7, 8), out _, out _, out _)) return 0;
        return 16;
    }

    /// <summary>Parses the timestamp; returns where the host name starts (0 when it does not parse).</summary>
    public int Parse(string line, out long ns)
    {
        ns = 0;
        int iso = LogTime.ParseIsoUtc(line, out ns);
        if (iso > 0) return iso < line.Length && line[iso] == ' ' ? iso + 1 : 0;
        if (Prefix(line) == 0) return 0;
        int month = LogTime.Month(line.AsSpan(0, 3));
        LogTime.Int(line.AsSpan(4, 2).TrimStart(' '), out int day);
        LogTime.Clock(line.AsSpan(7, 8), out int h, out int m, out int s);
        if (_year == 0)
        {
            var reference = _lastWrite ?? DateTime.UtcNow;
            _year = month > reference.Month ? reference.Year - 1 : reference.Year;
        }
        else if (_lastMonth != 0 && month < _lastMonth && _lastMonth - month > 6)
        {
            _year++;
        }
        _lastMonth = month;
        return LogTime.FromLocal(_year, month, day, h, m, s, 0, _zone, out ns) ? 16 : 0;
    }
}
