using System.Text;
using BenchmarkDotNet.Attributes;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Protocol;

namespace FtpTrace.Bench;

// Every benchmark here counts one packet (or one FTP segment) as one operation
// (OperationsPerInvoke), so "Mean" is per packet and "Allocated" is bytes per packet.
// BytesPerOperation feeds the Bytes/ns column (see BytesPerNsColumn).

/// <summary>PacketDecoder.Decode over 1,024 prepared frames: 90% IPv4, 10% IPv6; half full 1448-byte segments, half pure ACKs.</summary>
public class DecodeBenchmarks
{
    private const int Count = 1024;
    public static readonly IReadOnlyDictionary<string, double> BytesPerOperation =
        new Dictionary<string, double> { [nameof(Decode)] = BuildFrames().Sum(f => (double)f.Length) / Count };

    private byte[][] _frames = [];
    private PacketDecoder _decoder = null!;
    private long _number;

    private static byte[][] BuildFrames()
    {
        var frames = new byte[Count][];
        for (int i = 0; i < Count; i++)
        {
            bool v6 = i % 10 == 9;
            bool data = i % 2 == 0;
            frames[i] = Frames.Tcp(v6, (uint)i, (ushort)(40000 + i), 21, (uint)i * 1448, 1, (byte)(data ? 0x18 : 0x10), data ? Frames.Mss : 0);
        }
        return frames;
    }

    [GlobalSetup]
    public void Setup()
    {
        _frames = BuildFrames();
        _decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _decoder.Dispose();

    [Benchmark(OperationsPerInvoke = Count)]
    public long Decode()
    {
        long sum = 0;
        byte[][] frames = _frames;
        for (int i = 0; i < frames.Length; i++)
        {
            var frame = new CaptureFrame(++_number, 1_700_000_000_000_000_000 + _number * 1000, (int)LinkType.Ethernet, frames[i].Length, frames[i]);
            if (_decoder.Decode(frame, out TcpSegment segment) == DecodeResult.Tcp) sum += segment.PayloadLength;
        }
        return sum;
    }
}

/// <summary>
/// FlowTable.Process on pure ACKs of established connections whose content nobody wants (the
/// lookup, LRU and sequence tracking): round robin over <see cref="Connections"/> connections.
/// </summary>
public class FlowLookupBenchmarks
{
    private const int Batch = 4096;
    private FlowTable _table = null!;
    private Endpoint[] _clients = [];
    private Endpoint _server;
    private int _next;
    private long _frame;
    private long _time = 1_700_000_000_000_000_000;

    [Params(1_000, 100_000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = new FlowTable(FtpTraceLimits.Default, new NoContentObserver(), NullAnomalySink.Instance);
        _server = Frames.Server(443);
        _clients = new Endpoint[Connections];
        for (int i = 0; i < Connections; i++)
        {
            _clients[i] = Frames.Client((uint)i + 1, (ushort)(1024 + i % 60000));
            Handshake(_table, _clients[i], _server, ref _frame, ref _time);
        }
    }

    internal static void Handshake(FlowTable table, Endpoint client, Endpoint server, ref long frame, ref long time)
    {
        var syn = Frames.Segment(client, server, 1000, 0, TcpFlags.Syn, default, ++frame, time += 1000);
        table.Process(ref syn);
        var synAck = Frames.Segment(server, client, 5000, 1001, TcpFlags.Syn | TcpFlags.Ack, default, ++frame, time += 1000);
        table.Process(ref synAck);
        var ack = Frames.Segment(client, server, 1001, 5001, TcpFlags.Ack, default, ++frame, time += 1000);
        table.Process(ref ack);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long PureAck()
    {
        for (int i = 0; i < Batch; i++)
        {
            if (++_next == _clients.Length) _next = 0;
            var segment = Frames.Segment(_clients[_next], _server, 1001, 5001, TcpFlags.Ack, default, ++_frame, _time += 1000);
            _table.Process(ref segment);
        }
        return _table.Packets;
    }
}

/// <summary>
/// In-order 1448-byte segments through FlowTable.Process into the reassembler: delivered to a
/// no-op handler (<see cref="InOrderToHandler"/>), or only counted because nobody wants the content
/// (<see cref="InOrderCountedOnly"/>: the path of FTP data connections and unrelated traffic).
/// 64 connections, round robin.
/// </summary>
public class ReassemblyBenchmarks
{
    private const int Batch = 4096;
    private const int ConnectionCount = 64;
    public static readonly IReadOnlyDictionary<string, double> BytesPerOperation = new Dictionary<string, double>
    {
        [nameof(InOrderToHandler)] = Frames.Mss,
        [nameof(InOrderCountedOnly)] = Frames.Mss,
    };

    private readonly byte[] _payload = new byte[Frames.Mss];
    private FlowTable _handled = null!;
    private FlowTable _counted = null!;
    private Endpoint[] _clients = [];
    private uint[] _sequence = [];
    private Endpoint _server;
    private int _next;
    private long _frame;
    private long _time = 1_700_000_000_000_000_000;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_payload);
        _handled = new FlowTable(FtpTraceLimits.Default, new NoOpObserver(), NullAnomalySink.Instance);
        _counted = new FlowTable(FtpTraceLimits.Default, new NoContentObserver(), NullAnomalySink.Instance);
        _server = Frames.Server(50000);
        _clients = new Endpoint[ConnectionCount];
        _sequence = new uint[ConnectionCount];
        for (int i = 0; i < ConnectionCount; i++)
        {
            _clients[i] = Frames.Client((uint)i + 1, (ushort)(2000 + i));
            FlowLookupBenchmarks.Handshake(_handled, _clients[i], _server, ref _frame, ref _time);
            FlowLookupBenchmarks.Handshake(_counted, _clients[i], _server, ref _frame, ref _time);
            _sequence[i] = 5001;
        }
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public long InOrderToHandler() => Run(_handled);

    [Benchmark(OperationsPerInvoke = Batch)]
    public long InOrderCountedOnly() => Run(_counted);

    private long Run(FlowTable table)
    {
        for (int i = 0; i < Batch; i++)
        {
            if (++_next == ConnectionCount) _next = 0;
            // Server to client, as a RETR's data connection.
            var segment = Frames.Segment(_server, _clients[_next], _sequence[_next], 1001, TcpFlags.Ack, _payload, ++_frame, _time += 1000);
            table.Process(ref segment);
            _sequence[_next] += Frames.Mss;
        }
        return table.Packets;
    }
}

/// <summary>
/// FtpControlParser.Feed, one call per segment, each segment one message as a server or client
/// sends it (a session's replies: 220 multi-line greeting, 331, 230, 211 FEAT multi-line, 257,
/// 200, 227, 150, 226, 213, 250, 500, 221; and its commands). One operation = one segment.
/// </summary>
public class FtpParserBenchmarks
{
    private static readonly string[] ReplySegments =
    [
        "220-Welcome to ftp1.example.test\r\n220-All transfers are logged.\r\n220 Service ready for new user.\r\n",
        "331 Password required for user123.\r\n",
        "230 User user123 logged in.\r\n",
        "211-Features:\r\n MDTM\r\n REST STREAM\r\n SIZE\r\n EPSV\r\n PASV\r\n UTF8\r\n MLST type*;size*;modify*;\r\n211 End\r\n",
        "257 \"/home/user123\" is the current directory.\r\n",
        "200 Type set to I.\r\n",
        "227 Entering Passive Mode (172,16,0,1,195,80).\r\n",
        "150 Opening BINARY mode data connection for /pub/data/file123-0.bin (22817 bytes).\r\n",
        "226 Transfer complete.\r\n",
        "213 22817\r\n",
        "250 CWD command successful.\r\n",
        "500 XYZZY not understood.\r\n",
        "221 Goodbye.\r\n",
    ];

