using System.Buffers.Binary;
using System.Text.Unicode;

namespace FtpTrace.Bench.Generator;

/// <summary>What to generate.</summary>
internal sealed record GeneratorOptions
{
    public required string Output { get; init; }
    /// <summary>Approximate file size to reach (the 1x size times the scale).</summary>
    public long TargetBytes { get; init; } = 1L << 30;
    /// <summary>The 1x size: fixes the mean transfer size, so a larger scale means more sessions in a row, not larger ones.</summary>
    public long BaseBytes { get; init; } = 1L << 30;
    /// <summary>FTP control sessions open at the same time (one per slot; a slot starts a new session when its session ends).</summary>
    public int Sessions { get; init; } = 20_000;
    public ulong Seed { get; init; } = 1;
    public double Ipv6Percent { get; init; } = 10;
    /// <summary>Mean time between packets, microseconds (50 µs: about 1.1 million packets per minute of capture).</summary>
    public int GapUs { get; init; } = 50;
    /// <summary>FTP servers the clients talk to.</summary>
    public int Servers { get; init; } = 16;
    /// <summary>Fixed base timestamp: 2024-01-01T00:00:00Z.</summary>
    public long BaseTimeUs { get; init; } = 1_704_067_200L * 1_000_000;
}

/// <summary>Exact figures of what was generated (the sidecar the benchmark checks ftptrace against).</summary>
internal sealed class GeneratedCounts
{
    public long Packets;
    public long FileBytes;
    public long TcpPackets;
    public long UdpPackets;
    public long Ipv6Packets;
    public long FtpSessions;
    public long Ipv6Sessions;
    public long Commands;
    public long Replies;
    public long MultilineReplies;
    public long Transfers;
    public long DataBytes;
    public long FailedLogins;
    public long TransfersRefused550;
    public long TransfersFailed425;
    public long DataConnections;
    public long OtherTcpConnections;
    public long DnsExchanges;
    public long PeakOpenSessions;
    public long DurationUs;
}

/// <summary>
/// Writes the benchmark capture. <see cref="GeneratorOptions.Sessions"/> slots each run FTP
/// sessions one after another; at every step one slot is picked at random and emits its next
/// packet(s), so all sessions are open at once and interleaved. Each session: handshake, 220
/// greeting (a quarter multi-line), USER/331, PASS/230 (5% 530 then a second, successful login),
/// FEAT/211 multi-line (a third split across two segments), PWD/257, TYPE I/200, PASV/227 or
/// EPSV/229 (always EPSV on IPv6), RETR or STOR on a data connection to the announced port with
/// 150 + 226 (7% 550 after the data connection opened, 7% 425 without one), SIZE/213, CWD/250, a
/// bogus verb/500, QUIT/221, FINs. 2% of the steps are unrelated traffic: DNS-like UDP exchanges
/// and TLS-like TCP connections to port 443 carrying random bytes.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Run creates the writer and disposes it before returning.")]
internal sealed class CaptureGenerator
{
    /// <summary>Changes whenever the same options would give a different capture (bench/run.sh regenerates on a change).</summary>
    public const int Version = 2;

    private const int Mss = 1448;
    private const int BackgroundFlows = 64;
    private const int PoolSize = 4 << 20;

    private readonly GeneratorOptions _options;
    private readonly Rng _rng;
    private readonly byte[] _pool;
    private readonly byte[] _line = new byte[512];
    private readonly GeneratedCounts _counts = new();
    private readonly int _meanTransfer;
    private PcapWriter _writer = null!;
    private long _committed;
    private long _openSessions;

    public CaptureGenerator(GeneratorOptions options)
    {
        _options = options;
        _rng = new Rng(options.Seed);
        _pool = GC.AllocateUninitializedArray<byte>(PoolSize + Mss);
        _rng.Fill(_pool);
        // Two sessions per slot at 1x: about 85% of the file is data-connection payload at 20,000 sessions.
        _meanTransfer = (int)Math.Clamp(options.BaseBytes * 85 / 100 / (2L * options.Sessions), 2048, 64L << 20);
    }

