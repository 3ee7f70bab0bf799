using System.Globalization;

namespace FtpTrace.Reporting;

/// <summary>How times and durations are written in every report.</summary>
public static class Formats
{
    /// <summary>The length of a <see cref="Time"/> text.</summary>
    public const int TimeLength = 27;

    /// <summary>ISO 8601 in UTC with microseconds, e.g. <c>2026-11-25T14:03:07.123456Z</c>; empty for 0 (unknown).</summary>
    public static string Time(long unixNs)
    {
        Span<char> text = stackalloc char[TimeLength];
        int length = WriteTime(unixNs, text);
        return length == 0 ? "" : new string(text[..length]);
    }

    /// <summary>
    /// Writes <see cref="Time"/> into <paramref name="destination"/> (at least <see cref="TimeLength"/>
    /// chars) and returns how many chars it wrote: 0 for an unknown time.
    /// </summary>
    public static int WriteTime(long unixNs, Span<char> destination)
    {
        if (unixNs == 0) return 0;
        long ticks = FloorDiv(unixNs, 100);
        if (ticks < -DateTime.UnixEpoch.Ticks || ticks > DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) return 0;
        // Written digit by digit: this runs for every row of every report.
        var t = DateTime.UnixEpoch.AddTicks(ticks);
        var span = destination[..TimeLength];
        var (year, month, day) = t;
        long inDay = t.Ticks % TimeSpan.TicksPerDay;
        int seconds = (int)(inDay / TimeSpan.TicksPerSecond);
        int micros = (int)(inDay % TimeSpan.TicksPerSecond / 10);
        Digits(span[..4], year);
        span[4] = '-';
        Digits(span.Slice(5, 2), month);
        span[7] = '-';
        Digits(span.Slice(8, 2), day);
        span[10] = 'T';
        Digits(span.Slice(11, 2), seconds / 3600);
        span[13] = ':';
        Digits(span.Slice(14, 2), seconds / 60 % 60);
        span[16] = ':';
        Digits(span.Slice(17, 2), seconds % 60);
        span[19] = '.';
        Digits(span.Slice(20, 6), micros);
        span[26] = 'Z';
        return TimeLength;
    }

    private static void Digits(Span<char> destination, int value)
    {
        for (int i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (char)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>The most chars a <see cref="Milliseconds"/> text takes.</summary>
    public const int MillisecondsMaxLength = 24;

    /// <summary>A duration in milliseconds with microsecond precision (<c>12.345</c>); empty when null.</summary>
    public static string Milliseconds(long? ns)
    {
        if (ns is not { } v) return "";
        Span<char> text = stackalloc char[MillisecondsMaxLength];
        return new string(text[..WriteMilliseconds(v, text)]);
    }

    /// <summary>
    /// Writes <see cref="Milliseconds"/> into <paramref name="destination"/> (at least
    /// <see cref="MillisecondsMaxLength"/> chars) and returns how many chars it wrote.
    /// </summary>
    public static int WriteMilliseconds(long ns, Span<char> destination)
    {
        long us = FloorDiv(ns, 1000);
        bool negative = us < 0;
        ulong magnitude = negative ? (ulong)-us : (ulong)us;
        ulong whole = magnitude / 1000;
        int fraction = (int)(magnitude % 1000);
        Span<char> buffer = stackalloc char[MillisecondsMaxLength];
        int at = buffer.Length;
        for (int i = 0; i < 3; i++, fraction /= 10) buffer[--at] = (char)('0' + fraction % 10);
        buffer[--at] = '.';
        do { buffer[--at] = (char)('0' + (int)(whole % 10)); whole /= 10; } while (whole > 0);
        if (negative) buffer[--at] = '-';
        buffer[at..].CopyTo(destination);
        return buffer.Length - at;
    }

    /// <summary>A byte count for people: <c>1.5 MB</c>.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.Length - 1) { v /= 1000; u++; }
        return u == 0 ? $"{bytes} B" : v.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[u];
    }

    // Rounds toward minus infinity, without negating (long.MinValue has no positive twin).
    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : (a + 1) / b - 1;
}
