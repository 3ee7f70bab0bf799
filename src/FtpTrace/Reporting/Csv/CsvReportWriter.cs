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
/// header row). Row files (replies, commands, sessions, anomalies, transfers) are streamed as the analysis
/// produces them; roll-ups (codes, commands-summary, users) are written from the run's statistics
/// at <see cref="Complete"/>. Inputs analysed in parallel write into parts (temporary files in
/// the same folder) that are appended in input order, so the reports never depend on which input
/// finished first and memory does not grow with the size of the output.
/// </summary>
public sealed class CsvReportWriter : IDisposable
{
    public const string Mask = "********";

    internal static readonly CsvConfiguration Config = new(CultureInfo.InvariantCulture)
    {
        NewLine = "\r\n",
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        // Quote every field that needs it and nothing else (RFC 4180).
        ShouldQuote = args => NeedsQuotes(args.Field),
        Mode = CsvMode.RFC4180,
        // Formulas are neutralised by TextSafety.ForCsv, which knows which cells are untrusted;
        // CsvCellWriter also hands whole rows to CsvWriter only under this setting.
        InjectionOptions = InjectionOptions.None,
    };

    private readonly string _directory;
    private readonly CsvOptions _options;
    private readonly CsvRowFiles _final;
    private bool _disposed;

    public CsvReportWriter(string directory, CsvOptions options)
    {
        _directory = directory;
        _options = options;
        Directory.CreateDirectory(directory);
        _final = new CsvRowFiles(directory, "", header: true);
    }

    /// <summary>Names of the files this writer produces.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        ["replies.csv", "commands.csv", "sessions.csv", "codes.csv", "anomalies.csv", "commands-summary.csv", "users.csv", "transfers.csv"];

    /// <summary>A sink that writes one input's rows straight into the reports (inputs analysed one after another).</summary>
    public CsvInputSink ForInput(string label) => new(_final, _options, label);

    /// <summary>A sink that writes one input's rows into a part of its own, to be <see cref="Append"/>ed later.</summary>
    public CsvPart CreatePart(string label, int index)
    {
        var files = new CsvRowFiles(_directory, $".ftptrace-part-{index:D6}-", header: false);
        return new CsvPart(files, new CsvInputSink(files, _options, label));
    }

    /// <summary>Appends a finished part's rows to the reports and deletes its files.</summary>
    public void Append(CsvPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        part.Files.Dispose();
        _final.AppendFrom(part.Files);
        part.Files.Delete();
    }

    /// <summary>Drops a part whose input failed.</summary>
    public static void Discard(CsvPart part)
    {
        ArgumentNullException.ThrowIfNull(part);
        part.Files.Dispose();
        part.Files.Delete();
    }