    public int MeanTransfer => _meanTransfer;

    public GeneratedCounts Run()
    {
        using (_writer = new PcapWriter(_options.Output, _options.BaseTimeUs))
        {
            var slots = new List<IEnumerator<bool>>(_options.Sessions);
            for (int i = 0; i < _options.Sessions; i++) slots.Add(Slot(i).GetEnumerator());
            var background = new IEnumerator<bool>?[BackgroundFlows];
            int backgroundSerial = 0;

            while (slots.Count > 0)
            {
                Tick();
                if (_rng.Next(100) < 2)
                {
                    if (_rng.Next(100) < 60) Dns();
                    else
                    {
                        int b = _rng.Next(BackgroundFlows);
                        background[b] ??= Tls(b, backgroundSerial++).GetEnumerator();
                        if (!background[b]!.MoveNext()) background[b] = null;
                    }
                    continue;
                }
                int index = _rng.Next(slots.Count);
                if (!slots[index].MoveNext())
                {
                    slots[index].Dispose();
                    slots[index] = slots[^1];
                    slots.RemoveAt(slots.Count - 1);
                }
            }
            // Let the unrelated connections close too.
            foreach (var flow in background)
            {
                if (flow is null) continue;
                while (true)
                {
                    Tick();
                    if (!flow.MoveNext()) break;
                }
            }
            _counts.DurationUs = _writer.TimeUs - _options.BaseTimeUs;
        }
        _counts.Packets = _writer.Packets;
        _counts.FileBytes = _writer.Bytes;
        _counts.TcpPackets = _writer.TcpPackets;
        _counts.UdpPackets = _writer.UdpPackets;
        _counts.Ipv6Packets = _writer.Ipv6Packets;
        return _counts;
    }

    private void Tick() => _writer.TimeUs += 1 + _rng.Next(2 * _options.GapUs - 1);

    private IEnumerable<bool> Slot(int slot)
    {
        int serial = 0;
        do
        {
            foreach (bool step in Session(slot, serial++)) yield return step;
        }
        while (_committed < _options.TargetBytes);
    }

    // ---- Hosts -------------------------------------------------------------------------------

    private static Host ClientHost(bool v6, int slot) => v6
        ? Host.Ipv6(0xfd00_0000_0000_0001UL, 0x0001_0000_0000_0000UL | (uint)slot)
        : Host.Ipv4(0x0A00_0000u | (uint)(slot + 1));

    private static Host ServerHost(bool v6, int server) => v6
        ? Host.Ipv6(0xfd00_0000_0000_0002UL, (ulong)(server + 1))
        : Host.Ipv4(0xAC10_0000u | (uint)(server + 1)); // 172.16.0.x

    private static ushort ClientPort(int serial, int k) => (ushort)(1024 + ((serial * 2 + k) % 64000));

    // ---- One FTP session ---------------------------------------------------------------------

