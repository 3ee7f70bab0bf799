using System.Net;
using System.Net.Sockets;
using System.Text;
using FtpTrace.Decoding;

namespace FtpTrace.Tests.TestSupport;

/// <summary>The two ends of a crafted TCP conversation.</summary>
public enum Side
{
    Client,
    Server,
}

/// <summary>
/// How one segment is turned into frames: link type and its extras, IP/TCP options, IPv6 extension
/// headers, and IP fragmentation. <see cref="TcpConversationBuilder.Defaults"/> applies to every
/// segment without its own.
/// </summary>
public sealed record FrameOptions
{
    /// <summary>The LINKTYPE_ value (Ethernet by default). A conversation with several link types is written as pcapng.</summary>
    public int LinkType { get; init; } = (int)FtpTrace.Capture.LinkType.Ethernet;

    /// <summary>VLAN tags (Ethernet, SLL, SLL2), outermost first.</summary>
    public IReadOnlyList<VlanTag>? VlanTags { get; init; }

    /// <summary>IPv4 options (padded to 4 bytes).</summary>
    public byte[]? Ipv4Options { get; init; }

    /// <summary>TCP options (padded to 4 bytes).</summary>
    public byte[]? TcpOptions { get; init; }

    /// <summary>IPv6 extension headers (IPv6 endpoints only).</summary>
    public IReadOnlyList<Ipv6Extension>? Ipv6Extensions { get; init; }

    /// <summary>BSD NULL header in big-endian byte order.</summary>
    public bool NullBigEndian { get; init; }

    /// <summary>
    /// When set, the IP packet is sent as fragments of at most this many payload bytes (a multiple of
    /// 8). IPv4; IPv6 (with a Fragment header) when there are no other extension headers.
    /// </summary>
    public int? FragmentPayloadBytes { get; init; }

    /// <summary>The order the fragments are written in (a permutation of 0..n-1); in order when null.</summary>
    public IReadOnlyList<int>? FragmentOrder { get; init; }
}

/// <summary>
/// One TCP segment of a crafted conversation. Everything is mutable so a test can bend it
/// (different bytes, other flags, a cut by the snapshot length...) before <see cref="TcpConversationBuilder.Build"/>.
/// </summary>
public sealed class ConversationSegment
{
    internal ConversationSegment(Side from, uint sequence, uint acknowledgment, TcpFlags flags, byte[] payload, long streamOffset)
    {
        From = from;
        Sequence = sequence;
        Acknowledgment = acknowledgment;
        Flags = flags;
        Payload = payload;
        StreamOffset = streamOffset;
    }

    public Side From { get; set; }
    public uint Sequence { get; set; }
    public uint Acknowledgment { get; set; }
    public TcpFlags Flags { get; set; }
    public byte[] Payload { get; set; }

    /// <summary>Stream offset of the first payload byte in its direction (0 = first byte after the SYN); informative.</summary>
    public long StreamOffset { get; }

    /// <summary>Not written to the capture (a segment lost before the capture point). Its sequence space stays used.</summary>
    public bool Dropped { get; set; }

    /// <summary>When set, only this many payload bytes are captured (the snapshot length cut the frame); the wire length stays whole.</summary>
    public int? CapturedPayloadBytes { get; set; }

    /// <summary>This segment's frame options; <see cref="TcpConversationBuilder.Defaults"/> when null.</summary>
    public FrameOptions? Options { get; set; }

    /// <summary>Capture time of its (first) frame; the builder's clock (previous frame + step) when null.</summary>
    public long? TimeNs { get; set; }

    /// <summary>After <see cref="TcpConversationBuilder.Build"/>: the 1-based numbers of the frames that carry it (several when fragmented); empty when dropped.</summary>
    public IReadOnlyList<long> Frames { get; internal set; } = [];

    /// <summary>After build: the frame the pipeline sees the segment in (the last fragment for a fragmented one).</summary>
    public long Frame => Frames.Count == 0 ? 0 : Frames.Max();

    /// <summary>After build: the capture time of <see cref="Frame"/>.</summary>
    public long FrameTimeNs { get; internal set; }

    public override string ToString() =>
        $"{From} seq={Sequence} ack={Acknowledgment} {Flags} len={Payload.Length}{(Dropped ? " dropped" : "")}";
}

