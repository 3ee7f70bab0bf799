using System.Text;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;

namespace FtpTrace.Tests.Flows;

/// <summary>
/// Feeds hand-made TCP segments to a <see cref="FlowTable"/>: one client and one server endpoint,
/// frames numbered from 1, each segment 1 ms after the previous one unless told otherwise.
/// </summary>
internal sealed class TcpScenario
{
    public static readonly Endpoint DefaultClient = new(IpAddress.FromV4(0x0A00_0001), 50000);
    public static readonly Endpoint DefaultServer = new(IpAddress.FromV4(0x0A00_0002), 21);

    public const long StepNs = 1_000_000;

    public TcpScenario(FtpTraceLimits? limits = null, Endpoint? client = null, Endpoint? server = null,
        Func<TcpConnection, RecordingHandler?>? handlerFactory = null, IReadOnlySet<ushort>? serverPorts = null, bool recycle = false)
    {
        Client = client ?? DefaultClient;
        Server = server ?? DefaultServer;
        Observer = new RecordingObserver(handlerFactory);
        Table = new FlowTable(limits ?? FtpTraceLimits.Default, Observer, Anomalies, serverPorts) { RecycleConnections = recycle };
    }

    public Endpoint Client { get; set; }
    public Endpoint Server { get; set; }
    public AnomalyCollector Anomalies { get; } = new();
    public RecordingObserver Observer { get; }
    public FlowTable Table { get; }
    public long Frame { get; private set; }
    public long TimeNs { get; set; } = 1_700_000_000L * 1_000_000_000;

    /// <summary>The handler of the only (or first) connection.</summary>
    public RecordingHandler Handler => Observer.Handlers[0];

    /// <summary>A segment from the client. Returns its frame number.</summary>
    public long C(uint seq, uint ack, TcpFlags flags, string payload = "", int? announced = null, long afterNs = StepNs) =>
        Send(Client, Server, seq, ack, flags, payload, announced, afterNs);

    /// <summary>A segment from the server. Returns its frame number.</summary>
    public long S(uint seq, uint ack, TcpFlags flags, string payload = "", int? announced = null, long afterNs = StepNs) =>
        Send(Server, Client, seq, ack, flags, payload, announced, afterNs);

    public long Send(Endpoint source, Endpoint destination, uint seq, uint ack, TcpFlags flags, string payload = "",
        int? announced = null, long afterNs = StepNs)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(payload);
        TimeNs += afterNs;
        var segment = new TcpSegment
        {
            Frame = ++Frame,
            TimestampNs = TimeNs,
            Source = source,
            Destination = destination,
            Sequence = seq,
            Acknowledgment = ack,
            Flags = flags,
            Window = 65535,
            Payload = bytes,
            PayloadLength = announced ?? bytes.Length,
        };
        Table.Process(ref segment);
        return Frame;
    }

    /// <summary>Client ISN 1000, server ISN 5000: the handshake; client data then starts at 1001, server data at 5001.</summary>
    public void Handshake(uint clientIsn = 1000, uint serverIsn = 5000)
    {
        C(clientIsn, 0, TcpFlags.Syn);
        S(serverIsn, clientIsn + 1, TcpFlags.Syn | TcpFlags.Ack);
        C(clientIsn + 1, serverIsn + 1, TcpFlags.Ack);
    }

    public void Finish() => Table.Finish(TimeNs + StepNs);

    public IEnumerable<Anomaly> AnomaliesOf(AnomalyKind kind) => Anomalies.Items.Where(a => a.Kind == kind);
}

/// <summary>Gives every connection a <see cref="RecordingHandler"/> (or what the factory says) and keeps them in order.</summary>
internal sealed class RecordingObserver(Func<TcpConnection, RecordingHandler?>? factory) : ITcpStreamObserver
{
    public List<RecordingHandler> Handlers { get; } = [];
    public List<TcpConnection> Connections { get; } = [];

    public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection)
    {
        Connections.Add(connection);
        RecordingHandler? handler = factory is null ? new RecordingHandler() : factory(connection);
        if (handler is not null) Handlers.Add(handler);
        return handler;
    }
}

/// <summary>
/// Records the delivered streams as text per direction, a gap written inline as <c>[gap N@offset]</c>,
/// plus every call's details.
/// </summary>
internal sealed class RecordingHandler : ITcpStreamHandler
{
    private readonly StringBuilder[] _text = [new(), new()];

    public List<(FlowDirection Direction, long Offset, long Length, long Frame)> Gaps { get; } = [];
    public List<(FlowDirection Direction, string Data, long Frame)> Deliveries { get; } = [];
    public List<(CloseReason Reason, long Frame)> Closes { get; } = [];
    public TcpConnection? Connection { get; private set; }

    /// <summary>Return Detach once this many bytes were delivered (both directions).</summary>
    public long DetachAfterBytes { get; set; } = long.MaxValue;

    /// <summary>Called on each delivery (e.g. to swap roles from the content).</summary>
    public Action<TcpConnection, FlowDirection, string>? OnDelivery { get; set; }

    /// <summary>Shared by several handlers to see the order of <c>OnClosed</c> calls (connection ids).</summary>
    public List<long>? CloseLog { get; init; }

    private long _delivered;

    public string Text(FlowDirection direction) => _text[(int)direction].ToString();
    public string ClientText => Text(FlowDirection.ClientToServer);
    public string ServerText => Text(FlowDirection.ServerToClient);

    public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        Assert.True(connection.Closed is null, "data after close");
        Assert.True(data.Length > 0, "empty delivery");
        Connection = connection;
        string s = Encoding.Latin1.GetString(data);
        _text[(int)direction].Append(s);
        Deliveries.Add((direction, s, frame));
        _delivered += data.Length;
        OnDelivery?.Invoke(connection, direction, s);
        return _delivered >= DetachAfterBytes ? StreamAction.Detach : StreamAction.Continue;
    }

    public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs)
    {
        Assert.True(length > 0, "empty gap");
        _text[(int)direction].Append($"[gap {length}@{streamOffset}]");
        Gaps.Add((direction, streamOffset, length, frame));
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs)
    {
        Closes.Add((reason, frame));
        CloseLog?.Add(connection.Id);
        AtClose = $"#{connection.Id} {connection.Client}->{connection.Server} syn={connection.SawSyn} packets={connection.Packets} " +
            $"bytes={connection.BytesClientToServer}/{connection.BytesServerToClient} gaps={connection.GapBytesClientToServer}/{connection.GapBytesServerToClient} " +
            $"first={connection.FirstFrame} last={connection.LastFrame} roles={connection.RoleEvidence}";
    }

    /// <summary>What the connection said of itself when it closed (a recycled object is reused afterwards).</summary>
    public string? AtClose { get; private set; }
}
