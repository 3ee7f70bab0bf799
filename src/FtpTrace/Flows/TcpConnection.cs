using System.Runtime.CompilerServices;
using FtpTrace.Decoding;
using FtpTrace.Reassembly;

namespace FtpTrace.Flows;

/// <summary>
/// One TCP connection: its endpoints, roles, timing and byte counts. Created and owned by the
/// <c>FlowTable</c>; later stages read it and may attach their own state to <see cref="Handler"/>.
/// It is also the output of its two <see cref="TcpStreamReassembler"/>s (one per side): their ordered
/// bytes and gaps are counted here and forwarded to <see cref="Handler"/> with the side's current
/// <see cref="FlowDirection"/> (so <see cref="SwapRoles"/> takes effect at once).
/// </summary>
public sealed class TcpConnection : IReassemblyOutput
{
    public TcpConnection(long id, Endpoint client, Endpoint server, RoleEvidence evidence, long firstFrame, long startNs) =>
        Reset(id, client, server, evidence, firstFrame, startNs);

    /// <summary>
    /// Makes the object a new connection. The flow table reuses the objects of connections that left
    /// it (see <c>FlowTable</c>'s recycling), together with their two reassemblers.
    /// </summary>
    internal void Reset(long id, Endpoint client, Endpoint server, RoleEvidence evidence, long firstFrame, long startNs)
    {
        Id = id;
        Client = client;
        Server = server;
        RoleEvidence = evidence;
        FirstFrame = firstFrame;
        StartNs = startNs;
        LastNs = startNs;
        LastFrame = firstFrame;
        SawSyn = false;
        Closed = null;
        BytesClientToServer = BytesServerToClient = 0;
        GapBytesClientToServer = GapBytesServerToClient = 0;
        Packets = 0;
        Handler = null;
        RolesSwapped = false;
        FlowHash = 0;
        Reassembling = false;
        TouchNs = 0;
        Slot = 0;
        InitiatorStream?.Reset();
        ResponderStream?.Reset();
    }

    /// <summary>1-based number of the connection within its capture, in order of first packet (like tshark's tcp.stream + 1).</summary>
    public long Id { get; private set; }

    public Endpoint Client { get; private set; }
    public Endpoint Server { get; private set; }
    public RoleEvidence RoleEvidence { get; private set; }

    public long FirstFrame { get; private set; }
    public long StartNs { get; private set; }
    public long LastFrame { get; internal set; }
    public long LastNs { get; internal set; }

    /// <summary>True when the three-way handshake (or at least the SYN) was seen.</summary>
    public bool SawSyn { get; internal set; }

    /// <summary>Set once the streams ended (FIN both ways, RST, timeout, eviction, end of capture).</summary>
    public CloseReason? Closed { get; internal set; }

    /// <summary>Stream bytes delivered (in order, retransmissions not counted) per direction.</summary>
    public long BytesClientToServer { get; internal set; }
    public long BytesServerToClient { get; internal set; }

    /// <summary>Bytes never captured (gaps) per direction.</summary>
    public long GapBytesClientToServer { get; internal set; }
    public long GapBytesServerToClient { get; internal set; }

    /// <summary>Packets seen on the connection, both directions.</summary>
    public long Packets { get; internal set; }

    /// <summary>The stream handler the observer attached, if any.</summary>
    public ITcpStreamHandler? Handler { get; internal set; }

    /// <summary>
    /// Called by a later stage when the content shows the sides the other way round (e.g. a
    /// connection joined mid-stream whose first speaker was the server). Swaps client and server.
    /// </summary>
    public void SwapRoles()
    {
        (Client, Server) = (Server, Client);
        (BytesClientToServer, BytesServerToClient) = (BytesServerToClient, BytesClientToServer);
        (GapBytesClientToServer, GapBytesServerToClient) = (GapBytesServerToClient, GapBytesClientToServer);
        RoleEvidence = RoleEvidence.Content;
        RolesSwapped = !RolesSwapped;
    }

    /// <summary>True after an odd number of <see cref="SwapRoles"/> calls; the flow table maps directions through it.</summary>
    public bool RolesSwapped { get; private set; }

    public override string ToString() => $"#{Id} {Client} -> {Server}";

    // ---- Flow-table state (internal to the Flows stage) --------------------------------------

    /// <summary>The symmetric hash of the 4-tuple the flow table files this connection under (<see cref="FlowIndex.Hash"/>).</summary>
    internal uint FlowHash;

    /// <summary>Side 0: bytes sent by the side taken as client at creation (before any <see cref="SwapRoles"/>).</summary>
    internal TcpStreamReassembler? InitiatorStream;

    /// <summary>Side 1: bytes sent by the side taken as server at creation.</summary>
    internal TcpStreamReassembler? ResponderStream;

    /// <summary>True while payload is reassembled and delivered to <see cref="Handler"/> (a handler was given and has not detached).</summary>
    internal bool Reassembling;

    /// <summary>
    /// While live: capture time (monotonic: the latest time seen by the table) of the last packet,
    /// which orders the LRU list. Once closed and lingering: when it leaves the table.
    /// </summary>
    internal long TouchNs;

    /// <summary>The connection's slot in the flow table's list links (live LRU list, or linger list once closed).</summary>
    internal int Slot;

    /// <summary>True when the connection is between <paramref name="a"/> and <paramref name="b"/>, either way round.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool Connects(in Endpoint a, in Endpoint b) =>
        (Same(a, Client) && Same(b, Server)) || (Same(a, Server) && Same(b, Client));

    /// <summary>Side (0 = initial client, 1 = initial server) of a segment sent by <paramref name="source"/>, one of the two endpoints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int SideOf(in Endpoint source) => Same(source, RolesSwapped ? Server : Client) ? 0 : 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Same(in Endpoint a, in Endpoint b) =>
        a.Address.Low == b.Address.Low && a.Port == b.Port && a.Address.High == b.Address.High && a.Address.IsV6 == b.Address.IsV6;

    /// <summary>The logical direction of bytes sent by <paramref name="side"/>, following <see cref="SwapRoles"/>.</summary>
    internal FlowDirection DirectionOf(int side) => (FlowDirection)(side ^ (RolesSwapped ? 1 : 0));

    internal TcpStreamReassembler StreamOf(int side) => (side == 0 ? InitiatorStream : ResponderStream)!;

    // ---- Output of the two reassemblers: stream tag = side (0 = initial client, 1 = initial server) ----

    long IReassemblyOutput.ConnectionId => Id;

    bool IReassemblyOutput.IsReassembling => Reassembling;

    string IReassemblyOutput.StreamName(int stream) =>
        DirectionOf(stream) == FlowDirection.ClientToServer ? "client-to-server" : "server-to-client";

    void IReassemblyOutput.AddBytes(int stream, long count)
    {
        if (DirectionOf(stream) == FlowDirection.ClientToServer) BytesClientToServer += count;
        else BytesServerToClient += count;
    }

    void IReassemblyOutput.AddGapBytes(int stream, long count)
    {
        if (DirectionOf(stream) == FlowDirection.ClientToServer) GapBytesClientToServer += count;
        else GapBytesServerToClient += count;
    }

    void IReassemblyOutput.OnData(int stream, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        if (Handler is { } handler && handler.OnData(this, DirectionOf(stream), data, frame, timeNs) == StreamAction.Detach)
            Reassembling = false;
    }

    void IReassemblyOutput.OnGap(int stream, long streamOffset, long length, long frame, long timeNs) =>
        Handler?.OnGap(this, DirectionOf(stream), streamOffset, length, frame, timeNs);
}
