using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using FtpTrace.Annotation;
using FtpTrace.Diagnostics;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Reporting.Csv;

/// <summary>What the CSV reports show of untrusted input.</summary>
public sealed record CsvOptions
{
    /// <summary>Write PASS arguments as sent instead of masked.</summary>
    public bool ShowPasswords { get; init; }
}

/// <summary>
/// Writes the CSV reports into one folder (RFC 4180, UTF-8 without BOM, invariant culture, a
/// header row). Row files (replies, commands, sessions, anomalies) are streamed as the analysis
/// produces them; roll-ups (codes, commands-summary, users) are written from the run's statistics
/// at <see cref="Complete"/>.
/// </summary>
public sealed class CsvReportWriter : IDisposable
{
    public const string Mask = "********";

    private static readonly CsvConfiguration Config = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        // Quote every field that needs it and nothing else (RFC 4180).
        ShouldQuote = args => NeedsQuotes(args.Field),
    };

    private readonly string _directory;
    private readonly CsvOptions _options;
    private readonly CsvWriter _replies;
    private readonly CsvWriter _commands;
    private readonly CsvWriter _sessions;
    private readonly CsvWriter _anomalies;
    private bool _disposed;

    public CsvReportWriter(string directory, CsvOptions options)
    {
        _directory = directory;
        _options = options;
        Directory.CreateDirectory(directory);
        _replies = Open<ReplyRow, ReplyRowMap>("replies.csv");
        _commands = Open<CommandRow, CommandRowMap>("commands.csv");
        _sessions = Open<SessionRow, SessionRowMap>("sessions.csv");
        _anomalies = Open<AnomalyRow, AnomalyRowMap>("anomalies.csv");
    }

    /// <summary>Names of the files this writer produces.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["replies.csv", "commands.csv", "sessions.csv", "codes.csv", "anomalies.csv", "commands-summary.csv", "users.csv"];

    /// <summary>A sink for one input's sessions and anomalies; <paramref name="label"/> fills the <c>file</c> column.</summary>
    public CsvInputSink ForInput(string label) => new(this, label);

    internal void Write(ReplyRow row) => WriteRow(_replies, row);
    internal void Write(CommandRow row) => WriteRow(_commands, row);
    internal void Write(SessionRow row) => WriteRow(_sessions, row);
    internal void Write(AnomalyRow row) => WriteRow(_anomalies, row);

    internal string Argument(string verbUpper, string argument) =>
        !_options.ShowPasswords && verbUpper == "PASS" && argument.Length > 0 ? Mask : argument;

    /// <summary>Writes the roll-up files and flushes everything.</summary>
    public void Complete(RunStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        WriteAll<CodeRow, CodeRowMap>("codes.csv", stats.ReplyCodes.Select(kv =>
        {
            var info = ReplyCodeCatalog.Lookup(kv.Key);
            return new CodeRow(kv.Key, info.Meaning, kv.Value, info.Source.ToString().ToLowerInvariant());
        }));
        WriteAll<CommandSummaryRow, CommandSummaryRowMap>("commands-summary.csv", stats.CommandsByVerb
            .OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new CommandSummaryRow(TextSafety.ForCsv(kv.Key), kv.Value.Count,
                kv.Value.RepliesByClass[1], kv.Value.RepliesByClass[2], kv.Value.RepliesByClass[3],
                kv.Value.RepliesByClass[4], kv.Value.RepliesByClass[5],
                Formats.Milliseconds(kv.Value.Latency.Percentile(50)), Formats.Milliseconds(kv.Value.Latency.Percentile(90)),
                Formats.Milliseconds(kv.Value.Latency.Percentile(99)),
                kv.Value.Latency.Count == 0 ? "" : Formats.Milliseconds(kv.Value.Latency.Max), kv.Value.WithoutReply)));
        WriteAll<UserRow, UserRowMap>("users.csv", stats.Users
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new UserRow(TextSafety.ForCsv(kv.Key), kv.Value.Clients.Count, kv.Value.Sessions,
                kv.Value.LoginsOk, kv.Value.LoginsFailed, kv.Value.Commands, kv.Value.Errors)));
        foreach (var w in new[] { _replies, _commands, _sessions, _anomalies }) w.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in new[] { _replies, _commands, _sessions, _anomalies }) w.Dispose();
    }

    private CsvWriter Open<TRow, TMap>(string name) where TMap : ClassMap<TRow>
    {
        var stream = new StreamWriter(Path.Combine(_directory, name), append: false, Config.Encoding, bufferSize: 1 << 16);
        var csv = new CsvWriter(stream, Config);
        csv.Context.RegisterClassMap<TMap>();
        csv.WriteHeader<TRow>();
        csv.NextRecord();
        return csv;
    }

    private void WriteAll<TRow, TMap>(string name, IEnumerable<TRow> rows) where TMap : ClassMap<TRow>
    {
        using var csv = Open<TRow, TMap>(name);
        foreach (var row in rows) WriteRow(csv, row);
    }

    private static void WriteRow<TRow>(CsvWriter csv, TRow row)
    {
        csv.WriteRecord(row);
        csv.NextRecord();
    }

    private static bool NeedsQuotes(string? field) =>
        field is not null && field.AsSpan().IndexOfAny(",\"\r\n") >= 0;
}

