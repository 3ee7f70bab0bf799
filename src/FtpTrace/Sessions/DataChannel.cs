using FtpTrace.Decoding;
using FtpTrace.Flows;

namespace FtpTrace.Sessions;

/// <summary>
/// One data connection of an FTP session, from its announcement (PASV/EPSV/LPSV reply, PORT/EPRT/LPRT
/// command) to its close, or a placeholder for a transfer command sent without any announcement.
/// Created by the session layer, handed to an <see cref="IDataChannelRegistry"/> that watches new TCP
/// connections for it, and told by that registry's stream handler when its connection opens and
/// closes. Holds no byte of the connection: its counts are read from the flow table's
/// <see cref="TcpConnection"/> at close (sequence numbers, retransmissions once).
/// </summary>
public sealed class DataChannel
{
    internal DataChannel(FtpSession session, TransferTracker owner)
    {
        Session = session;
        Owner = owner;
        Mode = "";
    }

    public FtpSession Session { get; }

    /// <summary>PASV, EPSV, LPSV, PORT, EPRT, LPRT; empty for a transfer that had no announcement.</summary>
    public string Mode { get; private set; }

    /// <summary>The endpoint that listens for the data connection (the server's in passive mode, the client's in active mode); null when not announced.</summary>
    public Endpoint? Listener { get; private set; }

    /// <summary>
    /// In passive mode the control connection's server address with the announced port, when the
    /// announced address is another one (NAT): a capture may see the connection to either.
    /// </summary>
    public Endpoint? AlternateListener { get; private set; }

    /// <summary>True when the FTP client opens the data connection (passive modes).</summary>
    public bool ClientConnects { get; private set; }

    /// <summary>Frame and time of the announcement.</summary>
    public long AnnouncedFrame { get; private set; }
    public long AnnouncedNs { get; private set; }

    /// <summary>The TCP connection number (like a session id) of the data connection once it appeared.</summary>
    public long? ConnectionId { get; private set; }

    /// <summary>True when the connection matched no announcement but was taken for this channel (see <see cref="IDataChannelRegistry.Await"/>).</summary>
    public bool Unannounced { get; private set; }

    public Endpoint? DataClient { get; private set; }
    public Endpoint? DataServer { get; private set; }
    public long StartNs { get; private set; }
    public long EndNs { get; private set; }
    public long FirstFrame { get; private set; }

    /// <summary>Payload bytes by sequence numbers, both directions, including <see cref="MissingBytes"/>.</summary>
    public long Bytes { get; private set; }

    /// <summary>Bytes that crossed but were not captured (gaps), both directions.</summary>
    public long MissingBytes { get; private set; }

    /// <summary>The connection's first payload looked like a TLS record.</summary>
    public bool TlsSeen { get; private set; }

    public bool Opened => ConnectionId is not null;
    public bool Closed { get; private set; }

    // ---- registry bookkeeping (owned by the registry implementation) -------------------------

    /// <summary>Free for the registry to keep its own state (table membership, insertion time).</summary>
    public object? RegistryState { get; set; }

    internal TransferTracker Owner { get; }
    internal Transfer? Transfer { get; set; }

    internal void Announce(string mode, Endpoint listener, Endpoint? alternate, bool clientConnects, long frame, long timeNs)
    {
        Mode = mode;
        Listener = listener;
        AlternateListener = alternate;
        ClientConnects = clientConnects;
        AnnouncedFrame = frame;
        AnnouncedNs = timeNs;
    }

    /// <summary>The registry matched <paramref name="connection"/> to this channel (at its first packet).</summary>
    public void OnOpened(TcpConnection connection, bool unannounced)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Opened) return;
        ConnectionId = connection.Id;
        Unannounced = unannounced;
        StartNs = connection.StartNs;
        EndNs = connection.StartNs;
        FirstFrame = connection.FirstFrame;
        // Which TCP side is the FTP client: the listener says it when the connection was announced.
        bool tcpClientIsFtpClient;
        if (Listener is { } l && (connection.Server == l || connection.Server == AlternateListener)) tcpClientIsFtpClient = ClientConnects;
        else if (Listener is { } l2 && (connection.Client == l2 || connection.Client == AlternateListener)) tcpClientIsFtpClient = !ClientConnects;
        else
        {
            // Unannounced: the side on the FTP client's address is the client's end; when both hosts
            // share an address (loopback), the opener is the client unless it sits on port 20 (the
            // server's default data port, active mode).
            var ftpClient = Session.Client.Address;
            tcpClientIsFtpClient = ftpClient != Session.Server.Address
                ? connection.Client.Address == ftpClient
                : connection.Client.Port != 20;
        }
        DataClient = tcpClientIsFtpClient ? connection.Client : connection.Server;
        DataServer = tcpClientIsFtpClient ? connection.Server : connection.Client;
        Owner.OnChannelOpened(this, connection);
    }

    /// <summary>The connection's first payload is a TLS record.</summary>
    public void OnTls() => TlsSeen = true;

    /// <summary>The connection closed: its counts are final.</summary>
    public void OnClosed(TcpConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Closed) return;
        Closed = true;
        EndNs = connection.LastNs;
        MissingBytes = connection.GapBytesClientToServer + connection.GapBytesServerToClient;
        Bytes = connection.BytesClientToServer + connection.BytesServerToClient + MissingBytes;
        Owner.OnChannelClosed(this);
    }

    public override string ToString() => $"{Mode} {Listener}";
}

/// <summary>
/// Watches the TCP connections of one capture for the data connections the sessions announce.
/// Implemented by the analysis stage (it sees connections open); the session layer only feeds it.
/// </summary>
public interface IDataChannelRegistry
{
    /// <summary>
    /// <paramref name="channel"/> was announced: the next connection to its <see cref="DataChannel.Listener"/>
    /// (or <see cref="DataChannel.AlternateListener"/>) is its data connection.
    /// </summary>
    void Expect(DataChannel channel);

    /// <summary>
    /// A transfer command waits for <paramref name="channel"/>'s connection: a new connection between
    /// the session's two hosts that no announcement predicts may be taken for it (unannounced).
    /// </summary>
    void Await(DataChannel channel);

    /// <summary>The channel no longer waits for a connection (it got one, was refused or replaced, or its transfer ended).</summary>
    void Forget(DataChannel channel);
}
