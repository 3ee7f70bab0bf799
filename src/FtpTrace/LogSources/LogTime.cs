using System.Globalization;

namespace FtpTrace.LogSources;

/// <summary>
/// Timestamp parsing shared by the log parsers. Everything is parsed by hand with invariant rules
/// (month names in English, as every supported server writes them), and converted to ns since the
/// Unix epoch, UTC. Local times are read in <see cref="LogOptions.TimeZone"/>.
/// </summary>
internal static class LogTime
{
    private static readonly string[] Months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

    /// <summary>1-12 for an English month abbreviation (any case), else 0.</summary>
    public static int Month(ReadOnlySpan<char> name)
    {
        if (name.Length < 3) return 0;
        for (int i = 0; i < Months.Length; i++)
            if (name[..3].Equals(Months[i], StringComparison.OrdinalIgnoreCase)) return i + 1;
        return 0;
    }

    /// <summary>ns since the epoch of a wall-clock time in <paramref name="zone"/>; false when the fields are out of range.</summary>
    public static bool FromLocal(int year, int month, int day, int hour, int minute, int second, long fractionNs, TimeZoneInfo zone, out long ns)
    {
        ns = 0;
        if (year is < 1970 or > 9999 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)
            || hour is < 0 or > 23 || minute is < 0 or > 59 || second is < 0 or > 60) return false;
        var local = new DateTime(year, month, day, hour, minute, Math.Min(second, 59), DateTimeKind.Unspecified);
        DateTime utc;
        if (zone == TimeZoneInfo.Utc)
        {
            utc = local;
        }
        else
        {
            // A time skipped by a DST change does not exist: read it with the offset before the change.
            if (zone.IsInvalidTime(local)) local = local.AddHours(1);
            utc = TimeZoneInfo.ConvertTimeToUtc(local, zone);
        }
        ns = (utc.Ticks - DateTime.UnixEpoch.Ticks) * 100 + fractionNs;
        return true;
    }

    /// <summary>ns since the epoch of a UTC time given with an offset in minutes east of UTC.</summary>
    public static bool FromOffset(int year, int month, int day, int hour, int minute, int second, long fractionNs, int offsetMinutes, out long ns)
    {
        if (!FromLocal(year, month, day, hour, minute, second, fractionNs, TimeZoneInfo.Utc, out ns)) return false;
        ns -= offsetMinutes * 60_000_000_000L;
        return true;
    }

    /// <summary>Parses an unsigned decimal number filling the whole span.</summary>
    public static bool Int(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// <c>Wed Nov 25 16:45:51 2026</c> (C <c>ctime</c>, day may be space-padded), local time. Returns
    /// the characters consumed (0 when it does not parse).
    /// </summary>
    public static int ParseCtime(ReadOnlySpan<char> s, TimeZoneInfo zone, out long ns)
    {
        ns = 0;
        // "Www Mmm dd hh:mm:ss yyyy" = 24 chars; the day may be " 5" (padded) or "5" (some writers).
        if (s.Length < 23 || s[3] != ' ') return 0;
        int month = Month(s[4..7]);
        if (month == 0 || s[7] != ' ') return 0;
        int p = 8;
        while (p < s.Length && s[p] == ' ') p++;
        int dayStart = p;
        while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
        if (!Int(s[dayStart..p], out int day) || p >= s.Length || s[p] != ' ') return 0;
        p++;
        if (p + 13 > s.Length) return 0;
        if (!Clock(s.Slice(p, 8), out int h, out int m, out int sec) || s[p + 8] != ' ') return 0;
        if (!Int(s.Slice(p + 9, 4), out int year)) return 0;
        if (!FromLocal(year, month, day, h, m, sec, 0, zone, out ns)) return 0;
        return p + 13;
    }

    /// <summary><c>hh:mm:ss</c>.</summary>
    public static bool Clock(ReadOnlySpan<char> s, out int h, out int m, out int sec)
    {
        h = m = sec = 0;
        return s.Length == 8 && s[2] == ':' && s[5] == ':' && Int(s[..2], out h) && Int(s[3..5], out m) && Int(s[6..8], out sec);
    }

    /// <summary><c>2026-11-25</c>.</summary>
    public static bool IsoDate(ReadOnlySpan<char> s, out int y, out int mo, out int d)
    {
        y = mo = d = 0;
        return s.Length == 10 && s[4] == '-' && s[7] == '-' && Int(s[..4], out y) && Int(s[5..7], out mo) && Int(s[8..10], out d);
    }

    /// <summary>A fraction of a second written as digits (<c>275</c> after a comma or point) in ns.</summary>
    public static bool Fraction(ReadOnlySpan<char> digits, out long ns)
    {
        ns = 0;
        if (digits.Length is 0 or > 9) return false;
        foreach (char c in digits)
        {
            if (!char.IsAsciiDigit(c)) return false;
            ns = ns * 10 + (c - '0');
        }
        for (int i = digits.Length; i < 9; i++) ns *= 10;
        return true;
    }

    /// <summary><c>2026-11-25 16:48:05,275</c> or <c>2026-11-25 16:48:05.275</c> (also with <c>T</c>), local time; fraction optional.</summary>
    public static int ParseIsoLocal(ReadOnlySpan<char> s, TimeZoneInfo zone, out long ns)
    {
        ns = 0;
        if (s.Length < 19 || !IsoDate(s[..10], out int y, out int mo, out int d) || (s[10] != ' ' && s[10] != 'T')
            || !Clock(s.Slice(11, 8), out int h, out int m, out int sec)) return 0;
        int p = 19;
        long frac = 0;
        if (p < s.Length && (s[p] == ',' || s[p] == '.'))
        {
            int start = ++p;
            while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
            if (!Fraction(s[start..p], out frac)) return 0;
        }
        return FromLocal(y, mo, d, h, m, sec, frac, zone, out ns) ? p : 0;
    }

    /// <summary><c>25/Nov/2026:16:48:05 +0000</c> (Apache/CLF, inside the brackets).</summary>
    public static bool ParseClf(ReadOnlySpan<char> s, out long ns)
    {
        ns = 0;
        if (s.Length != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[20] != ' ') return false;
        int month = Month(s[3..6]);
        if (month == 0 || !Int(s[..2], out int d) || !Int(s[7..11], out int y) || !Clock(s[12..20], out int h, out int m, out int sec)) return false;
        char sign = s[21];
        if ((sign != '+' && sign != '-') || !Int(s[22..24], out int oh) || !Int(s[24..26], out int om)) return false;
        int offset = (oh * 60 + om) * (sign == '-' ? -1 : 1);
        return FromOffset(y, month, d, h, m, sec, 0, offset, out ns);
    }

    /// <summary><c>2024-04-17T20:50:00.069Z</c> or with a <c>+hh:mm</c> offset.</summary>
    public static int ParseIsoUtc(ReadOnlySpan<char> s, out long ns)
    {
        ns = 0;
        if (s.Length < 20 || !IsoDate(s[..10], out int y, out int mo, out int d) || s[10] != 'T'
            || !Clock(s.Slice(11, 8), out int h, out int m, out int sec)) return 0;
        int p = 19;
        long frac = 0;
        if (p < s.Length && s[p] == '.')
        {
            int start = ++p;
            while (p < s.Length && char.IsAsciiDigit(s[p])) p++;
            if (!Fraction(s[start..p], out frac)) return 0;
        }
        int offset = 0;
        if (p < s.Length && s[p] == 'Z') p++;
        else if (p + 6 <= s.Length && (s[p] == '+' || s[p] == '-') && s[p + 3] == ':'
                 && Int(s.Slice(p + 1, 2), out int oh) && Int(s.Slice(p + 4, 2), out int om))
        {
            offset = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
            p += 6;
        }
        else return 0;
        return FromOffset(y, mo, d, h, m, sec, frac, offset, out ns) ? p : 0;
    }

    /// <summary>Seconds since the epoch, optionally with a fraction.</summary>
    public static bool ParseEpoch(ReadOnlySpan<char> s, out long ns)
    {
        ns = 0;
        int dot = s.IndexOf('.');
        var whole = dot < 0 ? s : s[..dot];
        if (!long.TryParse(whole, NumberStyles.None, CultureInfo.InvariantCulture, out long sec) || sec > 253402300799) return false;
        long frac = 0;
        if (dot >= 0 && !Fraction(s[(dot + 1)..], out frac)) return false;
        ns = sec * 1_000_000_000 + frac;
        return true;
    }
}