/// <summary>
/// Builds a TCP conversation between one client and one server as capture frames, for end-to-end
/// tests of the whole pipeline. Sequence and acknowledgment numbers are kept automatically: each
/// side's next sequence number advances with what it sends (SYN and FIN count one), and every
/// segment after the handshake carries ACK of everything the peer has sent so far (dropped segments
/// included: "the ACK past the gap"). Skip <see cref="Handshake"/> for a connection joined mid-stream.
/// </summary>
/// <remarks>
/// <para>Knobs: <see cref="Send(Side, byte[], int[])"/> splits a payload at given offsets into several
/// segments; <see cref="Reorder"/> permutes segments in the file; <see cref="Retransmit"/> sends a
/// segment again (the same or other bytes); <see cref="At"/> sends arbitrary bytes at any stream
/// offset without advancing the sequence (overlaps); <see cref="ConversationSegment.Dropped"/> leaves a
/// segment out of the capture; <see cref="ConversationSegment.CapturedPayloadBytes"/> cuts a frame by the
/// snapshot length; <see cref="Fin"/>, <see cref="Rst"/>; ISNs near 2^32 for wraparound;
/// <see cref="FrameOptions"/> (per segment or <see cref="Defaults"/>) chooses link type, VLAN tags,
/// IPv6 extension headers and fragmentation. IPv4 or IPv6 follows the endpoints' address family.</para>
/// <para>Frames are numbered from 1 in file order; times advance by <see cref="StepNs"/> per segment
/// (fragments of one segment 1 µs apart) unless a segment has its own <see cref="ConversationSegment.TimeNs"/>.
/// Several builders can be merged into one capture with <see cref="Interleave"/>.</para>
/// </remarks>
public sealed class TcpConversationBuilder
{
    private static int s_ipId;

    private readonly List<ConversationSegment> _segments = [];
    private uint _clientNext;
    private uint _serverNext;
    private long _clientOffset;
    private long _serverOffset;

