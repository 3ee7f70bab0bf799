using System.CommandLine;
using System.Diagnostics;
using FtpTrace.Analysis;
using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.LogSources;
using FtpTrace.Reporting;
using FtpTrace.Reporting.Console;
using FtpTrace.Reporting.Csv;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Cli;

/// <summary><c>ftptrace analyze INPUT... [--csv DIR] [--port N]... [--show-passwords]</c></summary>
internal static class AnalyzeCommand
{
    private static readonly Argument<string[]> Inputs = new("INPUT")
    {
        Arity = ArgumentArity.OneOrMore,
        Description = "Capture files (.pcap, .pcapng) and FTP server logs (vsftpd, xferlog, ProFTPD, Pure-FTPd, FileZilla Server, IIS), also gzip-compressed; directories (searched recursively for both, by content); or - for a capture on standard input.",
    };

    private static readonly Option<string?> Csv = new("--csv")
    {
        Description = "Write the CSV reports (replies, commands, sessions, transfers, codes, anomalies, commands-summary, users) into this directory.",
        HelpName = "DIR",
    };

    private static readonly Option<int[]> Ports = new("--port", "-p")
    {
        Description = "Also treat connections to this server port as FTP control connections (21 always is). Repeatable.",
        HelpName = "N",
        Arity = ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> ShowPasswords = new("--show-passwords")
    {
        Description = "Show PASS arguments as sent instead of masking them.",
    };

    private static readonly Option<bool> NoDetect = new("--no-detect")
    {
        Description = "Do not look for FTP on other ports by its behaviour (greeting, then commands); only port 21 and --port.",
    };

    private static readonly Option<CaptureReaderKind> Reader = new("--reader")
    {
        Description = "Capture reader: auto (the faster one), managed (built in) or libpcap (through SharpPcap; needs libpcap installed).",
        DefaultValueFactory = _ => CaptureReaderKind.Auto,
    };

    private static readonly Option<int> MaxLine = new("--max-line-length")
    {
        Description = "Longest FTP control line kept, in bytes; longer lines are truncated and reported.",
        DefaultValueFactory = _ => FtpTraceLimits.Default.MaxLineLength,
        HelpName = "BYTES",
    };

    private static readonly Option<bool> NoProgress = new("--no-progress")
    {
        Description = "Never show the progress line (it is shown only when standard error is a terminal).",
    };

    private static readonly Option<int?> Jobs = new("--jobs", "-j")
    {
        Description = "How many inputs to analyse at once (default: one per processor core). Reports are the same whatever the number.",
        HelpName = "N",
    };

    private static readonly Option<string> TimeZoneOption = new("--timezone")
    {
        Description = "Time zone of log timestamps written in local time without an offset (IANA id such as Europe/Berlin, or UTC). Default UTC.",
        DefaultValueFactory = _ => "UTC",
        HelpName = "ZONE",
    };

    private static readonly Option<string?> DateOrderOption = new("--date-order")
    {
        Description = "Day/month order of numeric log dates (FileZilla Server 0.9): dmy or mdy. Default: read from the file; a file that does not settle it is refused.",
        HelpName = "dmy|mdy",
    };

    private static readonly Option<string?> LogFormatOption = new("--log-format")
    {
        Description = "The ProFTPD LogFormat string of ExtendedLog files written with a custom format, e.g. \"%{iso8601} %P %a %u \\\"%r\\\" %s\". The stock default format is always recognised.",
        HelpName = "FORMAT",
    };

    private static readonly Option<int?> LogYearOption = new("--log-year")
    {
        Description = "Year of syslog timestamps (which carry none). Default: the year of the file's last change.",
        HelpName = "YEAR",
    };

    public static Command Create()
    {
        var command = new Command("analyze", "Analyse captures: every FTP command and reply, annotated, paired and timed; a summary on the terminal and, with --csv, CSV reports.")
        {
            Inputs, Csv, Ports, ShowPasswords, NoDetect, Reader, MaxLine, Jobs, NoProgress,
            TimeZoneOption, DateOrderOption, LogFormatOption, LogYearOption,
        };
        TimeZoneOption.Validators.Add(r =>
        {
            if (FindZone(r.GetValueOrDefault<string>() ?? "UTC") is null) r.AddError($"--timezone {r.GetValueOrDefault<string>()}: unknown time zone (use an IANA id such as Europe/Berlin, or UTC).");
        });
        DateOrderOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && v is not ("dmy" or "mdy")) r.AddError("--date-order must be dmy or mdy.");
        });
        LogYearOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1970 or > 9999) r.AddError("--log-year must be between 1970 and 9999.");
        });
        Ports.Validators.Add(r =>
        {
            foreach (var p in r.GetValueOrDefault<int[]>() ?? [])
                if (p is < 1 or > 65535) r.AddError($"--port {p}: a port is a number from 1 to 65535.");
        });
        Jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1 or > 256) r.AddError("--jobs must be between 1 and 256.");
        });
        MaxLine.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 64 or > 1 << 20) r.AddError("--max-line-length must be between 64 and 1048576.");
        });
        command.SetAction(parse => Run(
            parse.GetValue(Inputs) ?? [],
            parse.GetValue(Csv),
            parse.GetValue(Ports) ?? [],
            parse.GetValue(ShowPasswords),
            parse.GetValue(NoDetect),
            parse.GetValue(Reader),
            parse.GetValue(MaxLine),
            parse.GetValue(Jobs),
            parse.GetValue(NoProgress),
            new LogOptions
            {
                TimeZone = FindZone(parse.GetValue(TimeZoneOption) ?? "UTC") ?? TimeZoneInfo.Utc,
                DateOrder = parse.GetValue(DateOrderOption) switch { "dmy" => DateOrder.DayMonthYear, "mdy" => DateOrder.MonthDayYear, _ => DateOrder.Auto },
                ProftpdLogFormat = parse.GetValue(LogFormatOption),
                SyslogYear = parse.GetValue(LogYearOption),
            }));
        return command;
    }

    private static int Run(string[] inputs, string? csvDir, int[] ports, bool showPasswords, bool noDetect,
        CaptureReaderKind readerKind, int maxLine, int? parallelism, bool noProgress, LogOptions logs)
    {
        var clock = Stopwatch.StartNew();
        var ftpPorts = new HashSet<ushort> { 21 };
        foreach (var p in ports) ftpPorts.Add((ushort)p);
        var options = new AnalysisOptions
        {
            FtpPorts = ftpPorts,
            DetectFtpOnOtherPorts = !noDetect,
            Reader = readerKind,
            Limits = FtpTraceLimits.Default with { MaxLineLength = maxLine },
            Logs = logs,
        };

        var (files, errors, skipped) = InputDiscovery.Expand(inputs, logs);
        foreach (var e in errors) Console.Error.WriteLine($"ftptrace: {TextSafety.ForTerminal(e.Path)}: {TextSafety.ForTerminal(e.Reason)}");
        if (files.Count == 0 && errors.Count == 0)
            Console.Error.WriteLine("ftptrace: no capture or log files found in the given directories");
        if (skipped > 0)
            Console.Error.WriteLine($"ftptrace: {skipped} file{(skipped == 1 ? "" : "s")} in the given directories skipped (neither a capture nor a supported log)");

        CsvReportWriter? csv = null;
        try
        {
            if (csvDir is not null) csv = new CsvReportWriter(csvDir, new CsvOptions { ShowPasswords = showPasswords });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"ftptrace: {TextSafety.ForTerminal(csvDir)}: cannot write the CSV reports: {TextSafety.ForTerminal(e.Message)}");
            return ExitCodes.Usage;
        }

        long totalBytes = files.Sum(f => f.Path == "-" ? 0 : SafeLength(f.Path));
        bool showProgress = !noProgress && !Console.IsErrorRedirected;
        BatchResult result;
        using (csv)
        {
            using (var progress = new ProgressReporter(Console.Error, showProgress, files.Count, totalBytes))
            {
                result = BatchAnalyzer.Run(files, options, csv, parallelism ?? Environment.ProcessorCount,
                    (file, reason) =>
                    {
                        progress.Clear();
                        Console.Error.WriteLine($"ftptrace: {TextSafety.ForTerminal(file.Label)}: {TextSafety.ForTerminal(reason)}");
                    },
                    progress.Advance, progress.FileDone);
            }
            result.Statistics.Inputs.FilesFailed += errors.Count;
            csv?.Complete(result.Statistics);
        }
        var total = result.Statistics;
        int failed = result.Failed + errors.Count;

        int? width = Console.IsOutputRedirected ? null : SafeWidth();
        SummaryWriter.Write(Console.Out, total, clock.Elapsed, width);
        if (total.Inputs.LogLines > 0)
            Console.Out.WriteLine($"\nLog times without a zone were read as {TextSafety.ForTerminal(logs.TimeZone.Id)} (--timezone).");
        if (csvDir is not null) Console.Out.WriteLine($"\nCSV reports written to {TextSafety.ForTerminal(csvDir)}");
        return failed > 0 ? ExitCodes.InputFailed : ExitCodes.Ok;
    }

    private static TimeZoneInfo? FindZone(string id)
    {
        if (id.Equals("UTC", StringComparison.OrdinalIgnoreCase) || id == "Z") return TimeZoneInfo.Utc;
        try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException) { return null; }
    }

    private static long SafeLength(string path)
    {
        try { return new FileInfo(path).Length; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return 0; }
    }

    private static int? SafeWidth()
    {
        try { return Console.WindowWidth > 20 ? Console.WindowWidth : null; }
        catch (IOException) { return null; }
    }
}

/// <summary>What the exit code says.</summary>
internal static class ExitCodes
{
    /// <summary>Every input analysed (anomalies do not fail a run).</summary>
    public const int Ok = 0;
    /// <summary>Some input could not be read; the others were analysed.</summary>
    public const int InputFailed = 1;
    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;
}