/// <summary>Turns one input's session events and anomalies into CSV rows.</summary>
public sealed class CsvInputSink : IFtpSessionSink, IAnomalySink
{
    private readonly CsvReportWriter _writer;
    private readonly string _label;
    private readonly HashSet<long> _sessions = [];

    internal CsvInputSink(CsvReportWriter writer, string label)
    {
        _writer = writer;
        _label = TextSafety.ForCsv(label);
    }

    public void OnSessionStarted(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions.Add(session.Id);
    }

    public void OnReply(ReplyRecord reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var r = reply;
        var s = r.Session;
        _writer.Write(new ReplyRow(_label, s.Id, r.Reply.Frame, Formats.Time(r.Reply.TimeNs), s.Client.ToString(), s.Server.ToString(),
            r.Reply.Code, r.Meaning.Meaning, TextSafety.ForCsv(r.Reply.Text),
            TextSafety.ForCsv(r.Command?.Verb), TextSafety.ForCsv(r.Command is { } c ? _writer.Argument(c.NormalizedVerb, c.Argument) : ""),
            Formats.Milliseconds(r.LatencyNs), Role(r.Role), r.Command?.Frame.ToString(CultureInfo.InvariantCulture) ?? "", Bool(r.UnexpectedForCommand), r.Reply.LineCount, r.Reply.EndFrame));
    }

    public void OnCommandCompleted(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var c = command;
        var s = c.Session;
        _writer.Write(new CommandRow(_label, s.Id, c.Command.Frame, Formats.Time(c.Command.TimeNs), s.Client.ToString(), s.Server.ToString(),
            TextSafety.ForCsv(c.Command.Verb), TextSafety.ForCsv(_writer.Argument(c.Command.NormalizedVerb, c.Command.Argument)),
            c.FinalReply?.Code.ToString(CultureInfo.InvariantCulture) ?? "", Formats.Milliseconds(c.LatencyNs), c.PreliminaryReplies,
            c.FinalReply?.Frame.ToString(CultureInfo.InvariantCulture) ?? ""));
    }

    public void OnSessionEnded(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session;
        _writer.Write(new SessionRow(_label, s.Id, s.Client.ToString(), s.Server.ToString(), Formats.Time(s.StartNs), Formats.Time(s.EndNs),
            TextSafety.ForCsv(s.User), Login(s.Login), s.Commands, s.Replies, s.Errors, Bool(s.EncryptedFromFrame is not null), s.Anomalies,
            Bool(s.Anonymous), s.EncryptedFromFrame?.ToString(CultureInfo.InvariantCulture) ?? "", s.EncryptedBytes,
            s.LoginsSucceeded, s.LoginsFailed, TextSafety.ForCsv(s.WorkingDirectory)));
    }

    public void Report(in Anomaly anomaly) =>
        _writer.Write(new AnomalyRow(_label,
            anomaly.ConnectionId != 0 && _sessions.Contains(anomaly.ConnectionId) ? anomaly.ConnectionId.ToString(CultureInfo.InvariantCulture) : "",
            anomaly.Frame == 0 ? "" : anomaly.Frame.ToString(CultureInfo.InvariantCulture), Formats.Time(anomaly.TimeNs),
            AnomalyKinds.Name(anomaly.Kind), TextSafety.ForCsv(anomaly.Detail)));

    internal static string Bool(bool value) => value ? "true" : "false";

    internal static string Login(LoginOutcome o) => o switch
    {
        LoginOutcome.None => "none",
        LoginOutcome.Pending => "pending",
        LoginOutcome.Succeeded => "ok",
        LoginOutcome.Failed => "failed",
        _ => o.ToString().ToLowerInvariant(),
    };

    internal static string Role(ReplyRole r) => r switch
    {
        ReplyRole.Greeting => "greeting",
        ReplyRole.Preliminary => "preliminary",
        ReplyRole.Final => "final",
        ReplyRole.Unsolicited => "unsolicited",
        _ => r.ToString().ToLowerInvariant(),
    };
}
