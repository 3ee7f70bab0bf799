using FtpTrace.Decoding;
using FtpTrace.Flows;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>
/// The data connections the sessions of one capture expect, looked up when a TCP connection opens
/// (once per connection, never per packet).
/// <list type="bullet">
/// <item><b>Announced</b> channels are filed under their listening endpoint (and, in passive mode
/// behind NAT, the control connection's server address with the announced port). A new connection
/// whose responder (or, without a SYN, either end) is such an endpoint is that channel's data
/// connection, in either direction (passive: the client connects; active: the server does). One
/// connection per announcement; a later announcement of the same endpoint replaces the earlier.</item>
/// <item><b>Awaiting</b> channels (a transfer command sent with no announcement, no connection yet) are filed under the
/// session's two addresses. A connection that matches no announcement, opened with a SYN between
/// those two addresses, on neither end using the control connection's server port, is taken for the
/// oldest such channel: an unannounced data connection.</item>
/// <item><b>Bounds</b>: at most <see cref="MaxEntries"/> channels are filed; the oldest go first, and
/// any filed longer than the connection idle timeout is dropped (its transfer then reports the
/// connection missing).</item>
/// </list>
/// The handler given to a data connection reads nothing but the first payload bytes (to see TLS) and
/// then detaches, so the flow table only counts the connection by sequence numbers; the counts are
/// read when it closes.
/// </summary>
internal sealed class DataChannelTable : IDataChannelRegistry
{
    /// <summary>Channels filed at once, announced and awaiting together.</summary>
    public const int MaxEntries = 65_536;

    private readonly long _timeoutNs;
    // Usually one channel per listening endpoint; several when announcements collide (many clients
    // behind one address, or synthetic traffic): the connecting peer's address then decides.
    private readonly Dictionary<Endpoint, List<DataChannel>> _expected = [];
    private readonly Dictionary<(IpAddress, IpAddress), List<DataChannel>> _awaiting = [];
    private readonly Queue<(DataChannel Channel, long Stamp)> _order = new();
    private long _stamp;
    private int _filed;
    private long _now;

    public DataChannelTable(long timeoutNs) => _timeoutNs = timeoutNs;

    /// <summary>Channels filed now.</summary>
    public int Count => _filed;

    public void Expect(DataChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (channel.Listener is not { } listener || channel.Opened) return;
        var state = StateOf(channel);
        if (state.Expected) Unexpect(channel, state);
        File(listener, channel);
        if (channel.AlternateListener is { } alternate) File(alternate, channel);
        state.Expected = true;
        Enqueue(channel, state);
        if (channel.AnnouncedNs > _now) _now = channel.AnnouncedNs;
    }

    public void Await(DataChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (channel.Opened) return;
        var state = StateOf(channel);
        if (state.Awaiting) return;
        var key = PairKey(channel.Session.Client.Address, channel.Session.Server.Address);
        if (!_awaiting.TryGetValue(key, out var list)) _awaiting[key] = list = [];
        list.Add(channel);
        state.Awaiting = true;
        Enqueue(channel, state);
    }

    public void Forget(DataChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (channel.RegistryState is not State state) return;
        if (state.Expected) Unexpect(channel, state);
        if (state.Awaiting) Unawait(channel, state);
    }

    /// <summary>The channel <paramref name="connection"/> (just opened) belongs to, told it opened; null when none.</summary>
    public DataChannel? Match(TcpConnection connection, IReadOnlySet<ushort> controlPorts)
    {
        if (connection.StartNs > _now) _now = connection.StartNs;
        Expire();
        if (_filed == 0) return null;
        var channel = FindExpected(connection.Server, connection.Client.Address)
            ?? (connection.SawSyn ? null : FindExpected(connection.Client, connection.Server.Address));
        if (channel is not null)
        {
            Forget(channel);
            channel.OnOpened(connection, unannounced: false);
            return channel;
        }
        if (!connection.SawSyn || controlPorts.Contains(connection.Server.Port) || controlPorts.Contains(connection.Client.Port)) return null;
        if (!_awaiting.TryGetValue(PairKey(connection.Client.Address, connection.Server.Address), out var list)) return null;
        foreach (var candidate in list)
        {
            ushort controlPort = candidate.Session.Server.Port;
            if (connection.Server.Port == controlPort || connection.Client.Port == controlPort) continue;
            Forget(candidate);
            candidate.OnOpened(connection, unannounced: true);
            return candidate;
        }
        return null;
    }

