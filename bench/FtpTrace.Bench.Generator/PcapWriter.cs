using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FtpTrace.Bench.Generator;

/// <summary>An IPv4 or IPv6 address, by value.</summary>
internal readonly record struct Host(bool V6, uint V4, ulong Hi, ulong Lo)
{
    public static Host Ipv4(uint address) => new(false, address, 0, 0);
    public static Host Ipv6(ulong hi, ulong lo) => new(true, 0, hi, lo);

    public void Write(Span<byte> destination)
    {
        if (V6)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination, Hi);
            BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Lo);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, V4);
        }
    }
}

/// <summary>One TCP connection being generated: endpoints and the next sequence number of each side.</summary>
internal sealed class TcpFlow(Host client, ushort clientPort, Host server, ushort serverPort, uint clientIsn, uint serverIsn)
{
    public Host Client { get; } = client;
    public Host Server { get; } = server;
    public ushort ClientPort { get; } = clientPort;
    public ushort ServerPort { get; } = serverPort;
    /// <summary>Next sequence number the client sends (the server's acknowledgment number).</summary>
    public uint ClientNext { get; set; } = clientIsn;
    public uint ServerNext { get; set; } = serverIsn;
}

/// <summary>TCP flag bits.</summary>
internal static class Tcp
{
    public const byte Fin = 0x01;
    public const byte Syn = 0x02;
    public const byte Rst = 0x04;
    public const byte Psh = 0x08;
    public const byte Ack = 0x10;
}

/// <summary>
/// Writes a classic pcap file (microsecond timestamps, LINKTYPE_ETHERNET) straight into a large
/// buffer: every header is built in place, IPv4, TCP and UDP checksums are computed, and the buffer
/// goes to the file in 16 MiB writes. Packets are timestamped with <see cref="TimeUs"/>.
/// </summary>
internal sealed class PcapWriter : IDisposable
{
    private const int BufferSize = 16 << 20;
    private const int MaxPacket = 16 + 14 + 40 + 24 + 2048;
    private static readonly byte[] ClientMac = [0x02, 0x00, 0x5e, 0x10, 0x00, 0x01];
    private static readonly byte[] ServerMac = [0x02, 0x00, 0x5e, 0x20, 0x00, 0x02];

    private readonly FileStream _file;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
    private int _length;
    private ushort _ipId;

