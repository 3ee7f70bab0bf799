using System.CommandLine;
using System.Text;
using FtpTrace.Analysis;
using FtpTrace.Capture;
using FtpTrace.Cli;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.TestSupport;

/// <summary>A capture file in the temp folder, deleted on dispose.</summary>
public sealed class TempCapture : IDisposable
{
    public TempCapture(byte[] bytes, string extension = ".pcap")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ftptrace-e2e-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(Path, bytes);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { File.Delete(Path); }
        catch (IOException) { }
    }
}

/// <summary>A directory in the temp folder, deleted with its contents on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ftptrace-e2e-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>A gap in one direction of a connection, as handed to <see cref="ITcpStreamHandler.OnGap"/>.</summary>
public readonly record struct StreamGapRecord(long Offset, long Length, long Frame);

/// <summary>What one direction of a connection delivered: its bytes in order, gaps, and the frame of each delivery.</summary>
public sealed class DeliveredStream
{
    private readonly List<byte> _bytes = [];

    public List<StreamGapRecord> Gaps { get; } = [];

    /// <summary>Each <c>OnData</c> call: the stream offset of its first byte, its length and the frame that carried it.</summary>
    public List<(long Offset, int Length, long Frame)> Deliveries { get; } = [];

    /// <summary>Delivered bytes, in order; gaps are not filled in.</summary>
    public byte[] Bytes => [.. _bytes];

    /// <summary>The bytes as Latin-1 text (one char per byte).</summary>
    public string Text => Encoding.Latin1.GetString(Bytes);

    /// <summary>Stream offset reached: bytes delivered plus gap bytes.</summary>
    public long Offset { get; private set; }

    internal void Data(ReadOnlySpan<byte> data, long frame)
    {
        Deliveries.Add((Offset, data.Length, frame));
        _bytes.AddRange(data);
        Offset += data.Length;
    }

    internal void Gap(long offset, long length, long frame)
    {
        Gaps.Add(new StreamGapRecord(offset, length, frame));
        Offset = offset + length;
    }
}

/// <summary>One connection seen by <see cref="StreamHarness"/>.</summary>
public sealed class DeliveredConnection(TcpConnection connection)
{
    public TcpConnection Connection { get; } = connection;
    public long Id => Connection.Id;
    public DeliveredStream ClientToServer { get; } = new();
    public DeliveredStream ServerToClient { get; } = new();
    public CloseReason? ClosedBy { get; internal set; }
    public int CloseCalls { get; internal set; }

    public DeliveredStream Of(FlowDirection direction) => direction == FlowDirection.ClientToServer ? ClientToServer : ServerToClient;
}

/// <summary>The result of running a capture through reader, decoder and flow table.</summary>
public sealed class StreamRun
{
    public List<DeliveredConnection> Connections { get; } = [];
    public AnomalyCollector Anomalies { get; } = new();
    public long Frames { get; internal set; }
    public long TcpSegments { get; internal set; }
    public long FlowTablePeak { get; internal set; }
    public long Evicted { get; internal set; }

    /// <summary>The only connection (fails the test when there is not exactly one).</summary>
    public DeliveredConnection Single => Assert.Single(Connections);

    public IEnumerable<Anomaly> Of(AnomalyKind kind) => Anomalies.Items.Where(a => a.Kind == kind);

    /// <summary>Kinds of every anomaly, in report order (snake_case names, for readable assertion failures).</summary>
    public IReadOnlyList<string> Kinds => [.. Anomalies.Items.Select(a => AnomalyKinds.Name(a.Kind))];
}

/// <summary>
/// Runs a capture FILE through the real pipeline pieces up to the byte streams:
/// <see cref="ManagedCaptureReader"/> -> <see cref="PacketDecoder"/> -> <see cref="FlowTable"/> with a
/// recording <see cref="ITcpStreamObserver"/>/<see cref="ITcpStreamHandler"/>, the way
/// <see cref="CaptureAnalyzer"/> drives them (the flow table finished at the last timestamp).
/// </summary>
public static class StreamHarness
{
    /// <param name="path">A capture file.</param>
    /// <param name="limits">Limits (default when null).</param>
    /// <param name="serverPorts">Extra server ports for the flow table's role decision.</param>
    /// <param name="reassemble">Which connections get a recording handler (all when null).</param>
    public static StreamRun Run(string path, FtpTraceLimits? limits = null, IReadOnlySet<ushort>? serverPorts = null,
        Func<TcpConnection, bool>? reassemble = null)
    {
        limits ??= FtpTraceLimits.Default;
        var run = new StreamRun();
        var observer = new Observer(run, reassemble);
        using var reader = new ManagedCaptureReader(path, limits, run.Anomalies);
        using var decoder = new PacketDecoder(limits, run.Anomalies);
        var flows = new FlowTable(limits, observer, run.Anomalies, serverPorts ?? new HashSet<ushort> { 21 });
        long last = 0;
        while (reader.TryReadNext(out var frame))
        {
            if (frame.TimestampNs > last) last = frame.TimestampNs;
            if (decoder.Decode(frame, out var segment) == DecodeResult.Tcp) flows.Process(ref segment);
        }
        flows.Finish(last);
        run.Frames = decoder.Frames;
        run.TcpSegments = decoder.Tcp;
        run.FlowTablePeak = flows.PeakTrackedConnections;
        run.Evicted = flows.Evicted;
        return run;
    }