    private static readonly string[] CommandSegments =
    [
        "USER user123\r\n", "PASS pw123x0\r\n", "FEAT\r\n", "PWD\r\n", "TYPE I\r\n", "PASV\r\n",
        "RETR /pub/data/file123-0.bin\r\n", "SIZE /pub/data/file123-0.bin\r\n", "CWD /pub/dir0\r\n", "XYZZY plugh\r\n", "QUIT\r\n",
    ];

    private const int Repeat = 64;

    public static readonly IReadOnlyDictionary<string, double> BytesPerOperation = new Dictionary<string, double>
    {
        [nameof(Replies)] = ReplySegments.Average(s => (double)s.Length),
        [nameof(Commands)] = CommandSegments.Average(s => (double)s.Length),
    };

    private byte[][] _replies = [];
    private byte[][] _commands = [];
    private FtpControlParser _server = null!;
    private FtpControlParser _client = null!;
    private long _frame;

    [GlobalSetup]
    public void Setup()
    {
        _replies = ReplySegments.Select(Encoding.UTF8.GetBytes).ToArray();
        _commands = CommandSegments.Select(Encoding.UTF8.GetBytes).ToArray();
        var handler = new NoOpMessageHandler();
        _server = new FtpControlParser(FtpParserRole.Server, FtpTraceLimits.Default, handler, NullAnomalySink.Instance, 1);
        _client = new FtpControlParser(FtpParserRole.Client, FtpTraceLimits.Default, handler, NullAnomalySink.Instance, 1);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _server.Dispose();
        _client.Dispose();
    }

    [Benchmark(OperationsPerInvoke = 13 * Repeat)]
    public long Replies() => Feed(_server, _replies);

    [Benchmark(OperationsPerInvoke = 11 * Repeat)]
    public long Commands() => Feed(_client, _commands);

    private long Feed(FtpControlParser parser, byte[][] segments)
    {
        for (int r = 0; r < Repeat; r++)
        {
            foreach (byte[] segment in segments) parser.Feed(segment, ++_frame, _frame * 1000);
        }
        return parser.Lines;
    }
}

internal sealed class NoContentObserver : ITcpStreamObserver
{
    public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection) => null;
}

internal sealed class NoOpObserver : ITcpStreamObserver
{
    private readonly NoOpHandler _handler = new();
    public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection) => _handler;
}

internal sealed class NoOpHandler : ITcpStreamHandler
{
    public StreamAction OnData(TcpConnection connection, FlowDirection direction, ReadOnlySpan<byte> data, long frame, long timeNs) => StreamAction.Continue;
    public void OnGap(TcpConnection connection, FlowDirection direction, long streamOffset, long length, long frame, long timeNs) { }
    public void OnClosed(TcpConnection connection, CloseReason reason, long frame, long timeNs) { }
}

internal sealed class NoOpMessageHandler : IFtpMessageHandler
{
    public void OnCommand(FtpCommand command) { }
    public void OnReply(FtpReply reply) { }
}
