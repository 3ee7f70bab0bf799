using FtpTrace.Decoding;

namespace FtpTrace.Flows;

/// <summary>
/// One TCP connection: its endpoints, roles, timing and byte counts. Created and owned by the
/// <c>FlowTable</c>; later stages read it and may attach their own state to <see cref="Handler"/>.
/// </summary>
public sealed class TcpConnection
{
    public TcpConnection(long id, Endpoint client, Endpoint server, RoleEvidence evidence, long firstFrame, long startNs)
    {
        Id = id;
        Client = client;
        Server = server;
        RoleEvidence = evidence;
        FirstFrame = firstFrame;
        StartNs = startNs;
        LastNs = startNs;
        LastFrame = firstFrame;
    }

    /// <summary>1-based number of the connection within its capture, in order of first packet (like tshark's tcp.stream + 1).</summary>
    public long Id { get; }

    public Endpoint Client { get; private set; }
    public Endpoint Server { get; private set; }
    public RoleEvidence RoleEvidence { get; private set; }

    public long FirstFrame { get; }
    public long StartNs { get; }
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
}