    /// <summary>Writes <paramref name="capture"/> to a temp file and runs it.</summary>
    public static StreamRun Run(byte[] capture, FtpTraceLimits? limits = null, IReadOnlySet<ushort>? serverPorts = null,
        Func<TcpConnection, bool>? reassemble = null)
    {
        using var file = new TempCapture(capture);
        return Run(file.Path, limits, serverPorts, reassemble);
    }

    private sealed class Observer(StreamRun run, Func<TcpConnection, bool>? reassemble) : ITcpStreamObserver
    {
        public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection)
        {
            if (reassemble is not null && !reassemble(connection)) return null;
            var record = new DeliveredConnection(connection);
            run.Connections.Add(record);
            return new Handler(record);
        }
    }

    private sealed class Handler(DeliveredConnection record) : ITcpStreamHandler
    {
        public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
        {
            record.Of(direction).Data(data, frame);
            return StreamAction.Continue;
        }

        public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs) =>
            record.Of(direction).Gap(streamOffset, length, frame);

        public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs)
        {
            record.ClosedBy = reason;
            record.CloseCalls++;
        }
    }
}

/// <summary>A reply as the analyzer reported it, flattened for assertions.</summary>
public sealed record ReplyView(long Session, int Code, string Text, ReplyRole Role, string? Verb, string? Argument, long Frame, long? CommandFrame);

/// <summary>A completed command as the analyzer reported it, flattened for assertions.</summary>
public sealed record CommandView(long Session, string Verb, string Argument, long Frame, int? FinalCode, int Preliminaries);

/// <summary>What <see cref="AnalyzerHarness"/> recorded.</summary>
public sealed class AnalysisRun : IFtpSessionSink
{
    public List<ReplyRecord> ReplyRecords { get; } = [];
    public List<CommandRecord> CommandRecords { get; } = [];
    public List<FtpSession> Sessions { get; } = [];
    public int SessionsEnded { get; private set; }
    public AnomalyCollector Anomalies { get; } = new();
    public InputStats Stats { get; } = new();

    public IReadOnlyList<ReplyView> Replies => [.. ReplyRecords.Select(r => new ReplyView(r.Session.Id, r.Reply.Code, r.Reply.Text, r.Role,
        r.Command?.Verb, r.Command?.Argument, r.Reply.Frame, r.Command?.Frame))];

    /// <summary>Commands in the order they completed (final reply, gap or end of session).</summary>
    public IReadOnlyList<CommandView> Commands => [.. CommandRecords.Select(c => new CommandView(c.Session.Id, c.Command.Verb, c.Command.Argument,
        c.Command.Frame, c.FinalReply?.Code, c.PreliminaryReplies))];

    public FtpSession SingleSession => Assert.Single(Sessions);

    public IEnumerable<Anomaly> Of(AnomalyKind kind) => Anomalies.Items.Where(a => a.Kind == kind);

    public IReadOnlyList<string> Kinds => [.. Anomalies.Items.Select(a => AnomalyKinds.Name(a.Kind))];

    void IFtpSessionSink.OnSessionStarted(FtpSession session) => Sessions.Add(session);
    void IFtpSessionSink.OnReply(ReplyRecord reply) => ReplyRecords.Add(reply);
    void IFtpSessionSink.OnCommandCompleted(CommandRecord command) => CommandRecords.Add(command);
    void IFtpSessionSink.OnSessionEnded(FtpSession session) => SessionsEnded++;
}

/// <summary>
/// Runs a capture file through the whole analyzer (<see cref="CaptureAnalyzer.Analyze"/>), wired as
/// the CLI wires it (a <see cref="SessionAnomalyRouter"/> in front of the anomaly collector), and
/// records every session event; or runs the CLI itself in-process.
/// </summary>
public static class AnalyzerHarness
{
    public static AnalysisRun Run(string path, AnalysisOptions? options = null)
    {
        options ??= AnalysisOptions.Default;
        var run = new AnalysisRun();
        var router = new SessionAnomalyRouter(run.Anomalies);
        using var reader = new ManagedCaptureReader(path, options.Limits, router);
        CaptureAnalyzer.Analyze(reader, "test.pcap", options, new SessionSinkFanout([router, run]), router, run.Stats);
        return run;
    }

    /// <summary>Writes <paramref name="capture"/> to a temp file and analyses it.</summary>
    public static AnalysisRun Run(byte[] capture, AnalysisOptions? options = null)
    {
        using var file = new TempCapture(capture);
        return Run(file.Path, options);
    }

    /// <summary>Analyses <paramref name="capture"/> from memory (for sweeps over thousands of variants).</summary>
    public static AnalysisRun RunInMemory(byte[] capture, AnalysisOptions? options = null)
    {
        options ??= AnalysisOptions.Default;
        var run = new AnalysisRun();
        var router = new SessionAnomalyRouter(run.Anomalies);
        using var reader = new ManagedCaptureReader(new MemoryStream(capture, writable: false), "memory", options.Limits, router);
        CaptureAnalyzer.Analyze(reader, "test.pcap", options, new SessionSinkFanout([router, run]), router, run.Stats);
        return run;
    }

    /// <summary>Options with extra FTP ports (21 always included).</summary>
    public static AnalysisOptions Ports(params ushort[] ports) =>
        AnalysisOptions.Default with { FtpPorts = new HashSet<ushort>([21, .. ports]) };

    /// <summary>Runs <c>ftptrace analyze ARGS</c> in-process and returns its exit code.</summary>
    public static int RunCli(params string[] analyzeArgs)
    {
        var root = new RootCommand("test") { AnalyzeCommand.Create() };
        var parse = root.Parse(["analyze", .. analyzeArgs, "--no-progress"]);
        Assert.Empty(parse.Errors);
        return parse.Invoke();
    }
}
