using System.Globalization;

namespace FtpTrace.Reporting;

/// <summary>How times and durations are written in every report.</summary>
public static class Formats
{
    /// <summary>ISO 8601 in UTC with microseconds, e.g. <c>2026-11-25T14:03:07.123456Z</c>; empty for 0 (unknown).</summary>
    public static string Time(long unixNs)
    {
        if (unixNs == 0) return "";
        var t = DateTime.UnixEpoch.AddTicks(FloorDiv(unixNs, 100));
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>A duration in milliseconds with microsecond precision (<c>12.345</c>); empty when null.</summary>
    public static string Milliseconds(long? ns)
    {
        if (ns is not { } v) return "";
        long us = FloorDiv(v, 1000);
        return (us / 1000m).ToString("0.000", CultureInfo.InvariantCulture);
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

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