    private IEnumerable<bool> Session(int slot, int serial)
    {
        bool v6 = _rng.Percent(_options.Ipv6Percent);
        int serverIndex = _rng.Next(_options.Servers);
        Host client = ClientHost(v6, slot);
        Host server = ServerHost(v6, serverIndex);
        int outcome = _rng.Next(100); // < 86 transfer, < 93 550, else 425
        bool retr = _rng.Next(100) < 60;
        int size = outcome < 86 ? _rng.Next(_meanTransfer / 4, _meanTransfer * 7 / 4 + 1) : 0;
        _committed += Estimate(v6, size);
        _counts.FtpSessions++;
        if (v6) _counts.Ipv6Sessions++;
        _openSessions++;
        if (_openSessions > _counts.PeakOpenSessions) _counts.PeakOpenSessions = _openSessions;

        var c = new TcpFlow(client, ClientPort(serial, 0), server, 21, _rng.NextUInt32(), _rng.NextUInt32());
        foreach (bool s in Handshake(c)) yield return s;

        if (_rng.Next(100) < 25)
            Reply(c, $"220-Welcome to ftp{serverIndex}.example.test\r\n220-All transfers are logged.\r\n220 Service ready for new user.\r\n", multiline: true);
        else
            Reply(c, $"220 ftp{serverIndex}.example.test FTP server ready.\r\n");
        yield return true;

        Command(c, $"USER user{slot}");
        yield return true;
        Reply(c, $"331 Password required for user{slot}.\r\n");
        yield return true;
        Command(c, $"PASS pw{slot}x{serial}");
        yield return true;
        if (_rng.Next(100) < 5)
        {
            _counts.FailedLogins++;
            Reply(c, "530 Login incorrect.\r\n");
            yield return true;
            Command(c, $"USER user{slot}");
            yield return true;
            Reply(c, $"331 Password required for user{slot}.\r\n");
            yield return true;
            Command(c, $"PASS pw{slot}");
            yield return true;
        }
        Reply(c, $"230 User user{slot} logged in.\r\n");
        yield return true;

        Command(c, "FEAT");
        yield return true;
        const string feat = "211-Features:\r\n MDTM\r\n REST STREAM\r\n SIZE\r\n EPSV\r\n PASV\r\n UTF8\r\n MLST type*;size*;modify*;\r\n211 End\r\n";
        if (_rng.Next(100) < 33)
        {
            int cut = _rng.Next(1, feat.Length - 1);
            _counts.Replies++;
            _counts.MultilineReplies++;
            Raw(c, fromClient: false, feat.AsSpan(0, cut));
            yield return true;
            Raw(c, fromClient: false, feat.AsSpan(cut));
        }
        else
        {
            Reply(c, feat, multiline: true);
        }
        yield return true;

        Command(c, "PWD");
        yield return true;
        Reply(c, $"257 \"/home/user{slot}\" is the current directory.\r\n");
        yield return true;
        Command(c, "TYPE I");
        yield return true;
        Reply(c, "200 Type set to I.\r\n");
        yield return true;

        bool epsv = v6 || _rng.Next(100) < 30;
        ushort dataPort = (ushort)_rng.Next(30000, 60000);
        Command(c, epsv ? "EPSV" : "PASV");
        yield return true;
        if (epsv) Reply(c, $"229 Entering Extended Passive Mode (|||{dataPort}|).\r\n");
        else Reply(c, $"227 Entering Passive Mode (172,16,0,{serverIndex + 1},{dataPort >> 8},{dataPort & 0xFF}).\r\n");
        yield return true;

        string path = $"/pub/data/file{slot}-{serial}.bin";
        TcpFlow? data = null;
        if (outcome < 93)
        {
            data = new TcpFlow(client, ClientPort(serial, 1), server, dataPort, _rng.NextUInt32(), _rng.NextUInt32());
            _counts.DataConnections++;
            foreach (bool s in Handshake(data)) yield return s;
        }
        Command(c, (retr ? "RETR " : "STOR ") + path);
        yield return true;
        if (outcome < 86)
        {
            Reply(c, retr ? $"150 Opening BINARY mode data connection for {path} ({size} bytes).\r\n"
                          : $"150 Opening BINARY mode data connection for {path}.\r\n");
            yield return true;
            bool senderIsClient = !retr;
            int sent = 0, segments = 0;
            while (sent < size)
            {
                int n = Math.Min(Mss, size - sent);
                int offset = _rng.Next(PoolSize / 2) * 2;
                _writer.Tcp(data!, senderIsClient, (byte)(Tcp.Ack | (sent + n == size ? Tcp.Psh : 0)), _pool.AsSpan(offset, n));
                sent += n;
                yield return true;
                if (++segments % 2 == 0)
                {
                    _writer.Tcp(data!, !senderIsClient, Tcp.Ack, default);
                    yield return true;
                }
            }
            foreach (bool s in Close(data!, finFromClient: senderIsClient)) yield return s;
            Reply(c, "226 Transfer complete.\r\n");
            yield return true;
            _counts.Transfers++;
            _counts.DataBytes += size;
        }
        else if (outcome < 93)
        {
            _counts.TransfersRefused550++;
            Reply(c, retr ? $"550 {path}: No such file or directory.\r\n" : $"550 {path}: Permission denied.\r\n");
            yield return true;
            foreach (bool s in Close(data!, finFromClient: false)) yield return s;
        }
        else
        {
            _counts.TransfersFailed425++;
            Reply(c, "425 Can't open data connection.\r\n");
            yield return true;
        }

        Command(c, "SIZE " + path);
        yield return true;
        Reply(c, $"213 {size}\r\n");
        yield return true;
        Command(c, $"CWD /pub/dir{serial % 10}");
        yield return true;
        Reply(c, "250 CWD command successful.\r\n");
        yield return true;
        Command(c, "XYZZY plugh");
        yield return true;
        Reply(c, "500 XYZZY not understood.\r\n");
        yield return true;
        Command(c, "QUIT");
        yield return true;
        Reply(c, "221 Goodbye.\r\n");
        yield return true;
        foreach (bool s in Close(c, finFromClient: false)) yield return s;
        _openSessions--;
    }

