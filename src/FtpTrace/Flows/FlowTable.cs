using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Reassembly;

namespace FtpTrace.Flows;

/// <summary>
/// Tracks the TCP connections of one capture and drives the reassembly of their byte streams.
/// Layering: Decoding -> Reassembly (ordering one direction: <see cref="TcpStreamReassembler"/>) ->
/// Flows (connections, roles, lifetimes; this table drives two reassemblers per connection, the
/// <see cref="TcpConnection"/> being their output) -> handlers (<see cref="ITcpStreamHandler"/>).
/// Reassembly knows nothing of this stage.
/// <list type="bullet">
/// <item><b>Lookup</b> by the 4-tuple in either direction (<see cref="FlowIndex"/>: open addressing, one
/// symmetric hash per packet), no allocation per packet except when a connection is created.
/// Connection ids are 1, 2, 3 ... in order of first packet.</item>
/// <item><b>Roles</b>: the SYN sender is the client and a SYN+ACK sender the server
/// (<see cref="RoleEvidence.Handshake"/>); without a handshake the side on a configured server port,
/// else on a port below 1024, is the server (<see cref="RoleEvidence.WellKnownPort"/>); otherwise the
/// sender of the first packet is the client (<see cref="RoleEvidence.FirstSpeaker"/>). Directions
/// follow <see cref="TcpConnection.SwapRoles"/> at any time.</item>
/// <item><b>New connection on a known 4-tuple</b>: a SYN (without ACK) on a finished connection
/// (FIN both ways, RST, lingering), or with an ISN other than the one seen, or on a connection that
/// saw no handshake, starts a new connection (the old one closed with <see cref="CloseReason.Replaced"/>).
/// A SYN with the same ISN is a retransmission; a SYN that matches an earlier SYN+ACK completes it.</item>
/// <item><b>Release</b>: a connection closed by FIN both ways or RST lingers
/// <see cref="FtpTraceLimits.ClosedConnectionLingerNs"/> (late packets are absorbed and counted, a new
/// SYN replaces it), then is dropped. A connection idle longer than
/// <see cref="FtpTraceLimits.ConnectionIdleTimeoutNs"/> is flushed and closed
/// (<see cref="CloseReason.IdleTimeout"/>; <see cref="AnomalyKind.ConnectionTimeout"/> when bytes were still pending).
/// At most <see cref="FtpTraceLimits.MaxConnections"/> are held: lingering ones go first, then the
/// least recently active live one is evicted (<see cref="CloseReason.Evicted"/>, <see cref="AnomalyKind.ConnectionEvicted"/>).
/// Live connections sit on an intrusive LRU list and closed ones on a FIFO, so expiry only looks at
/// the list heads, and only once capture time (the latest timestamp seen) reaches the earliest
/// deadline they may hold (kept as a lower bound): one comparison per packet otherwise.</item>
/// <item><b>Reassembly</b>: <see cref="ITcpStreamObserver.OnConnectionOpened"/> is called once per
/// connection; a null handler, or <see cref="StreamAction.Detach"/>, leaves the connection counted
/// by sequence numbers only (see <see cref="TcpStreamReassembler"/> for the stream policies).
/// <see cref="ITcpStreamHandler.OnClosed"/> is called once at close, also after a detach.</item>
/// <item><b>Opening</b>: a segment on an untracked 4-tuple opens a connection only when it carries a
/// SYN or payload; a bare ACK, FIN or RST is counted (<see cref="PacketsWithoutConnection"/>) and
/// ignored, so the last ACK of a connection already dropped does not open an empty one. A connection
/// opened without SYN (joined mid-stream: <see cref="TcpConnection.SawSyn"/> false) is not reported
/// here: the consumer knows whether it matters (the FTP layer reports
/// <see cref="AnomalyKind.MidstreamJoin"/> for FTP sessions only). Stream offsets then count from the
/// first sequence number seen.</item>
/// <item><b>Recycling</b> (<see cref="RecycleConnections"/>): a connection that has left the table for
/// good (closed, its linger over, or dropped) is kept, with its two reassemblers, and reused for a
/// later connection, so the objects of tens of thousands of short connections are not left for the
/// GC to promote and collect one by one. Consumers then must not keep a <see cref="TcpConnection"/>
/// past <see cref="ITcpStreamHandler.OnClosed"/> (read what they need there).</item>
/// <item><b>Anomalies</b> about stream content (gaps, overlaps, buffer limits, snaplen cuts) are
/// reported only for reassembled connections; evictions for every connection.</item>
/// </list>
/// </summary>
public sealed class FlowTable
{
    private readonly FtpTraceLimits _limits;
    private readonly ITcpStreamObserver _observer;
    private readonly IAnomalySink _anomalies;
    private readonly IReadOnlySet<ushort>? _serverPorts;
    private readonly FlowIndex _table = new();
    private readonly SlotLinks _links = new();
    private readonly ConnectionList _live;
    private readonly ConnectionList _lingering;
    private readonly ReassemblyContext _context;
    private readonly ReassemblyCounters _counters;
    private readonly Stack<TcpConnection> _spare = new();
    private long _now = long.MinValue;

