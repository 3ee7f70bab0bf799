using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Protocol;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>
/// Joins the stages for one TCP connection: ordered bytes from the reassembler go through a
/// detector (for ports not known as FTP), then through one line parser per direction into the
/// session tracker. Once the control connection is encrypted (AUTH TLS + 234) its bytes are
/// only counted. A session that starts on a connection whose SYN was not captured reports
/// <see cref="AnomalyKind.MidstreamJoin"/> (frame and time of the connection's first packet), so
/// only FTP control connections carry that anomaly.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The parsers' pooled buffers are returned in OnClosed, which the flow table calls exactly once for every connection.")]
internal sealed class FtpConnectionHandler : ITcpStreamHandler
{
    /// <summary>Bytes per direction kept while deciding whether an unknown-port connection is FTP.</summary>
    private const int MaxDetectionBytes = 2048;

    private readonly FtpStreamObserver _observer;
    private readonly string _label;
    private readonly FtpTraceLimits _limits;
    private readonly IFtpSessionSink _sink;
    private readonly IAnomalySink _anomalies;

    private FtpDetector? _detector;
    // What arrived while detection was undecided, in order: bytes, or a gap (Bytes null, GapLength > 0).
    private List<(FlowDirection Direction, byte[]? Bytes, long GapLength, long Frame, long TimeNs)>? _held;
    private int _heldBytes;
    private bool _sawData;
    private bool _closed;

    private FtpSession? _session;
    private FtpSessionTracker? _tracker;
    private FtpControlParser? _clientParser;
    private FtpControlParser? _serverParser;

    public FtpConnectionHandler(FtpStreamObserver observer, string label, FtpTraceLimits limits, IFtpSessionSink sink,
        IAnomalySink anomalies, bool detect, bool joinedMidStream)
    {
        _observer = observer;
        _label = label;
        _limits = limits;
        _sink = sink;
        _anomalies = anomalies;
        if (detect)
        {
            _detector = new FtpDetector(joinedMidStream);
            _held = [];
        }
    }

    /// <summary>Starts the session at once (a connection to a known FTP port), so anomalies found before its first byte are attributed to it.</summary>
    internal void StartNow(TcpConnection connection) => Start(connection);

    public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        if (_closed) return StreamAction.Detach;
        if (!_sawData)
        {
            _sawData = true;
            // Joined mid-stream with no port to go by: the first speaker was taken as the client, but
            // an FTP server speaks first. A first line shaped like a reply settles it.
            if (connection.RoleEvidence == RoleEvidence.FirstSpeaker && direction == FlowDirection.ClientToServer && LooksLikeReply(data))
            {
                connection.SwapRoles();
                direction = FlowDirection.ServerToClient;
            }
        }

        if (_detector is not null)
        {
            var verdict = _detector.Observe(direction, data);
            if (verdict == FtpDetectionVerdict.NotFtp) return GiveUp();
            if (verdict == FtpDetectionVerdict.Undecided)
            {
                if (_heldBytes + data.Length > MaxDetectionBytes * 2) return GiveUp();
                _held!.Add((direction, data.ToArray(), 0, frame, timeNs));
                _heldBytes += data.Length;
                return StreamAction.Continue;
            }
            // FTP: start the session and replay what was held.
            StartAndReplay(connection);
        }
        else if (_session is null)
        {
            Start(connection);
        }

        Feed(direction, data, frame, timeNs);
        return StreamAction.Continue;
    }

    /// <summary>Not FTP: let go of the detector and the held bytes (the connection may stay tracked for long).</summary>
    private StreamAction GiveUp()
    {
        _detector = null;
        _held = null;
        return StreamAction.Detach;
    }

    public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs)
    {
        if (_detector is not null)
        {
            // Still deciding: keep the gap in its place among the held bytes, so the replay tells the parser.
            _held!.Add((direction, null, length, frame, timeNs));
            return;
        }
        Gap(direction, length, frame, timeNs);
    }

    private void Gap(FlowDirection direction, long length, long frame, long timeNs)
    {
        if (_tracker is null || _session!.EncryptedFromFrame is not null) return;
        Parser(direction).OnGap(length, frame, timeNs);
        _tracker.OnGap(direction, frame, timeNs);
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs)
    {
        if (_closed) return;
        _closed = true;
        if (_detector is not null && _detector.Conclude() == FtpDetectionVerdict.Ftp) StartAndReplay(connection);
        if (_tracker is null) return;
        if (_session!.EncryptedFromFrame is null)
        {
            _clientParser!.Finish(frame, timeNs);
            _serverParser!.Finish(frame, timeNs);
        }
        _clientParser!.Dispose();
        _serverParser!.Dispose();
        _session.EndNs = Math.Max(_session.EndNs, connection.LastNs);
        _tracker.End(frame, timeNs);
        // A closed connection lingers in the flow table for a while: let the session go now.
        _tracker = null;
        _session = null;
        _clientParser = _serverParser = null;
    }

    private void StartAndReplay(TcpConnection connection)
    {
        _detector = null;
        Start(connection);
        foreach (var (dir, bytes, gap, f, t) in _held!)
        {
            if (bytes is not null) Feed(dir, bytes, f, t);
            else Gap(dir, gap, f, t);
        }
        _held = null;
    }

    private void Start(TcpConnection connection)
    {
        _session = new FtpSession(_label, connection.Id, connection.Client, connection.Server, connection.StartNs);
        _tracker = new FtpSessionTracker(_session, _limits, _sink, _anomalies, _observer.DataChannels);
        _clientParser = new FtpControlParser(FtpParserRole.Client, _limits, _tracker, _anomalies, connection.Id);
        _serverParser = new FtpControlParser(FtpParserRole.Server, _limits, _tracker, _anomalies, connection.Id);
        _tracker.Start();
        _observer.FtpConnections++;
        if (!connection.SawSyn)
        {
            // Reported here, not by the flow table, so that only FTP control connections carry it, with their roles settled.
            _anomalies.Report(new Anomaly(AnomalyKind.MidstreamJoin, connection.FirstFrame, connection.StartNs, connection.Id,
                $"{connection}: joined mid-stream (no SYN seen); the session's start was not captured"));
        }
    }

    private void Feed(FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        if (_session!.EncryptedFromFrame is not null)
        {
            _tracker!.AddEncryptedBytes(data.Length);
            return;
        }
        Parser(direction).Feed(data, frame, timeNs);
    }

    /// <summary>Stage 2: the session, both parsers and the tracker; stage 1: the tracker's own state.</summary>
    public void PrefetchState(int stage)
    {
        if (stage >= 2)
        {
            CachePrefetch.Object(_session, 4);
            CachePrefetch.Object(_clientParser, 2);
            CachePrefetch.Object(_serverParser, 2);
            CachePrefetch.Object(_tracker, 2);
        }
        else
        {
            _tracker?.PrefetchState();
        }
    }

    private FtpControlParser Parser(FlowDirection direction) =>
        direction == FlowDirection.ClientToServer ? _clientParser! : _serverParser!;

    private static bool LooksLikeReply(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && char.IsAsciiDigit((char)data[0]) && char.IsAsciiDigit((char)data[1]) && char.IsAsciiDigit((char)data[2])
        && (data[3] == (byte)' ' || data[3] == (byte)'-');
}