    /// <summary>Rough bytes a session will write: the control dialogue, the data connection, the payload.</summary>
    private static long Estimate(bool v6, int size)
    {
        int perPacket = 16 + 14 + (v6 ? 40 : 20) + 20;
        int segments = (size + Mss - 1) / Mss;
        return 45L * perPacket + 900 + size + segments * perPacket * 3L / 2;
    }

    /// <summary>
    /// The three-way handshake, written as one step (three packets in a row, a round trip apart at
    /// most): with tens of thousands of sessions interleaved, a step of one session comes seconds
    /// after its previous one, and a handshake or close spread over several steps would outlast
    /// the analyser's linger time for closed connections.
    /// </summary>
    private IEnumerable<bool> Handshake(TcpFlow flow)
    {
        _writer.Tcp(flow, fromClient: true, Tcp.Syn, default);
        Tick();
        _writer.Tcp(flow, fromClient: false, Tcp.Syn | Tcp.Ack, default);
        Tick();
        _writer.Tcp(flow, fromClient: true, Tcp.Ack, default);
        yield return true;
    }

    /// <summary>FIN, FIN, ACK as one step (see <see cref="Handshake"/>).</summary>
    private IEnumerable<bool> Close(TcpFlow flow, bool finFromClient)
    {
        _writer.Tcp(flow, finFromClient, Tcp.Fin | Tcp.Ack, default);
        Tick();
        _writer.Tcp(flow, !finFromClient, Tcp.Fin | Tcp.Ack, default);
        Tick();
        _writer.Tcp(flow, finFromClient, Tcp.Ack, default);
        yield return true;
    }

    /// <summary>A command line (CR LF added); 3% are sent in two segments.</summary>
    private void Command(TcpFlow c, string line)
    {
        _counts.Commands++;
        int n = Encode(line, "\r\n");
        if (_rng.Next(100) < 3)
        {
            int cut = _rng.Next(1, n);
            _writer.Tcp(c, fromClient: true, Tcp.Ack | Tcp.Psh, _line.AsSpan(0, cut));
            Tick();
            _writer.Tcp(c, fromClient: true, Tcp.Ack | Tcp.Psh, _line.AsSpan(cut, n - cut));
            return;
        }
        _writer.Tcp(c, fromClient: true, Tcp.Ack | Tcp.Psh, _line.AsSpan(0, n));
    }

    /// <summary>A whole reply (its text carries the terminators) in one segment.</summary>
    private void Reply(TcpFlow c, string text, bool multiline = false)
    {
        _counts.Replies++;
        if (multiline) _counts.MultilineReplies++;
        Raw(c, fromClient: false, text);
    }

    private void Raw(TcpFlow c, bool fromClient, ReadOnlySpan<char> text)
    {
        int n = Encode(text, default);
        _writer.Tcp(c, fromClient, Tcp.Ack | Tcp.Psh, _line.AsSpan(0, n));
    }

