using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;

namespace FtpTrace.Tests.TestSupport;

/// <summary>
/// One record to write: capture time (ns since the Unix epoch), link type, captured bytes, and the
/// length on the wire (larger than <paramref name="Data"/> when a snapshot length cut the frame).
/// </summary>
public sealed record CraftedFrame(long TimestampNs, int LinkType, byte[] Data, int OriginalLength)
{
    public CraftedFrame(long timestampNs, int linkType, byte[] data)
        : this(timestampNs, linkType, data, data?.Length ?? 0)
    {
    }
}

/// <summary>
/// Writes capture files in memory for tests: pcap (µs or ns, either byte order, any snaplen) and
/// pcapng (through <see cref="PcapngBuilder"/>: several sections in either byte order, several
/// interfaces with their own link type, snaplen, if_tsresol and if_tsoffset, enhanced / simple /
/// obsolete packet blocks and arbitrary other blocks). <see cref="Cut"/> makes a truncated file.
/// </summary>
public static class CaptureWriter
{
    /// <summary>A pcap file. Every frame must have the same link type (the header holds one).</summary>
    /// <param name="frames">The records.</param>
    /// <param name="nanoseconds">True for the a1b23c4d magic (ns timestamps); false for µs (truncating sub-µs digits).</param>
    /// <param name="bigEndian">Write the file in big-endian byte order.</param>
    /// <param name="snaplen">The header's snapshot length (not applied to the data: cut frames yourself).</param>
    /// <param name="linkType">The header's link type; defaults to the first frame's (1 when there is none).</param>
    public static byte[] Pcap(IEnumerable<CraftedFrame> frames, bool nanoseconds = false, bool bigEndian = false, int snaplen = 262144,
        int? linkType = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var list = frames.ToList();
        int lt = linkType ?? (list.Count > 0 ? list[0].LinkType : 1);
        if (list.Any(f => f.LinkType != lt)) throw new ArgumentException("a pcap file holds one link type; use pcapng", nameof(frames));
        var w = new Writer(bigEndian);
        w.U32(nanoseconds ? 0xA1B23C4Du : 0xA1B2C3D4u);
        w.U16(2);
        w.U16(4);
        w.U32(0);
        w.U32(0);
        w.U32((uint)snaplen);
        w.U32((uint)lt);
        foreach (var f in list)
        {
            long seconds = Math.DivRem(f.TimestampNs, 1_000_000_000L, out long ns);
            w.U32((uint)seconds);
            w.U32((uint)(nanoseconds ? ns : ns / 1000));
            w.U32((uint)f.Data.Length);
            w.U32((uint)f.OriginalLength);
            w.Bytes(f.Data);
        }
        return w.ToArray();
    }

    /// <summary>A one-section pcapng file with one interface per link type (in order of first use), nanosecond resolution.</summary>
    public static byte[] Pcapng(IEnumerable<CraftedFrame> frames, bool bigEndian = false)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var b = new PcapngBuilder().Section(bigEndian);
        var interfaces = new List<int>();
        foreach (var f in frames)
        {
            int id = interfaces.IndexOf(f.LinkType);
            if (id < 0)
            {
                interfaces.Add(f.LinkType);
                b.Interface(f.LinkType, tsresol: 9);
                id = interfaces.Count - 1;
            }
            b.Packet(id, f);
        }
        return b.ToArray();
    }

    /// <summary>The first <paramref name="length"/> bytes of a file: a capture cut off there.</summary>
    public static byte[] Cut(byte[] file, int length)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file[..length];
    }

    /// <summary>The file gzip-compressed.</summary>
    public static byte[] Gzip(byte[] file)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) gz.Write(file);
        return ms.ToArray();
    }

    /// <summary>Byte-order-aware little writer.</summary>
    internal sealed class Writer(bool bigEndian)
    {
        private readonly ArrayBufferWriter<byte> _ms = new();
        public bool BigEndian { get; } = bigEndian;
        public long Length => _ms.WrittenCount;

        public void U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
            _ms.Write(b);
        }

        public void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _ms.Write(b);
        }

        public void U64(ulong v)
        {
            Span<byte> b = stackalloc byte[8];
            if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, v); else BinaryPrimitives.WriteUInt64LittleEndian(b, v);
            _ms.Write(b);
        }

        public void Bytes(ReadOnlySpan<byte> b) => _ms.Write(b);

        public void Pad4()
        {
            while (_ms.WrittenCount % 4 != 0) _ms.Write((ReadOnlySpan<byte>)[0]);
        }

        public byte[] ToArray() => _ms.WrittenSpan.ToArray();
    }
}

/// <summary>
/// Builds a pcapng file block by block. Start each section with <see cref="Section"/>; interfaces
/// are numbered from 0 in each section in the order added. Timestamps are given in ns and
/// converted to each interface's resolution (truncating what it cannot hold, minus its offset).
/// </summary>
public sealed class PcapngBuilder
{
    private readonly ArrayBufferWriter<byte> _file = new();
    private readonly List<(byte TsResol, long OffsetSeconds, int Snaplen)> _interfaces = [];
    private bool _bigEndian;

