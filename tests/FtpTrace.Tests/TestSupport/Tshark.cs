using System.Diagnostics;

namespace FtpTrace.Tests.TestSupport;

/// <summary>Runs tshark (the second oracle of the sample tests) and returns its tab-separated field rows.</summary>
internal static class Tshark
{
    /// <summary>Runs <c>tshark ARGS</c> (found by <see cref="Requires.Tshark"/>) and splits its output into rows of fields.</summary>
    public static List<string[]> Fields(IReadOnlyList<string> args)
    {
        string exe = Requires.Tshark();
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // Keep tshark's profile out of $HOME.
        psi.Environment["WIRESHARK_CONFIG_DIR"] = Path.Combine(Path.GetTempPath(), "ftptrace-tshark-profile");
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"tshark failed ({p.ExitCode}): {stderr.Result}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split('\t')).ToList();
    }
}