    /// <summary>
    /// The channel listening at <paramref name="listener"/> that a connection from <paramref name="peer"/>
    /// belongs to: the one whose session has that address at either end, else the newest announced.
    /// </summary>
    private DataChannel? FindExpected(Endpoint listener, IpAddress peer)
    {
        if (!_expected.TryGetValue(listener, out var list)) return null;
        for (int i = list.Count - 1; i >= 0; i--)
        {
            var session = list[i].Session;
            if (session.Client.Address == peer || session.Server.Address == peer) return list[i];
        }
        return list[^1];
    }

    private void File(Endpoint key, DataChannel channel)
    {
        if (!_expected.TryGetValue(key, out var list)) _expected[key] = list = [];
        if (!list.Contains(channel)) list.Add(channel);
    }

    private void Unexpect(DataChannel channel, State state)
    {
        state.Expected = false;
        Remove(channel.Listener);
        Remove(channel.AlternateListener);
        Unfile(state);

        void Remove(Endpoint? key)
        {
            if (key is { } k && _expected.TryGetValue(k, out var list) && list.Remove(channel) && list.Count == 0) _expected.Remove(k);
        }
    }

    private void Unawait(DataChannel channel, State state)
    {
        state.Awaiting = false;
        var key = PairKey(channel.Session.Client.Address, channel.Session.Server.Address);
        if (_awaiting.TryGetValue(key, out var list))
        {
            list.Remove(channel);
            if (list.Count == 0) _awaiting.Remove(key);
        }
        Unfile(state);
    }

    private void Enqueue(DataChannel channel, State state)
    {
        if (state.Filed) return;
        state.Filed = true;
        state.Stamp = ++_stamp;
        state.SinceNs = _now;
        _filed++;
        _order.Enqueue((channel, state.Stamp));
        while (_filed > MaxEntries) DropOldest();
        // Entries forgotten out of order stay queued until they reach the head; compact when they are
        // more than the filed ones (amortised: at least as many additions between two compactions).
        if (_order.Count > (2 * _filed) + 1024) Compact();
    }

    private void Unfile(State state)
    {
        if (state.Expected || state.Awaiting || !state.Filed) return;
        state.Filed = false;
        _filed--;
    }

    private void Expire()
    {
        while (_order.TryPeek(out var head))
        {
            if (head.Channel.RegistryState is not State s || !s.Filed || s.Stamp != head.Stamp)
            {
                _order.Dequeue();
                continue;
            }
            if (_now - s.SinceNs <= _timeoutNs) break;
            _order.Dequeue();
            Forget(head.Channel);
        }
    }

    private void DropOldest()
    {
        while (_order.TryDequeue(out var head))
        {
            if (head.Channel.RegistryState is State s && s.Filed && s.Stamp == head.Stamp)
            {
                Forget(head.Channel);
                return;
            }
        }
    }

    private void Compact()
    {
        var kept = _order.Where(e => e.Channel.RegistryState is State s && s.Filed && s.Stamp == e.Stamp).ToList();
        _order.Clear();
        foreach (var e in kept) _order.Enqueue(e);
    }

    private static State StateOf(DataChannel channel)
    {
        if (channel.RegistryState is State s) return s;
        s = new State();
        channel.RegistryState = s;
        return s;
    }

    private static (IpAddress, IpAddress) PairKey(IpAddress a, IpAddress b) => a <= b ? (a, b) : (b, a);

    private sealed class State
    {
        public bool Expected;
        public bool Awaiting;
        public bool Filed;
        public long Stamp;
        public long SinceNs;
    }
}

/// <summary>
/// The handler of a data connection: notes whether its first payload is a TLS record, then detaches
/// (the flow table keeps counting it by sequence numbers, holding no byte), and tells the channel at close.
/// </summary>
internal sealed class DataConnectionHandler(DataChannel channel) : ITcpStreamHandler
{
    public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        // A TLS record: content type 20-23, version 3.x.
        if (data.Length >= 3 && data[0] is >= 20 and <= 23 && data[1] == 3 && data[2] <= 4) channel.OnTls();
        return StreamAction.Detach;
    }

    public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs)
    {
    }

    public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs) => channel.OnClosed(connection);
}