    /// <param name="client">The client endpoint.</param>
    /// <param name="server">The server endpoint (same address family).</param>
    /// <param name="clientIsn">The client's initial sequence number: its first data byte is ISN + 1.</param>
    /// <param name="serverIsn">The server's initial sequence number.</param>
    public TcpConversationBuilder(IPEndPoint client, IPEndPoint server, uint clientIsn = 1000, uint serverIsn = 5000)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        if (client.AddressFamily != server.AddressFamily) throw new ArgumentException("client and server must be of the same address family", nameof(server));
        ClientEndpoint = client;
        ServerEndpoint = server;
        ClientIsn = clientIsn;
        ServerIsn = serverIsn;
        _clientNext = unchecked(clientIsn + 1);
        _serverNext = unchecked(serverIsn + 1);
    }

    /// <summary>10.0.0.1:50000 to 10.0.0.2:<paramref name="serverPort"/>.</summary>
    public static TcpConversationBuilder Ipv4(ushort serverPort = 21, ushort clientPort = 50000, uint clientIsn = 1000, uint serverIsn = 5000,
        string clientAddress = "10.0.0.1", string serverAddress = "10.0.0.2") =>
        new(new IPEndPoint(IPAddress.Parse(clientAddress), clientPort), new IPEndPoint(IPAddress.Parse(serverAddress), serverPort), clientIsn, serverIsn);

    /// <summary>[2001:db8::1]:50000 to [2001:db8::2]:<paramref name="serverPort"/>.</summary>
    public static TcpConversationBuilder Ipv6(ushort serverPort = 21, ushort clientPort = 50000, uint clientIsn = 1000, uint serverIsn = 5000) =>
        new(new IPEndPoint(IPAddress.Parse("2001:db8::1"), clientPort), new IPEndPoint(IPAddress.Parse("2001:db8::2"), serverPort), clientIsn, serverIsn);

    public IPEndPoint ClientEndpoint { get; }
    public IPEndPoint ServerEndpoint { get; }
    public uint ClientIsn { get; }
    public uint ServerIsn { get; }

    /// <summary>Frame options of every segment that has none of its own.</summary>
    public FrameOptions Defaults { get; set; } = new();

    /// <summary>Time of the first frame, ns since the Unix epoch.</summary>
    public long StartNs { get; set; } = 1_700_000_000L * 1_000_000_000;

    /// <summary>Time between consecutive segments.</summary>
    public long StepNs { get; set; } = 1_000_000;

    /// <summary>The segments in file order. Tests may reorder, insert or remove freely.</summary>
    public List<ConversationSegment> Segments => _segments;

    /// <summary>The next sequence number <paramref name="side"/> will send.</summary>
    public uint NextSequence(Side side) => side == Side.Client ? _clientNext : _serverNext;

    /// <summary>The stream offset of the next byte <paramref name="side"/> will send.</summary>
    public long NextOffset(Side side) => side == Side.Client ? _clientOffset : _serverOffset;

    /// <summary>SYN, SYN+ACK, ACK with the ISNs given at construction.</summary>
    public TcpConversationBuilder Handshake()
    {
        _segments.Add(new ConversationSegment(Side.Client, ClientIsn, 0, TcpFlags.Syn, [], 0));
        _segments.Add(new ConversationSegment(Side.Server, ServerIsn, unchecked(ClientIsn + 1), TcpFlags.Syn | TcpFlags.Ack, [], 0));
        _segments.Add(new ConversationSegment(Side.Client, _clientNext, _serverNext, TcpFlags.Ack, [], 0));
        return this;
    }

    /// <summary>Only a SYN from the client (e.g. a flood of unanswered SYNs).</summary>
    public ConversationSegment Syn()
    {
        var s = new ConversationSegment(Side.Client, ClientIsn, 0, TcpFlags.Syn, [], 0);
        _segments.Add(s);
        return s;
    }

    /// <summary>
    /// <paramref name="payload"/> from <paramref name="side"/>, in one segment or split at the given
    /// offsets (strictly increasing, inside the payload) into several, each with PSH|ACK.
    /// </summary>
    /// <returns>The segments added, in stream order.</returns>
    public IReadOnlyList<ConversationSegment> Send(Side side, byte[] payload, params int[] splitAt)
    {
        ArgumentNullException.ThrowIfNull(payload);
        splitAt ??= [];
        var pieces = new List<ConversationSegment>(splitAt.Length + 1);
        int start = 0;
        foreach (int cut in splitAt.Append(payload.Length))
        {
            if (cut < start || cut > payload.Length) throw new ArgumentOutOfRangeException(nameof(splitAt), "split offsets must increase and lie inside the payload");
            if (cut == start && payload.Length > 0) continue;
            var s = Next(side, payload[start..cut], TcpFlags.Psh | TcpFlags.Ack);
            pieces.Add(s);
            start = cut;
        }
        return pieces;
    }

    /// <summary>Latin-1 text from <paramref name="side"/> (one byte per char); see <see cref="Send(Side, byte[], int[])"/>.</summary>
    public IReadOnlyList<ConversationSegment> Send(Side side, string text, params int[] splitAt) =>
        Send(side, Encoding.Latin1.GetBytes(text), splitAt);

    /// <summary>Text from the client.</summary>
    public IReadOnlyList<ConversationSegment> Client(string text, params int[] splitAt) => Send(Side.Client, text, splitAt);

    /// <summary>Text from the server.</summary>
    public IReadOnlyList<ConversationSegment> Server(string text, params int[] splitAt) => Send(Side.Server, text, splitAt);

    /// <summary>A pure ACK from <paramref name="side"/> (acknowledging everything the peer sent, dropped segments included).</summary>
    public ConversationSegment Ack(Side side) => Add(new ConversationSegment(side, NextSequence(side), PeerNext(side), TcpFlags.Ack, [], NextOffset(side)));

    /// <summary>FIN|ACK from <paramref name="side"/> (uses one sequence number).</summary>
    public ConversationSegment Fin(Side side)
    {
        var s = Add(new ConversationSegment(side, NextSequence(side), PeerNext(side), TcpFlags.Fin | TcpFlags.Ack, [], NextOffset(side)));
        AdvanceSequence(side, 1);
        return s;
    }

    /// <summary>FIN from both sides, client first, and the final ACK.</summary>
    public TcpConversationBuilder Close()
    {
        Fin(Side.Client);
        Fin(Side.Server);
        Ack(Side.Client);
        return this;
    }

    /// <summary>RST|ACK from <paramref name="side"/>.</summary>
    public ConversationSegment Rst(Side side) => Add(new ConversationSegment(side, NextSequence(side), PeerNext(side), TcpFlags.Rst | TcpFlags.Ack, [], NextOffset(side)));

    /// <summary>
    /// Bytes from <paramref name="side"/> at stream offset <paramref name="streamOffset"/> (0 = ISN + 1)
    /// without moving the side's next sequence number: an overlap, a retransmission with other bytes,
    /// or a segment beyond what was sent.
    /// </summary>
    public ConversationSegment At(Side side, long streamOffset, byte[] payload, TcpFlags flags = TcpFlags.Psh | TcpFlags.Ack)
    {
        ArgumentNullException.ThrowIfNull(payload);
        uint isn1 = unchecked((side == Side.Client ? ClientIsn : ServerIsn) + 1);
        return Add(new ConversationSegment(side, unchecked(isn1 + (uint)streamOffset), PeerNext(side), flags, payload, streamOffset));
    }

    /// <summary>Latin-1 text at a stream offset; see <see cref="At(Side, long, byte[], TcpFlags)"/>.</summary>
    public ConversationSegment At(Side side, long streamOffset, string text) => At(side, streamOffset, Encoding.Latin1.GetBytes(text));

    /// <summary>Sends <paramref name="original"/> again (its sequence number and bytes, or <paramref name="otherBytes"/>), with a current ACK.</summary>
    public ConversationSegment Retransmit(ConversationSegment original, byte[]? otherBytes = null)
    {
        ArgumentNullException.ThrowIfNull(original);
        return Add(new ConversationSegment(original.From, original.Sequence, PeerNext(original.From), original.Flags,
            otherBytes ?? original.Payload, original.StreamOffset)
        { Options = original.Options });
    }

    /// <summary>
    /// Puts <paramref name="segments"/> (already added) back into the places they occupy in the file,
    /// in the order given: <c>order[k]</c> is the index in <paramref name="segments"/> of the one that
    /// takes the k-th place.
    /// </summary>
    public TcpConversationBuilder Reorder(IReadOnlyList<ConversationSegment> segments, params int[] order)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(order);
        if (order.Length != segments.Count || order.Distinct().Count() != order.Length || order.Any(i => i < 0 || i >= segments.Count))
            throw new ArgumentException("order must be a permutation of the segments' indices", nameof(order));
        var places = segments.Select(s => _segments.IndexOf(s)).Order().ToList();
        if (places.Any(p => p < 0)) throw new ArgumentException("every segment must belong to this builder", nameof(segments));
        for (int k = 0; k < order.Length; k++) _segments[places[k]] = segments[order[k]];
        return this;
    }

    /// <summary>Builds the frames in file order (and fills each segment's <see cref="ConversationSegment.Frames"/>).</summary>
    /// <param name="firstFrame">The number of the first frame (when this conversation is not first in the file).</param>
    public IReadOnlyList<CraftedFrame> Build(long firstFrame = 1) => BuildFrames(_segments, firstFrame, StartNs, StepNs);

    /// <summary>A pcap file (ns timestamps) when every frame has the same link type, else pcapng.</summary>
    public byte[] ToCapture() => ToCapture(Build());

    /// <summary>A pcapng file.</summary>
    public byte[] ToPcapng() => CaptureWriter.Pcapng(Build());

    /// <summary>Writes <see cref="ToCapture()"/> to <paramref name="path"/> and returns the path.</summary>
    public string WriteTo(string path)
    {
        File.WriteAllBytes(path, ToCapture());
        return path;
    }

    /// <summary>A pcap file (ns timestamps) when every frame has the same link type, else pcapng.</summary>
    public static byte[] ToCapture(IReadOnlyList<CraftedFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        return frames.Select(f => f.LinkType).Distinct().Count() <= 1
            ? CaptureWriter.Pcap(frames, nanoseconds: true)
            : CaptureWriter.Pcapng(frames);
    }

    /// <summary>
    /// Merges several conversations into one capture: segments are taken round-robin, one from each
    /// builder in turn (a builder that runs out drops out), times on one shared clock. Frame numbers
    /// are filled in on every segment.
    /// </summary>
    public static IReadOnlyList<CraftedFrame> Interleave(IReadOnlyList<TcpConversationBuilder> builders, long? startNs = null, long stepNs = 1_000_000)
    {
        ArgumentNullException.ThrowIfNull(builders);
        var order = new List<ConversationSegment>();
        var owner = new Dictionary<ConversationSegment, TcpConversationBuilder>(ReferenceEqualityComparer.Instance);
        int longest = builders.Count == 0 ? 0 : builders.Max(b => b._segments.Count);
        for (int i = 0; i < longest; i++)
        {
            foreach (var b in builders)
            {
                if (i >= b._segments.Count) continue;
                order.Add(b._segments[i]);
                owner[b._segments[i]] = b;
            }
        }
        return BuildFrames(order, 1, startNs ?? (builders.Count > 0 ? builders[0].StartNs : 0), stepNs, s => owner[s]);
    }

    private IReadOnlyList<CraftedFrame> BuildFrames(List<ConversationSegment> segments, long firstFrame, long startNs, long stepNs) =>
        BuildFrames(segments, firstFrame, startNs, stepNs, _ => this);

    private static List<CraftedFrame> BuildFrames(List<ConversationSegment> segments, long firstFrame, long startNs, long stepNs,
        Func<ConversationSegment, TcpConversationBuilder> ownerOf)
    {
        var frames = new List<CraftedFrame>();
        long clock = startNs - stepNs;
        foreach (var s in segments)
        {
            if (s.Dropped)
            {
                s.Frames = [];
                continue;
            }
            var b = ownerOf(s);
            clock = s.TimeNs ?? clock + stepNs;
            var o = s.Options ?? b.Defaults;
            var (src, dst) = s.From == Side.Client ? (b.ClientEndpoint, b.ServerEndpoint) : (b.ServerEndpoint, b.ClientEndpoint);
            ushort ipId = (ushort)Interlocked.Increment(ref s_ipId);
            byte[] ip = FrameBuilder.IpTcp(src, dst, s.Sequence, s.Acknowledgment, s.Flags, s.Payload, o.Ipv4Options, o.TcpOptions,
                o.Ipv6Extensions, ipId: ipId);
            var numbers = new List<long>();
            if (o.FragmentPayloadBytes is int chunk)
            {
                if (s.CapturedPayloadBytes is not null) throw new InvalidOperationException("a fragmented segment cannot also be cut by the snapshot length");
                bool v6 = src.AddressFamily == AddressFamily.InterNetworkV6;
                var fragments = v6 ? FrameBuilder.FragmentIpv6(ip, chunk, ipId) : FrameBuilder.FragmentIpv4(ip, chunk);
                var fragmentOrder = o.FragmentOrder ?? Enumerable.Range(0, fragments.Count).ToList();
                if (fragmentOrder.Count != fragments.Count) throw new InvalidOperationException($"FragmentOrder has {fragmentOrder.Count} entries for {fragments.Count} fragments");
                for (int k = 0; k < fragmentOrder.Count; k++)
                {
                    var frame = FrameBuilder.Wrap(o.LinkType, fragments[fragmentOrder[k]], o.VlanTags, o.NullBigEndian);
                    numbers.Add(firstFrame + frames.Count);
                    frames.Add(frame.At(clock + (k * 1000L)));
                }
            }
            else
            {
                var frame = FrameBuilder.Wrap(o.LinkType, ip, o.VlanTags, o.NullBigEndian);
                int snaplen = int.MaxValue;
                if (s.CapturedPayloadBytes is int kept)
                {
                    if (kept < 0 || kept > s.Payload.Length) throw new InvalidOperationException("CapturedPayloadBytes must be between 0 and the payload length");
                    snaplen = frame.Bytes.Length - (s.Payload.Length - kept);
                }
                numbers.Add(firstFrame + frames.Count);
                frames.Add(frame.At(clock, snaplen));
            }
            s.Frames = numbers;
            s.FrameTimeNs = frames[(int)(s.Frame - firstFrame)].TimestampNs;
        }
        return frames;
    }

    private ConversationSegment Next(Side side, byte[] payload, TcpFlags flags)
    {
        var s = Add(new ConversationSegment(side, NextSequence(side), PeerNext(side), flags, payload, NextOffset(side)));
        AdvanceSequence(side, payload.Length);
        return s;
    }

    private ConversationSegment Add(ConversationSegment s)
    {
        _segments.Add(s);
        return s;
    }

    private uint PeerNext(Side side) => side == Side.Client ? _serverNext : _clientNext;

    private void AdvanceSequence(Side side, int count)
    {
        if (side == Side.Client)
        {
            _clientNext = unchecked(_clientNext + (uint)count);
            _clientOffset += count;
        }
        else
        {
            _serverNext = unchecked(_serverNext + (uint)count);
            _serverOffset += count;
        }
    }
}
