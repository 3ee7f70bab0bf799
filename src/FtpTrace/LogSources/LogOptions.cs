namespace FtpTrace.LogSources;

/// <summary>How to read day and month in a numeric date whose order the format does not fix.</summary>
public enum DateOrder
{
    /// <summary>Not given: taken from the file (a day above 12 settles it), else the file is refused.</summary>
    Auto,
    /// <summary>Day, month, year (25.11.2026, 25/11/2026).</summary>
    DayMonthYear,
    /// <summary>Month, day, year (11/25/2026).</summary>
    MonthDayYear,
}

/// <summary>How server logs are read. Immutable; built once from the command line.</summary>
public sealed record LogOptions
{
    public static readonly LogOptions Default = new();

    /// <summary>The zone of timestamps that a format writes in local time without an offset (default UTC).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Day/month order for formats that write locale-dependent numeric dates (FileZilla Server 0.9).</summary>
    public DateOrder DateOrder { get; init; } = DateOrder.Auto;

    /// <summary>
    /// A ProFTPD <c>LogFormat</c> string (as in proftpd.conf, without the name) for ExtendedLog files
    /// written with a custom format; null to recognise only the stock <c>default</c> format
    /// (<c>%h %l %u %t "%r" %s %b</c>).
    /// </summary>
    public string? ProftpdLogFormat { get; init; }

    /// <summary>The year of syslog timestamps, which carry none; null: the year of the file's last change (earlier for months after it).</summary>
    public int? SyslogYear { get; init; }
}