    /// <summary>Writes the roll-up files and flushes everything.</summary>
    public void Complete(RunStatistics stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        WriteAll<CodeRow, CodeRowMap>("codes.csv", stats.ReplyCodes.Select(kv =>
        {
            var info = ReplyCodeCatalog.Lookup(kv.Key);
            return new CodeRow(kv.Key, info.Meaning, kv.Value, info.Source.ToString().ToLowerInvariant());
        }), static (cells, r) => cells.Number(r.Code).Text(r.Meaning).Number(r.Count).Text(r.Source));
        WriteAll<CommandSummaryRow, CommandSummaryRowMap>("commands-summary.csv", stats.CommandsByVerb
            .OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new CommandSummaryRow(TextSafety.ForCsv(kv.Key), kv.Value.Count,
                kv.Value.RepliesByClass[1], kv.Value.RepliesByClass[2], kv.Value.RepliesByClass[3],
                kv.Value.RepliesByClass[4], kv.Value.RepliesByClass[5],
                Formats.Milliseconds(kv.Value.Latency.Percentile(50)), Formats.Milliseconds(kv.Value.Latency.Percentile(90)),
                Formats.Milliseconds(kv.Value.Latency.Percentile(99)),
                kv.Value.Latency.Count == 0 ? "" : Formats.Milliseconds(kv.Value.Latency.Max), kv.Value.WithoutReply)),
            static (cells, r) => cells.Text(r.Command).Number(r.Count).Number(r.Replies1xx).Number(r.Replies2xx).Number(r.Replies3xx)
                .Number(r.Replies4xx).Number(r.Replies5xx).Text(r.P50).Text(r.P90).Text(r.P99).Text(r.Max).Number(r.WithoutReply));
        WriteAll<UserRow, UserRowMap>("users.csv", stats.Users
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new UserRow(TextSafety.ForCsv(kv.Key), kv.Value.Clients.Count, kv.Value.Sessions,
                kv.Value.LoginsOk, kv.Value.LoginsFailed, kv.Value.Commands, kv.Value.Errors)),
            static (cells, r) => cells.Text(r.User).Number(r.Clients).Number(r.Sessions).Number(r.LoginsOk).Number(r.LoginsFailed)
                .Number(r.Commands).Number(r.Errors));
        _final.Flush();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _final.Dispose();
    }

    /// <summary>
    /// A roll-up file: the header from <typeparamref name="TMap"/> (which names the columns), then each
    /// row's cells in the map's order (as the streamed files do, see <see cref="CsvRowCells"/>: CsvWriter's
    /// own WriteRecord compiles a writer for each row type, 10-20 ms a file on every run).
    /// </summary>
    private void WriteAll<TRow, TMap>(string name, IEnumerable<TRow> rows, Func<CsvRowCells, TRow, CsvRowCells> cells) where TMap : ClassMap<TRow>
    {
        using var stream = OpenText(Path.Combine(_directory, name));
        using var csv = new CsvCellWriter(stream, Config);
        csv.Context.RegisterClassMap<TMap>();
        csv.WriteHeader<TRow>();
        csv.NextRecord();
        foreach (var row in rows) cells(new CsvRowCells(csv), row).End();
    }

    /// <summary>
    /// A report file, written as a new file: one of the same name left by an earlier run is deleted
    /// first rather than truncated. On ext4, truncating a file to zero (which <see cref="FileMode.Create"/>
    /// does even to a file it has just created) marks it to be written out when it is closed, the
    /// guard for programs that rewrite a file in place: closing a run's replies.csv then waited
    /// 50-90 ms for block allocation of the whole file. A new file is written out by the kernel in
    /// its own time, like any other. An old file is replaced only if it could be written (a
    /// read-only report stays an error, as before); a symbolic link is written through, truncated.
    /// </summary>
    internal static StreamWriter OpenText(string path)
    {
        var old = new FileInfo(path);
        if (old.Exists && old.LinkTarget is null)
        {
            using (new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read)) { }
            File.Delete(path);
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 4096, FileOptions.SequentialScan);
        }
        catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null)
        {
            // A link, or made again by someone else since the delete: truncated after all.
            file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 4096, FileOptions.SequentialScan);
        }
        return new StreamWriter(file, Config.Encoding, bufferSize: 1 << 16);
    }

    private static bool NeedsQuotes(string? field) =>
        field is not null && field.AsSpan().IndexOfAny(",\"\r\n") >= 0;
}

/// <summary>One input's rows, written apart from the others until they are appended in order.</summary>
public sealed class CsvPart
{
    internal CsvPart(CsvRowFiles files, CsvInputSink sink)
    {
        Files = files;
        Sink = sink;
    }

    internal CsvRowFiles Files { get; }

    public CsvInputSink Sink { get; }
}

/// <summary>The streamed row files (replies, commands, sessions, anomalies, transfers) of the reports or of one part.</summary>
/// <remarks>
/// The files are created at once (so a folder that cannot be written is an error before any analysis),
/// but each file's CsvWriter, and its header, only when its first row comes (or at the end, for a
/// header with no rows): CsvHelper's first use costs about 40 ms (its caches, the first class map),
/// which the report thread then pays while the analysis runs instead of the analysis waiting for it.
/// </remarks>
internal sealed class CsvRowFiles : IDisposable
{
    private readonly RowFile[] _files;
    private bool _disposed;

    public CsvRowFiles(string directory, string prefix, bool header)
    {
        _files =
        [
            Open<ReplyRow, ReplyRowMap>(directory, prefix + "replies.csv", header),
            Open<CommandRow, CommandRowMap>(directory, prefix + "commands.csv", header),
            Open<SessionRow, SessionRowMap>(directory, prefix + "sessions.csv", header),
            Open<AnomalyRow, AnomalyRowMap>(directory, prefix + "anomalies.csv", header),
            Open<TransferRow, TransferRowMap>(directory, prefix + "transfers.csv", header),
        ];
    }

    /// <summary>The next replies.csv row, its cells in <see cref="ReplyRowMap"/> order.</summary>
    public CsvRowCells ReplyCells() => new(_files[0].Csv);

    /// <summary>The next commands.csv row, its cells in <see cref="CommandRowMap"/> order.</summary>
    public CsvRowCells CommandCells() => new(_files[1].Csv);

    /// <summary>The next sessions.csv row, its cells in <see cref="SessionRowMap"/> order.</summary>
    public CsvRowCells SessionCells() => new(_files[2].Csv);

