using System.Runtime.InteropServices;

namespace FtpTrace.Tests.TestSupport;

/// <summary>
/// Gates for tests that need something outside .NET (native libpcap, tshark). On a machine
/// without it the test is skipped with the reason; with FTPTRACE_REQUIRE_ALL=1 (set by .ci/run,
/// which installs everything) a missing dependency fails the test instead, so CI allows no skip.
/// </summary>
internal static class Requires
{
    private static readonly Lazy<string?> LibPcapProblem = new(ProbeLibPcap);
    private static readonly Lazy<string?> TsharkPath = new(() => FindOnPath("tshark"));

    public static bool AllRequired => Environment.GetEnvironmentVariable("FTPTRACE_REQUIRE_ALL") == "1";

    /// <summary>Skips (or, under CI, fails) unless native libpcap can be loaded.</summary>
    public static void LibPcap()
    {
        if (LibPcapProblem.Value is { } problem) Missing($"needs native libpcap, which is not installed ({problem}); .ci/run installs it (apt-get install libpcap0.8)");
    }

    /// <summary>Skips (or, under CI, fails) unless tshark is on PATH; returns its path.</summary>
    public static string Tshark()
    {
        if (TsharkPath.Value is { } path) return path;
        Missing("needs tshark, which is not on PATH; .ci/run installs it (apt-get install tshark)");
        return "";
    }

    private static void Missing(string reason)
    {
        if (AllRequired) Assert.Fail($"FTPTRACE_REQUIRE_ALL=1 but this test {reason}");
        Assert.Skip($"This test {reason}.");
    }

    private static string? ProbeLibPcap()
    {
        foreach (var name in new[] { "libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.dylib", "wpcap" })
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                NativeLibrary.Free(handle);
                return null;
            }
        }
        return "no libpcap.so.1 / libpcap.so.0.8 / wpcap could be loaded";
    }

    private static string? FindOnPath(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, exe);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