    /// <summary>A Section Header Block; interfaces restart at 0.</summary>
    public PcapngBuilder Section(bool bigEndian = false, ushort major = 1)
    {
        _bigEndian = bigEndian;
        _interfaces.Clear();
        var body = new CaptureWriter.Writer(bigEndian);
        body.U32(0x1A2B3C4D);
        body.U16(major);
        body.U16(0);
        body.U64(ulong.MaxValue); // section length unknown
        return Block(0x0A0D0D0A, body);
    }

    /// <summary>An Interface Description Block.</summary>
    /// <param name="linkType">The LINKTYPE_ value.</param>
    /// <param name="tsresol">if_tsresol as stored: 0-127 = 10^-n, 0x80|n = 2^-n; null writes no option (10^-6).</param>
    /// <param name="tsOffsetSeconds">if_tsoffset; 0 writes no option.</param>
    /// <param name="snaplen">The interface's snapshot length (0 = none).</param>
    public PcapngBuilder Interface(int linkType, byte? tsresol = null, long tsOffsetSeconds = 0, int snaplen = 0)
    {
        var body = new CaptureWriter.Writer(_bigEndian);
        body.U16((ushort)linkType);
        body.U16(0);
        body.U32((uint)snaplen);
        if (tsresol is byte r)
        {
            body.U16(9);
            body.U16(1);
            body.Bytes([r, 0, 0, 0]);
        }
        if (tsOffsetSeconds != 0)
        {
            body.U16(14);
            body.U16(8);
            body.U64((ulong)tsOffsetSeconds);
        }
        if (tsresol is not null || tsOffsetSeconds != 0)
        {
            body.U16(0);
            body.U16(0);
        }
        _interfaces.Add((tsresol ?? 6, tsOffsetSeconds, snaplen));
        return Block(1, body);
    }

    /// <summary>An Enhanced Packet Block on <paramref name="interfaceId"/> (which may be undescribed, to test that case).</summary>
    public PcapngBuilder Packet(int interfaceId, CraftedFrame frame, uint? capturedLengthField = null)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var body = new CaptureWriter.Writer(_bigEndian);
        body.U32((uint)interfaceId);
        ulong ticks = TicksFor(frame.TimestampNs, interfaceId);
        body.U32((uint)(ticks >> 32));
        body.U32((uint)ticks);
        body.U32(capturedLengthField ?? (uint)frame.Data.Length);
        body.U32((uint)frame.OriginalLength);
        body.Bytes(frame.Data);
        body.Pad4();
        return Block(6, body);
    }

    /// <summary>An obsolete Packet Block (type 2).</summary>
    public PcapngBuilder ObsoletePacket(int interfaceId, CraftedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var body = new CaptureWriter.Writer(_bigEndian);
        body.U16((ushort)interfaceId);
        body.U16(0);
        ulong ticks = TicksFor(frame.TimestampNs, interfaceId);
        body.U32((uint)(ticks >> 32));
        body.U32((uint)ticks);
        body.U32((uint)frame.Data.Length);
        body.U32((uint)frame.OriginalLength);
        body.Bytes(frame.Data);
        body.Pad4();
        return Block(2, body);
    }

    /// <summary>A Simple Packet Block (interface 0, no timestamp); the captured length is min(original, snaplen of interface 0).</summary>
    public PcapngBuilder SimplePacket(CraftedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var body = new CaptureWriter.Writer(_bigEndian);
        body.U32((uint)frame.OriginalLength);
        body.Bytes(frame.Data);
        body.Pad4();
        return Block(3, body);
    }

    /// <summary>Any block with a raw body (padded to 4), e.g. a Name Resolution Block (4) or a custom one.</summary>
    public PcapngBuilder RawBlock(uint type, byte[] body)
    {
        var w = new CaptureWriter.Writer(_bigEndian);
        w.Bytes(body);
        w.Pad4();
        return Block(type, w);
    }

    /// <summary>Raw bytes appended as they are (to build damaged files).</summary>
    public PcapngBuilder Bytes(byte[] bytes)
    {
        _file.Write(bytes);
        return this;
    }

    /// <summary>Current length of the file (a block's offset before it is added).</summary>
    public long Length => _file.WrittenCount;

    public byte[] ToArray() => _file.WrittenSpan.ToArray();

    /// <summary>Ticks per second of a stored if_tsresol value.</summary>
    public static ulong UnitsPerSecond(byte tsresol)
    {
        int e = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0) return 1UL << e;
        ulong u = 1;
        for (int i = 0; i < e; i++) u *= 10;
        return u;
    }

    private ulong TicksFor(long timestampNs, int interfaceId)
    {
        var (tsresol, offset, _) = interfaceId < _interfaces.Count ? _interfaces[interfaceId] : ((byte)6, 0L, 0);
        long ns = timestampNs - (offset * 1_000_000_000L);
        ulong units = UnitsPerSecond(tsresol);
        ulong seconds = (ulong)(ns / 1_000_000_000L);
        ulong fraction = (ulong)(ns % 1_000_000_000L);
        return (seconds * units) + (ulong)((UInt128)fraction * units / 1_000_000_000UL);
    }

    private PcapngBuilder Block(uint type, CaptureWriter.Writer body)
    {
        var content = body.ToArray();
        var w = new CaptureWriter.Writer(_bigEndian);
        uint total = (uint)(12 + content.Length);
        w.U32(type);
        w.U32(total);
        w.Bytes(content);
        w.U32(total);
        _file.Write(w.ToArray());
        return this;
    }
}