    /// <summary>The next anomalies.csv row, its cells in <see cref="AnomalyRowMap"/> order.</summary>
    public CsvRowCells AnomalyCells() => new(_files[3].Csv);

    /// <summary>The next transfers.csv row, its cells in <see cref="TransferRowMap"/> order.</summary>
    public CsvRowCells TransferCells() => new(_files[4].Csv);

    public void Flush()
    {
        foreach (var f in _files) f.Csv.Flush();
    }

    /// <summary>Appends the bytes of another set's (closed) files to these, file by file.</summary>
    public void AppendFrom(CsvRowFiles part)
    {
        for (int i = 0; i < _files.Length; i++)
        {
            _files[i].Csv.Flush();
            using var source = File.OpenRead(part._files[i].Path);
            source.CopyTo(_files[i].Stream.BaseStream);
        }
    }

    public void Delete()
    {
        foreach (var f in _files) File.Delete(f.Path);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var f in _files) f.Dispose();
    }

    private static RowFile Open<TRow, TMap>(string directory, string name, bool header) where TMap : ClassMap<TRow>
    {
        string path = Path.Combine(directory, name);
        return new RowFile(CsvReportWriter.OpenText(path), path, header ? WriteHeader<TRow, TMap> : null);
    }

    private static void WriteHeader<TRow, TMap>(CsvCellWriter csv) where TMap : ClassMap<TRow>
    {
        csv.Context.RegisterClassMap<TMap>();
        csv.WriteHeader<TRow>();
        csv.NextRecord();
    }

    /// <summary>One row file: its stream from the start, its CsvWriter (and header) from the first use on.</summary>
    private sealed class RowFile(StreamWriter stream, string path, Action<CsvCellWriter>? header)
    {
        private CsvCellWriter? _csv;

        public StreamWriter Stream => stream;

        public string Path => path;

        public CsvCellWriter Csv => _csv ??= Start();

        /// <summary>Closes the file; a file with a header gets it even when no row came.</summary>
        public void Dispose()
        {
            if (_csv is null && header is not null) _ = Csv;
            if (_csv is not null) _csv.Dispose();
            else stream.Dispose();
        }

        private CsvCellWriter Start()
        {
            var csv = new CsvCellWriter(stream, CsvReportWriter.Config);
            header?.Invoke(csv);
            return csv;
        }
    }
}

/// <summary>Turns one input's session events and anomalies into CSV rows.</summary>
public sealed class CsvInputSink : IFtpSessionSink, IAnomalySink
{
    private readonly CsvRowFiles _writer;
    private readonly CsvOptions _options;
    private readonly string _label;
    // Which connection numbers are FTP sessions (anomalies.csv names the session only for those).
    // Numbers are given 1, 2, 3 ... per input: one bit each, so this stays small however long the input.
    private ulong[] _sessionBits = new ulong[16];

    internal CsvInputSink(CsvRowFiles writer, CsvOptions options, string label)
    {
        _writer = writer;
        _options = options;
        _label = TextSafety.ForCsv(label);
    }

    private string Argument(string verbUpper, string argument) =>
        !_options.ShowPasswords && verbUpper == "PASS" && argument.Length > 0 ? CsvReportWriter.Mask : argument;

    public void OnSessionStarted(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        long id = session.Id;
        if (id <= 0 || id >= MaxSessionId) return;
        long word = id >> 6;
        if (word >= _sessionBits.Length) Array.Resize(ref _sessionBits, (int)Math.Max(word + 1, _sessionBits.Length * 2L));
        _sessionBits[word] |= 1UL << (int)(id & 63);
    }

    // Every row file is written cell by cell straight from the records, in the order of its map
    // (ReplyRowMap, CommandRowMap, ...; CsvInputSinkTests read the rows back through the maps).

    public void OnReply(ReplyRecord reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var r = reply;
        var s = r.Session;
        var c = r.Command;
        _writer.ReplyCells()
            .Text(_label).Plain(s.IdText).Number(r.Reply.Frame).Time(r.Reply.TimeNs).Text(s.ClientText).Text(s.ServerText)
            .Number(r.Reply.Code).Text(r.Meaning.Meaning).Text(TextSafety.ForCsv(r.Reply.Text))
            .Text(TextSafety.ForCsv(c?.Verb)).Text(TextSafety.ForCsv(c is not null ? Argument(c.NormalizedVerb, c.Argument) : ""))
            .Milliseconds(r.LatencyNs).Plain(Role(r.Role)).Number(c?.Frame)
            .Plain(Bool(r.UnexpectedForCommand)).Number(r.Reply.LineCount).Number(r.Reply.EndFrame)
            .End();
    }