    /// <summary>
    /// Left connections kept for reuse at most: enough for the steady churn of a busy capture (closes
    /// and opens follow each other), few enough that a burst of closes holds little memory.
    /// </summary>
    private const int MaxSpareConnections = 1024;
    /// <summary>No connection expires before this capture time (a lower bound; <see cref="Expire"/> makes it exact).</summary>
    private long _nextDeadline = long.MaxValue;

    /// <param name="limits">Connection and buffer limits.</param>
    /// <param name="observer">Told about each new connection; decides whether its bytes are reassembled.</param>
    /// <param name="anomalies">Receives every irregularity.</param>
    /// <param name="serverPorts">Extra ports known to be servers (e.g. FTP on a non-standard port); ports below 1024 always count.</param>
    public FlowTable(FtpTraceLimits limits, ITcpStreamObserver observer, IAnomalySink anomalies, IReadOnlySet<ushort>? serverPorts = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(anomalies);
        _limits = limits;
        _observer = observer;
        _anomalies = anomalies;
        _serverPorts = serverPorts;
        _context = new ReassemblyContext(limits, anomalies);
        _live = new ConnectionList(_links, SlotLinks.LiveSentinel);
        _lingering = new ConnectionList(_links, SlotLinks.LingeringSentinel);
        _counters = _context.Counters;
    }

    /// <summary>
    /// Reuse the objects of connections that left the table (see the class summary). Off by default:
    /// a consumer that keeps <see cref="TcpConnection"/> objects after their close must leave it off.
    /// </summary>
    public bool RecycleConnections { get; init; }

    /// <summary>TCP segments processed.</summary>
    public long Packets { get; private set; }

    /// <summary>Connections created (the last id given).</summary>
    public long ConnectionsCreated { get; private set; }

    /// <summary>Live (not closed) connections held now.</summary>
    public int ActiveConnections => _live.Count;

    /// <summary>Connections held now, live and lingering after close; never above <see cref="FtpTraceLimits.MaxConnections"/>.</summary>
    public int TrackedConnections => _table.Count;

    /// <summary>Highest <see cref="TrackedConnections"/> reached.</summary>
    public int PeakTrackedConnections { get; private set; }

    /// <summary>Live connections evicted because the table was full.</summary>
    public long Evicted { get; private set; }

    /// <summary>Connections closed after the idle timeout.</summary>
    public long TimedOut { get; private set; }

    /// <summary>Connections ended by a new SYN on their 4-tuple.</summary>
    public long Replaced { get; private set; }

    /// <summary>Segments without SYN and without payload on a 4-tuple not tracked (bare ACK, FIN or RST): ignored, no connection opened.</summary>
    public long PacketsWithoutConnection { get; private set; }

    /// <summary>Packets on a closed (lingering) connection: absorbed, not reassembled.</summary>
    public long PacketsAfterClose { get; private set; }