    public PcapWriter(string path, long baseTimeUs)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
        TimeUs = baseTimeUs;
        Span<byte> header = _buffer.AsSpan(0, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xA1B2C3D4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0);  // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1); // Ethernet
        _length = 24;
        Bytes = 24;
    }

    /// <summary>Capture time of the next packet, in microseconds since the Unix epoch.</summary>
    public long TimeUs { get; set; }

    public long Packets { get; private set; }

    /// <summary>Bytes written to the file so far (headers included).</summary>
    public long Bytes { get; private set; }

    public long TcpPackets { get; private set; }
    public long UdpPackets { get; private set; }
    public long Ipv6Packets { get; private set; }

    /// <summary>
    /// Writes one TCP segment of <paramref name="flow"/> and advances the sender's sequence number
    /// (payload, plus one for SYN and for FIN). Every segment but the first SYN carries ACK.
    /// </summary>
    public void Tcp(TcpFlow flow, bool fromClient, byte flags, ReadOnlySpan<byte> payload)
    {
        if (_length + MaxPacket + payload.Length > BufferSize) Flush();
        bool syn = (flags & Generator.Tcp.Syn) != 0;
        int tcpHeader = syn ? 24 : 20;
        int ipHeader = flow.Client.V6 ? 40 : 20;
        int tcpLength = tcpHeader + payload.Length;
        int frameLength = 14 + ipHeader + tcpLength;

        Span<byte> record = _buffer.AsSpan(_length, 16 + frameLength);
        Span<byte> frame = record[16..];
        WriteRecordHeader(record, frameLength);

        Host source = fromClient ? flow.Client : flow.Server;
        Host destination = fromClient ? flow.Server : flow.Client;
        Span<byte> ip = WriteIp(frame, fromClient, source, destination, 6, tcpLength);

        Span<byte> tcp = ip[ipHeader..];
        uint seq = fromClient ? flow.ClientNext : flow.ServerNext;
        uint ack = fromClient ? flow.ServerNext : flow.ClientNext;
        BinaryPrimitives.WriteUInt16BigEndian(tcp, fromClient ? flow.ClientPort : flow.ServerPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], fromClient ? flow.ServerPort : flow.ClientPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], (flags & Generator.Tcp.Ack) != 0 ? ack : 0);
        tcp[12] = (byte)((tcpHeader / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        tcp[16] = 0; tcp[17] = 0; tcp[18] = 0; tcp[19] = 0;
        if (syn)
        {
            tcp[20] = 2; tcp[21] = 4; // MSS 1460
            BinaryPrimitives.WriteUInt16BigEndian(tcp[22..], 1460);
        }
        payload.CopyTo(tcp[tcpHeader..]);
        ulong sum = PseudoHeaderSum(ip, flow.Client.V6, 6, tcpLength) + Sum(tcp);
        BinaryPrimitives.WriteUInt16LittleEndian(tcp[16..], Finish(sum));

        uint advance = (uint)payload.Length + (syn ? 1u : 0u) + ((flags & Generator.Tcp.Fin) != 0 ? 1u : 0u);
        if (fromClient) flow.ClientNext = unchecked(seq + advance);
        else flow.ServerNext = unchecked(seq + advance);

        Commit(record.Length);
        TcpPackets++;
        if (flow.Client.V6) Ipv6Packets++;
    }

    /// <summary>Writes one UDP datagram.</summary>
    public void Udp(Host source, ushort sourcePort, Host destination, ushort destinationPort, bool fromClient, ReadOnlySpan<byte> payload)
    {
        if (_length + MaxPacket + payload.Length > BufferSize) Flush();
        int ipHeader = source.V6 ? 40 : 20;
        int udpLength = 8 + payload.Length;
        int frameLength = 14 + ipHeader + udpLength;
        Span<byte> record = _buffer.AsSpan(_length, 16 + frameLength);
        WriteRecordHeader(record, frameLength);
        Span<byte> ip = WriteIp(record[16..], fromClient, source, destination, 17, udpLength);
        Span<byte> udp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        udp[6] = 0; udp[7] = 0;
        payload.CopyTo(udp[8..]);
        ushort checksum = Finish(PseudoHeaderSum(ip, source.V6, 17, udpLength) + Sum(udp));
        BinaryPrimitives.WriteUInt16LittleEndian(udp[6..], checksum == 0 ? (ushort)0xFFFF : checksum);
        Commit(record.Length);
        UdpPackets++;
        if (source.V6) Ipv6Packets++;
    }

    private void WriteRecordHeader(Span<byte> record, int frameLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(TimeUs / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(TimeUs % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frameLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frameLength);
    }

    /// <summary>Ethernet and IP headers; returns the span from the IP header on.</summary>
    private Span<byte> WriteIp(Span<byte> frame, bool fromClient, Host source, Host destination, byte protocol, int transportLength)
    {
        (fromClient ? ServerMac : ClientMac).CopyTo(frame);
        (fromClient ? ClientMac : ServerMac).CopyTo(frame[6..]);
        Span<byte> ip = frame[14..];
        if (source.V6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x86DD);
            BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)transportLength);
            ip[6] = protocol;
            ip[7] = 64;
            source.Write(ip[8..]);
            destination.Write(ip[24..]);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[12..], 0x0800);
            ip[0] = 0x45;
            ip[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + transportLength));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], _ipId++);
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000); // DF
            ip[8] = 64;
            ip[9] = protocol;
            ip[10] = 0; ip[11] = 0;
            source.Write(ip[12..]);
            destination.Write(ip[16..]);
            BinaryPrimitives.WriteUInt16LittleEndian(ip[10..], Finish(Sum(ip[..20])));
        }
        return ip;
    }

    private void Commit(int recordLength)
    {
        _length += recordLength;
        Bytes += recordLength;
        Packets++;
    }

    /// <summary>The pseudo-header's share of a TCP/UDP checksum, in the same (native) word order as <see cref="Sum"/>.</summary>
    private static ulong PseudoHeaderSum(ReadOnlySpan<byte> ip, bool v6, byte protocol, int length)
    {
        ulong sum = v6 ? Sum(ip.Slice(8, 32)) : Sum(ip.Slice(12, 8));
        sum += BinaryPrimitives.ReverseEndianness((ushort)protocol);
        sum += BinaryPrimitives.ReverseEndianness((ushort)length);
        return sum;
    }

    /// <summary>
    /// Ones'-complement sum of <paramref name="data"/> read as little-endian words (RFC 1071: the
    /// sum is byte-order independent, so it is folded and stored little-endian).
    /// </summary>
    private static ulong Sum(ReadOnlySpan<byte> data)
    {
        ulong sum = 0;
        ReadOnlySpan<uint> words = MemoryMarshal.Cast<byte, uint>(data);
        foreach (uint w in words) sum += w;
        int i = words.Length * 4;
        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(data[i..]);
            i += 2;
        }
        if (i < data.Length) sum += data[i];
        return sum;
    }

    private static ushort Finish(ulong sum)
    {
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public void Flush()
    {
        _file.Write(_buffer, 0, _length);
        _length = 0;
    }

    public void Dispose()
    {
        Flush();
        _file.Dispose();
    }
}