    public void OnCommandCompleted(CommandRecord command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var c = command;
        var s = c.Session;
        _writer.CommandCells()
            .Text(_label).Plain(s.IdText).Number(c.Command.Frame).Time(c.Command.TimeNs).Text(s.ClientText).Text(s.ServerText)
            .Text(TextSafety.ForCsv(c.Command.Verb)).Text(TextSafety.ForCsv(Argument(c.Command.NormalizedVerb, c.Command.Argument)))
            .Number(c.FinalReply?.Code).Milliseconds(c.LatencyNs).Number(c.PreliminaryReplies)
            .Number(c.FinalReply?.Frame)
            .End();
    }

    /// <summary>
    /// One transfers.csv row. Works for any <see cref="TransferRecord"/>, from a capture or a server
    /// log: endpoints and frames are empty when unknown; throughput (bits per second, rounded) is
    /// empty when the duration is 0.
    /// </summary>
    public void OnTransfer(TransferRecord transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var t = transfer;
        long duration = t.EndNs - t.StartNs;
        string throughput = duration > 0
            ? Math.Round(t.Bytes * 8m * 1_000_000_000m / duration, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)
            : "";
        _writer.TransferCells()
            .Text(_label).Plain(t.Session.IdText).Text(TextSafety.ForCsv(t.Command.Verb)).Text(TextSafety.ForCsv(t.Path)).Text(Direction(t.Direction))
            .Number(t.Bytes).Time(t.StartNs).Time(t.EndNs).Milliseconds(t.StartNs == 0 || t.EndNs == 0 ? null : duration)
            .Text(throughput).Number(t.FinalReply?.Code).Text(Bool(t.Complete))
            .Text(t.DataClient?.ToString()).Text(t.DataServer?.ToString()).Text(TextSafety.ForCsv(t.Mode)).Number(t.RestartOffset)
            .Number(t.AnnouncedSize).Text(Bool(t.Encrypted)).Text(TextSafety.ForCsv(t.TransferType)).Text(Bool(t.Aborted))
            .Number(t.MissingBytes).Text(Bool(t.Unannounced)).Number(t.DataConnection).Number(t.Command.Frame)
            .Number(t.FinalReply?.Frame)
            .End();
    }

    public void OnSessionEnded(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var s = session;
        _writer.SessionCells()
            .Text(_label).Plain(s.IdText).Text(s.ClientText).Text(s.ServerText).Time(s.StartNs).Time(s.EndNs)
            .Text(TextSafety.ForCsv(s.User)).Text(Login(s.Login)).Number(s.Commands).Number(s.Replies).Number(s.Errors)
            .Text(Bool(s.EncryptedFromFrame is not null)).Number(s.Anomalies).Text(Bool(s.Anonymous))
            .Number(s.EncryptedFromFrame).Number(s.EncryptedBytes)
            .Number(s.LoginsSucceeded).Number(s.LoginsFailed).Text(TextSafety.ForCsv(s.WorkingDirectory))
            .End();
    }

    public void Report(in Anomaly anomaly) =>
        _writer.AnomalyCells()
            .Text(_label)
            .Text(IsSession(anomaly.ConnectionId) ? anomaly.ConnectionId.ToString(CultureInfo.InvariantCulture) : "")
            .Text(anomaly.Frame == 0 ? "" : anomaly.Frame.ToString(CultureInfo.InvariantCulture)).Time(anomaly.TimeNs)
            .Text(AnomalyKinds.Name(anomaly.Kind)).Text(TextSafety.ForCsv(anomaly.Detail))
            .End();

    /// <summary>Session numbers past this (never reached: they count connections) are not marked.</summary>
    private const long MaxSessionId = 1L << 36;

    private bool IsSession(long id) =>
        id > 0 && (id >> 6) < _sessionBits.Length && (_sessionBits[id >> 6] & (1UL << (int)(id & 63))) != 0;

    internal static string Bool(bool value) => value ? "true" : "false";

    internal static string Login(LoginOutcome o) => o switch
    {
        LoginOutcome.None => "none",
        LoginOutcome.Pending => "pending",
        LoginOutcome.Succeeded => "ok",
        LoginOutcome.Failed => "failed",
        _ => o.ToString().ToLowerInvariant(),
    };

    internal static string Direction(TransferDirection d) => d switch
    {
        TransferDirection.Download => "download",
        TransferDirection.Upload => "upload",
        TransferDirection.Listing => "listing",
        _ => d.ToString().ToLowerInvariant(),
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
