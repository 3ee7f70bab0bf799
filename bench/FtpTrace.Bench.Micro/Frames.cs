using System.Buffers.Binary;
using FtpTrace.Decoding;

namespace FtpTrace.Bench;

/// <summary>Builds Ethernet frames and decoded segments for the micro-benchmarks (no checksums: nothing verifies them).</summary>
internal static class Frames
{
    public const int Mss = 1448;

    /// <summary>An Ethernet/IPv4 (or IPv6) TCP frame with <paramref name="payload"/> bytes of payload.</summary>
    public static byte[] Tcp(bool v6, uint client, ushort sourcePort, ushort destinationPort, uint seq, uint ack, byte flags, int payload)
    {
        int ipHeader = v6 ? 40 : 20;
        var frame = new byte[14 + ipHeader + 20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), v6 ? (ushort)0x86DD : (ushort)0x0800);
        Span<byte> ip = frame.AsSpan(14);
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(20 + payload));
            ip[6] = 6;
            ip[7] = 64;
            ip[8] = 0xfd;
            BinaryPrimitives.WriteUInt32BigEndian(ip[20..], client);
            ip[24] = 0xfd;
            ip[39] = 1;
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 20 + payload));
            BinaryPrimitives.WriteUInt16BigEndian(ip[6..], 0x4000);
            ip[8] = 64;
            ip[9] = 6;
            BinaryPrimitives.WriteUInt32BigEndian(ip[12..], 0x0A00_0000 | client);
            BinaryPrimitives.WriteUInt32BigEndian(ip[16..], 0xAC10_0001);
        }
        Span<byte> tcp = ip[ipHeader..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 64240);
        for (int i = 0; i < payload; i++) tcp[20 + i] = (byte)(i * 131 + 7);
        return frame;
    }

    public static Endpoint Client(uint client, ushort port) => new(IpAddress.FromV4(0x0A00_0000 | client), port);

    public static Endpoint Server(ushort port) => new(IpAddress.FromV4(0xAC10_0001), port);

    /// <summary>A decoded segment (what PacketDecoder hands the flow table).</summary>
    public static TcpSegment Segment(Endpoint source, Endpoint destination, uint seq, uint ack, TcpFlags flags, ReadOnlySpan<byte> payload, long frame, long timeNs) => new()
    {
        Frame = frame,
        TimestampNs = timeNs,
        Source = source,
        Destination = destination,
        Sequence = seq,
        Acknowledgment = ack,
        Flags = flags,
        Window = 64240,
        Payload = payload,
        PayloadLength = payload.Length,
    };
}