    private int Encode(ReadOnlySpan<char> text, ReadOnlySpan<char> suffix)
    {
        Utf8.FromUtf16(text, _line, out _, out int written);
        Utf8.FromUtf16(suffix, _line.AsSpan(written), out _, out int more);
        return written + more;
    }

    // ---- Unrelated traffic -------------------------------------------------------------------

    private void Dns()
    {
        _counts.DnsExchanges++;
        bool v6 = _rng.Percent(_options.Ipv6Percent);
        Host client = ClientHost(v6, _rng.Next(_options.Sessions));
        Host resolver = v6 ? Host.Ipv6(0xfd00_0000_0000_0053UL, 1) : Host.Ipv4(0xC0A8_0035); // 192.168.0.53
        ushort port = (ushort)_rng.Next(1024, 65535);
        // A well-formed query for hostNNNNNN.example.test (A, IN) and its one-address answer.
        Span<byte> message = stackalloc byte[80];
        ushort id = (ushort)_rng.Next(65536);
        int question = WriteDnsHeader(message, id, 0x0100, answers: 0);
        message[question++] = 10;
        Utf8.TryWrite(message[question..], $"host{_rng.Next(1_000_000):D6}", out _);
        question += 10;
        ReadOnlySpan<byte> suffix = [7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0, 0, 1, 0, 1];
        suffix.CopyTo(message[question..]);
        question += suffix.Length;
        long before = _writer.Bytes;
        _writer.Udp(client, port, resolver, 53, fromClient: true, message[..question]);
        WriteDnsHeader(message, id, 0x8180, answers: 1);
        int end = question;
        ReadOnlySpan<byte> answer = [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0x0E, 0x10, 0, 4]; // name pointer, A, IN, TTL 3600, 4 bytes
        answer.CopyTo(message[end..]);
        end += answer.Length;
        BinaryPrimitives.WriteUInt32BigEndian(message[end..], 0xC0000200u | (uint)_rng.Next(256)); // 192.0.2.x
        end += 4;
        Tick();
        _writer.Udp(resolver, 53, client, port, fromClient: false, message[..end]);
        _committed += _writer.Bytes - before;
    }

    private static int WriteDnsHeader(Span<byte> message, ushort id, ushort flags, int answers)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message, id);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], 1);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], (ushort)answers);
        BinaryPrimitives.WriteUInt32BigEndian(message[8..], 0);
        return 12;
    }

    private IEnumerable<bool> Tls(int index, int serial)
    {
        bool v6 = _rng.Percent(_options.Ipv6Percent);
        Host client = ClientHost(v6, 0x00FF_0000 + index);
        Host server = v6 ? Host.Ipv6(0xfd00_0000_0000_0443UL, (ulong)(index + 1)) : Host.Ipv4(0xC633_6400u | (uint)(index + 1)); // 198.51.100.x
        var flow = new TcpFlow(client, ClientPort(serial, 0), server, 443, _rng.NextUInt32(), _rng.NextUInt32());
        _counts.OtherTcpConnections++;
        int segments = _rng.Next(4, 40);
        int perPacket = 16 + 14 + (v6 ? 40 : 20) + 20;
        _committed += perPacket * (7L + segments * 3 / 2) + 517 + segments * (long)Mss;
        foreach (bool s in Handshake(flow)) yield return s;
        _writer.Tcp(flow, fromClient: true, Tcp.Ack | Tcp.Psh, _pool.AsSpan(_rng.Next(PoolSize / 2) * 2, 517));
        yield return true;
        for (int i = 0; i < segments; i++)
        {
            _writer.Tcp(flow, fromClient: false, Tcp.Ack, _pool.AsSpan(_rng.Next(PoolSize / 2) * 2, Mss));
            yield return true;
            if (i % 2 == 1)
            {
                _writer.Tcp(flow, fromClient: true, Tcp.Ack, default);
                yield return true;
            }
        }
        foreach (bool s in Close(flow, finFromClient: true)) yield return s;
    }
}
