using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FtpTrace.Bench.Generator;

/// <summary>
/// <c>ftptrace-bench-gen generate --out FILE [--size 1GiB] [--scale N] [--sessions N] [--seed N] [--ipv6 PCT] [--gap-us N]</c>
/// writes the capture and FILE.json (the exact counts);
/// <c>ftptrace-bench-gen verify CSVDIR SIDECAR...</c> checks ftptrace's CSV row counts against the sidecars' sums.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          ftptrace-bench-gen generate --out FILE [--size SIZE] [--scale N] [--sessions N] [--seed N] [--ipv6 PCT] [--gap-us US]
              SIZE: bytes, or with K/M/G suffix (binary units); default 1G. --scale multiplies the length
              (more sessions in a row, same concurrency, same transfer sizes). Writes FILE and FILE.json.
          ftptrace-bench-gen verify CSVDIR SIDECAR.json...
              Fails (exit 1) unless replies.csv, commands.csv and sessions.csv hold exactly the
              replies, commands and FTP sessions the sidecars list (summed).
        """;

    private static int Main(string[] args)
    {
        try
        {
            return args.Length > 0 && args[0] == "generate" ? Generate(args[1..])
                 : args.Length > 0 && args[0] == "verify" ? Verify(args[1..])
                 : args.Length > 0 && args[0] == "version" ? Version()
                 : Fail(Usage);
        }
        catch (FormatException e)
        {
            return Fail(e.Message + "\n" + Usage);
        }
    }

    private static int Version()
    {
        Console.WriteLine(CaptureGenerator.Version);
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    private static int Generate(string[] args)
    {
        string? output = null;
        long size = 1L << 30;
        int scale = 1;
        int sessions = 20_000;
        ulong seed = 1;
        double ipv6 = 10;
        int gapUs = 50;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--out": output = value; break;
                case "--size": size = ParseSize(value); break;
                case "--scale": scale = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--sessions": sessions = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seed": seed = ulong.Parse(value, CultureInfo.InvariantCulture); break;
                case "--ipv6": ipv6 = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--gap-us": gapUs = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new FormatException($"unknown option {args[i]}");
            }
            i++;
        }
        if (output is null) throw new FormatException("--out is required");
        if (sessions is < 1 or > 1_000_000 || scale < 1 || size < 1 << 20 || gapUs < 1) throw new FormatException("an option is out of range");

        var options = new GeneratorOptions
        {
            Output = output,
            BaseBytes = size,
            TargetBytes = size * scale,
            Sessions = sessions,
            Seed = seed,
            Ipv6Percent = ipv6,
            GapUs = gapUs,
        };
        var clock = Stopwatch.StartNew();
        var generator = new CaptureGenerator(options);
        GeneratedCounts counts = generator.Run();
        clock.Stop();
        WriteSidecar(output + ".json", options, generator.MeanTransfer, counts);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{output}: {counts.FileBytes / 1048576.0:F0} MiB, {counts.Packets} packets, {counts.FtpSessions} FTP sessions ({options.Sessions} at once), " +
            $"{counts.Commands} commands, {counts.Replies} replies, {counts.Transfers} transfers ({counts.DataBytes / 1048576.0:F0} MiB) " +
            $"in {clock.Elapsed.TotalSeconds:F1} s"));
        return 0;
    }

    private static long ParseSize(string text)
    {
        text = text.Trim().ToUpperInvariant().Replace("IB", "", StringComparison.Ordinal).TrimEnd('B');
        long unit = 1;
        if (text.EndsWith('K')) unit = 1L << 10;
        else if (text.EndsWith('M')) unit = 1L << 20;
        else if (text.EndsWith('G')) unit = 1L << 30;
        if (unit != 1) text = text[..^1];
        return (long)(double.Parse(text, CultureInfo.InvariantCulture) * unit);
    }

    private static void WriteSidecar(string path, GeneratorOptions options, int meanTransfer, GeneratedCounts c)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteNumber("generatorVersion", CaptureGenerator.Version);
        json.WriteString("file", Path.GetFileName(options.Output));
        json.WriteNumber("seed", options.Seed);
        json.WriteNumber("targetBytes", options.TargetBytes);
        json.WriteNumber("concurrentSessions", options.Sessions);
        json.WriteNumber("meanTransferBytes", meanTransfer);
        json.WriteNumber("ipv6Percent", options.Ipv6Percent);
        json.WriteNumber("meanGapUs", options.GapUs);
        json.WriteNumber("fileBytes", c.FileBytes);
        json.WriteNumber("packets", c.Packets);
        json.WriteNumber("tcpPackets", c.TcpPackets);
        json.WriteNumber("udpPackets", c.UdpPackets);
        json.WriteNumber("ipv6Packets", c.Ipv6Packets);
        json.WriteNumber("ftpSessions", c.FtpSessions);
        json.WriteNumber("ipv6Sessions", c.Ipv6Sessions);
        json.WriteNumber("peakOpenSessions", c.PeakOpenSessions);
        json.WriteNumber("commands", c.Commands);
        json.WriteNumber("replies", c.Replies);
        json.WriteNumber("multilineReplies", c.MultilineReplies);
        json.WriteNumber("failedLogins", c.FailedLogins);
        json.WriteNumber("transfers", c.Transfers);
        json.WriteNumber("dataBytes", c.DataBytes);
        json.WriteNumber("transfersRefused550", c.TransfersRefused550);
        json.WriteNumber("transfersFailed425", c.TransfersFailed425);
        json.WriteNumber("dataConnections", c.DataConnections);
        json.WriteNumber("otherTcpConnections", c.OtherTcpConnections);
        json.WriteNumber("dnsExchanges", c.DnsExchanges);
        json.WriteNumber("durationUs", c.DurationUs);
        json.WriteEndObject();
    }

    private static int Verify(string[] args)
    {
        if (args.Length < 2) throw new FormatException("verify needs CSVDIR and at least one sidecar");
        string dir = args[0];
        long commands = 0, replies = 0, sessions = 0;
        foreach (string sidecar in args[1..])
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(sidecar));
            commands += doc.RootElement.GetProperty("commands").GetInt64();
            replies += doc.RootElement.GetProperty("replies").GetInt64();
            sessions += doc.RootElement.GetProperty("ftpSessions").GetInt64();
        }
        bool ok = true;
        ok &= Check(dir, "replies.csv", replies);
        ok &= Check(dir, "commands.csv", commands);
        ok &= Check(dir, "sessions.csv", sessions);
        return ok ? 0 : 1;
    }

    private static bool Check(string dir, string name, long expected)
    {
        string path = Path.Combine(dir, name);
        long rows = File.Exists(path) ? CountCsvRecords(path) - 1 : -1;
        bool ok = rows == expected;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(ok ? "ok  " : "FAIL")} {name}: {rows} rows, generator wrote {expected}"));
        return ok;
    }

    /// <summary>Records in an RFC 4180 file (quoted fields may hold line breaks), header included.</summary>
    private static long CountCsvRecords(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        long records = 0;
        bool quoted = false, pending = false;
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            foreach (byte b in buffer.AsSpan(0, n))
            {
                if (b == (byte)'"') quoted = !quoted; // "" inside quotes toggles twice
                else if (b == (byte)'\n' && !quoted)
                {
                    records++;
                    pending = false;
                    continue;
                }
                if (b != (byte)'\r') pending = true;
            }
        }
        return records + (pending ? 1 : 0);
    }
}