    /// <summary>Segments whose bytes had all been received already.</summary>
    public long RetransmittedSegments => _counters.RetransmittedSegments;

    /// <summary>Bytes announced beyond the FIN of their direction (dropped).</summary>
    public long BytesAfterFin => _counters.BytesAfterFin;

    /// <summary>Bytes before the first byte of a stream joined mid-stream (dropped).</summary>
    public long BytesBeforeStart => _counters.BytesBeforeStart;

    /// <summary>Gaps declared, on every connection (reassembled or only counted).</summary>
    public long Gaps => _counters.Gaps;

    public long GapBytes => _counters.GapBytes;

    public long ConflictingOverlaps => _counters.ConflictingOverlaps;

    public long BufferLimitHits => _counters.BufferLimitHits;

    /// <summary>Handles one TCP segment. <paramref name="segment"/>'s payload is only read during the call.</summary>
    public void Process(ref TcpSegment segment)
    {
        Packets++;
        if (segment.TimestampNs > _now) _now = segment.TimestampNs;
        if (_now >= _nextDeadline) Expire();

        uint hash = FlowIndex.Hash(segment.Source, segment.Destination);
        bool pureSyn = (segment.Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;
        TcpConnection? connection = _table.Find(hash, segment.Source, segment.Destination);
        if (connection is null)
        {
            if (!segment.Has(TcpFlags.Syn) && segment.PayloadLength == 0 && segment.Payload.IsEmpty)
            {
                // A bare ACK, FIN or RST tells nothing about a connection not tracked (often the last
                // ACK of one dropped after its close): it does not open one.
                PacketsWithoutConnection++;
                return;
            }
            connection = Open(ref segment, hash);
        }
        else if (connection.Closed is not null)
        {
            if (!pureSyn)
            {
                connection.Packets++;
                connection.LastFrame = segment.Frame;
                connection.LastNs = segment.TimestampNs;
                PacketsAfterClose++;
                return;
            }
            _lingering.Remove(connection);
            Forget(connection);
            Replaced++;
            connection = Open(ref segment, hash);
        }
        else if (pureSyn && StartsNewConnection(connection, connection.SideOf(segment.Source), segment.Sequence))
        {
            FlushStreams(connection, segment.Frame, segment.TimestampNs);
            Close(connection, CloseReason.Replaced, segment.Frame, segment.TimestampNs, linger: false);
            Replaced++;
            connection = Open(ref segment, hash);
        }

        int side = connection.SideOf(segment.Source);
        connection.Packets++;
        connection.LastFrame = segment.Frame;
        connection.LastNs = segment.TimestampNs;
        connection.TouchNs = _now;
        if (segment.Has(TcpFlags.Syn)) connection.SawSyn = true;
        _live.MoveToTail(connection);

        TcpStreamReassembler stream = connection.StreamOf(side);
        TcpStreamReassembler peer = connection.StreamOf(1 - side);
        if (segment.Has(TcpFlags.Rst))
        {
            FlushStreams(connection, segment.Frame, segment.TimestampNs);
            Close(connection, CloseReason.Reset, segment.Frame, segment.TimestampNs, linger: true);
            return;
        }
        // The peer's bytes this segment acknowledges were sent before it: settle them first (a hole the
        // ACK proves lost becomes a gap and the peer's buffered bytes flow), then this segment's own bytes,
        // so the two directions reach the FTP layer in the order they were sent.
        if (segment.Has(TcpFlags.Ack)) peer.OnPeerAck(segment.Acknowledgment, segment.Frame, segment.TimestampNs);
        stream.OnSegment(ref segment);
        if (stream.FinSeen && peer.FinSeen)
        {
            FlushStreams(connection, segment.Frame, segment.TimestampNs);
            Close(connection, CloseReason.Fin, segment.Frame, segment.TimestampNs, linger: true);
        }
    }

    /// <summary>How many packets ahead of the one being processed <see cref="Prefetch"/> begins.</summary>
    internal const int PrefetchDistance = 5;

    /// <summary>
    /// Prefetching for a packet whose 4-tuple has the flow hash <paramref name="hash"/>
    /// (<see cref="FlowIndex.Hash"/>) and that comes <paramref name="ahead"/> packets later
    /// (<see cref="PrefetchDistance"/>, then one less as it approaches): first the index slot, then the
    /// connection filed under the hash (kept in <paramref name="guess"/> for the later stages), then its
    /// two reassemblers and handler, then (through <see cref="ITcpStreamHandler.PrefetchState"/>) what
    /// the handler will touch, two levels deep; each stage reads only what the one before brought in.
    /// Hints only (see <see cref="CachePrefetch"/>): nothing changes, a wrong or stale guess costs nothing.
    /// </summary>
    internal void Prefetch(uint hash, int ahead, ref TcpConnection? guess)
    {
        switch (ahead)
        {
            case >= 5:
                _table.PrefetchSlot(hash);
                break;
            case 4:
                guess = _table.FirstWithHash(hash);
                CachePrefetch.Object(guess, 4);
                break;
            case 3:
                if (guess is { } c)
                {
                    CachePrefetch.Object(c.InitiatorStream, 4);
                    CachePrefetch.Object(c.ResponderStream, 4);
                    CachePrefetch.Object(c.Handler, 2);
                }
                break;
            default:
                guess?.Handler?.PrefetchState(ahead);
                break;
        }
    }

    /// <summary>
    /// The capture ended at <paramref name="timeNs"/>: connections idle past the timeout close as
    /// such, every other live one is flushed and closed (<see cref="CloseReason.EndOfCapture"/>, in id
    /// order), and the table is emptied.
    /// </summary>
    public void Finish(long timeNs)
    {
        if (timeNs > _now) _now = timeNs;
        Expire();
        var remaining = new List<TcpConnection>(_live.Count);
        for (TcpConnection? c = _live.Head; c is not null; c = _live.Next(c)) remaining.Add(c);
        remaining.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        foreach (TcpConnection c in remaining)
        {
            FlushStreams(c, c.LastFrame, timeNs);
            Close(c, CloseReason.EndOfCapture, c.LastFrame, timeNs, linger: false);
        }
        while (_lingering.Head is { } closed)
        {
            _lingering.Remove(closed);
            Forget(closed);
        }
    }

    private TcpConnection Open(ref TcpSegment segment, uint hash)
    {
        while (_table.Count >= Math.Max(1, _limits.MaxConnections)) MakeRoom();

        bool syn = segment.Has(TcpFlags.Syn);
        bool ack = segment.Has(TcpFlags.Ack);
        bool sourceIsClient;
        RoleEvidence evidence;
        if (syn)
        {
            sourceIsClient = !ack;
            evidence = RoleEvidence.Handshake;
        }
        else
        {
            int sourceScore = PortScore(segment.Source.Port);
            int destinationScore = PortScore(segment.Destination.Port);
            sourceIsClient = sourceScore <= destinationScore;
            evidence = sourceScore == destinationScore ? RoleEvidence.FirstSpeaker : RoleEvidence.WellKnownPort;
        }

        Endpoint client = sourceIsClient ? segment.Source : segment.Destination;
        Endpoint server = sourceIsClient ? segment.Destination : segment.Source;
        TcpConnection connection;
        if (_spare.TryPop(out var reused))
        {
            connection = reused;
            connection.Reset(++ConnectionsCreated, client, server, evidence, segment.Frame, segment.TimestampNs);
        }
        else
        {
            connection = new TcpConnection(++ConnectionsCreated, client, server, evidence, segment.Frame, segment.TimestampNs);
            connection.InitiatorStream = new TcpStreamReassembler(connection, 0, _context);
            connection.ResponderStream = new TcpStreamReassembler(connection, 1, _context);
        }
        connection.FlowHash = hash;
        connection.SawSyn = syn;
        _table.Add(connection);
        connection.Slot = _links.Allocate(connection);
        if (_table.Count > PeakTrackedConnections) PeakTrackedConnections = _table.Count;
        connection.TouchNs = _now;
        _live.AddTail(connection);
        NoteDeadline(IdleDeadline(connection));

        ITcpStreamHandler? handler = _observer.OnConnectionOpened(connection);
        connection.Handler = handler;
        connection.Reassembling = handler is not null;
        return connection;
    }

    /// <summary>Configured server ports rank above well-known ports (&lt; 1024), which rank above the rest.</summary>
    private int PortScore(ushort port) =>
        _serverPorts is not null && _serverPorts.Contains(port) ? 2 : port < 1024 ? 1 : 0;

    /// <summary>Whether a SYN (without ACK) from <paramref name="side"/> on a live connection begins a new one.</summary>
    private static bool StartsNewConnection(TcpConnection connection, int side, uint sequence)
    {
        TcpStreamReassembler own = connection.StreamOf(side);
        if (own.SawSyn) return own.InitialSequence != sequence;
        TcpStreamReassembler other = connection.StreamOf(1 - side);
        // The SYN+ACK was captured before its SYN: same handshake.
        return !(other.SawSynAck && other.SynAckAcknowledgment == unchecked(sequence + 1));
    }

    private void MakeRoom()
    {
        if (_lingering.Head is { } closed)
        {
            _lingering.Remove(closed);
            Forget(closed);
            return;
        }
        TcpConnection victim = _live.Head!;
        Evicted++;
        _anomalies.Report(new Anomaly(AnomalyKind.ConnectionEvicted, victim.LastFrame, _now, victim.Id,
            $"{victim}: evicted, {_limits.MaxConnections} connections tracked (least recently active goes first)"));
        FlushStreams(victim, victim.LastFrame, _now);
        Close(victim, CloseReason.Evicted, victim.LastFrame, _now, linger: false);
    }

    /// <summary>The first capture time at which <paramref name="connection"/> (live) counts as idle past the timeout.</summary>
    private long IdleDeadline(TcpConnection connection) => AddSaturating(AddSaturating(connection.TouchNs, _limits.ConnectionIdleTimeoutNs), 1);

    private static long AddSaturating(long a, long b) =>
        b > 0 && a > long.MaxValue - b ? long.MaxValue : b < 0 && a < long.MinValue - b ? long.MinValue : a + b;

    private void NoteDeadline(long deadline)
    {
        if (deadline < _nextDeadline) _nextDeadline = deadline;
    }

    /// <summary>Drops lingering connections whose time is up and closes live ones idle past the timeout.</summary>
    private void Expire()
    {
        while (_lingering.Head is { } closed && closed.TouchNs <= _now)
        {
            _lingering.Remove(closed);
            Forget(closed);
        }
        while (_live.Head is { } idle && _now - idle.TouchNs > _limits.ConnectionIdleTimeoutNs)
        {
            TimedOut++;
            bool pending = idle.StreamOf(0).HasPending || idle.StreamOf(1).HasPending;
            if (pending && idle.Reassembling)
            {
                _anomalies.Report(new Anomaly(AnomalyKind.ConnectionTimeout, idle.LastFrame, _now, idle.Id,
                    $"{idle}: idle for more than {_limits.ConnectionIdleTimeoutNs / 1_000_000_000} s with bytes still waiting for missing segments"));
            }
            FlushStreams(idle, idle.LastFrame, _now);
            Close(idle, CloseReason.IdleTimeout, idle.LastFrame, _now, linger: false);
        }
        _nextDeadline = long.MaxValue;
        if (_lingering.Head is { } first) NoteDeadline(first.TouchNs);
        if (_live.Head is { } oldest) NoteDeadline(IdleDeadline(oldest));
    }

    private static void FlushStreams(TcpConnection connection, long frame, long timeNs)
    {
        connection.StreamOf(0).Flush(frame, timeNs);
        connection.StreamOf(1).Flush(frame, timeNs);
    }

    private void Close(TcpConnection connection, CloseReason reason, long frame, long timeNs, bool linger)
    {
        _live.Remove(connection);
        connection.Closed = reason;
        connection.Handler?.OnClosed(connection, reason, frame, timeNs);
        connection.Reassembling = false;
        connection.StreamOf(0).Release();
        connection.StreamOf(1).Release();
        if (linger)
        {
            connection.TouchNs = AddSaturating(_now, _limits.ClosedConnectionLingerNs);
            _lingering.AddTail(connection);
            NoteDeadline(connection.TouchNs);
        }
        else
        {
            Forget(connection);
        }
    }

    /// <summary>Takes a connection (already off its list) out of the table for good.</summary>
    private void Forget(TcpConnection connection)
    {
        _table.Remove(connection);
        _links.Release(connection.Slot);
        if (RecycleConnections && _spare.Count < MaxSpareConnections)
        {
            connection.Handler = null;
            _spare.Push(connection);
        }
    }

    /// <summary>
    /// The links of the connection lists, in int arrays indexed by <see cref="TcpConnection.Slot"/>
    /// rather than in the connections: moving a connection to the tail of the LRU list (every packet)
    /// writes a few ints in arrays that stay in cache, no neighbouring connection is touched and no
    /// GC write barrier runs. Each list is circular around a sentinel slot (0: live, 1: lingering);
    /// freed slots are reused.
    /// </summary>
    private sealed class SlotLinks
    {
        public const int LiveSentinel = 0;
        public const int LingeringSentinel = 1;

        private int[] _previous = new int[1024];
        private int[] _next = new int[1024];
        private TcpConnection?[] _owners = new TcpConnection?[1024];
        private int _used = 2;
        private int _free = -1;

        public SlotLinks()
        {
            _previous[LiveSentinel] = _next[LiveSentinel] = LiveSentinel;
            _previous[LingeringSentinel] = _next[LingeringSentinel] = LingeringSentinel;
        }

        public int[] Previous => _previous;
        public int[] Following => _next;
        public TcpConnection? Owner(int slot) => _owners[slot];

        public int Allocate(TcpConnection connection)
        {
            int slot;
            if (_free >= 0)
            {
                slot = _free;
                _free = _next[slot];
            }
            else
            {
                if (_used == _owners.Length)
                {
                    Array.Resize(ref _previous, _used * 2);
                    Array.Resize(ref _next, _used * 2);
                    Array.Resize(ref _owners, _used * 2);
                }
                slot = _used++;
            }
            _owners[slot] = connection;
            _previous[slot] = _next[slot] = slot;
            return slot;
        }

        public void Release(int slot)
        {
            _owners[slot] = null;
            _next[slot] = _free;
            _free = slot;
        }
    }

    /// <summary>A doubly linked list of connections over <see cref="SlotLinks"/>.</summary>
    private sealed class ConnectionList(SlotLinks links, int sentinel)
    {
        public int Count { get; private set; }

        public TcpConnection? Head => links.Owner(links.Following[sentinel]);

        public TcpConnection? Next(TcpConnection connection) => links.Owner(links.Following[connection.Slot]);

        public void AddTail(TcpConnection connection) => Link(connection.Slot);

        public void Remove(TcpConnection connection)
        {
            Unlink(connection.Slot);
            Count--;
        }

        public void MoveToTail(TcpConnection connection)
        {
            int slot = connection.Slot;
            if (links.Previous[sentinel] == slot) return;
            Unlink(slot);
            Count--;
            Link(slot);
        }

        private void Link(int slot)
        {
            int[] previous = links.Previous, next = links.Following;
            int tail = previous[sentinel];
            next[tail] = slot;
            previous[slot] = tail;
            next[slot] = sentinel;
            previous[sentinel] = slot;
            Count++;
        }

        private void Unlink(int slot)
        {
            int[] previous = links.Previous, next = links.Following;
            int before = previous[slot], after = next[slot];
            next[before] = after;
            previous[after] = before;
            previous[slot] = next[slot] = slot;
        }
    }
}
