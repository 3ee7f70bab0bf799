using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using FtpTrace.Diagnostics;

namespace FtpTrace.Capture;

/// <summary>
/// Reads pcap and pcapng captures from a file or any stream (standard input included) without
/// native code and without copying: frames are spans into a large pooled buffer (1 MiB, grown for
/// a larger block). Gzip-compressed captures are decompressed on the fly.
/// </summary>
/// <remarks>
/// <para>Formats: pcap with microsecond (a1b2c3d4) or nanosecond (a1b23c4d) timestamps in either
/// byte order; pcapng with any number of sections in either byte order (interface numbers restart
/// in each section), Interface Description Blocks with their own link type, snapshot length,
/// <c>if_tsresol</c> (a power of 10 or of 2) and <c>if_tsoffset</c>, Enhanced Packet Blocks,
/// Simple Packet Blocks (interface 0, timestamp 0 plus the interface's offset) and the obsolete
/// Packet Block. Every other block is skipped by its length. Timestamps become nanoseconds since
/// the Unix epoch; a fraction finer than a nanosecond is truncated (as libpcap does).</para>
/// <para>Damage policy (reported to the anomaly sink, never thrown):
/// a file that ends inside a record or block reports <see cref="AnomalyKind.TruncatedFile"/>
/// (frame = the number the cut record would have had) and ends the capture.
/// A pcap record whose captured length exceeds <see cref="FtpTraceLimits.MaxRecordLength"/>, a pcapng
/// block whose length is below 12, not a multiple of 4, too large, or different from its trailing
/// copy, and a later section header with a bad byte-order magic or an unknown major version report
/// <see cref="AnomalyKind.MalformedCaptureRecord"/> and END the capture: the next record cannot be
/// found safely. A pcapng packet block whose own fields are wrong (captured length beyond the block or
/// the limit, block too short for its fields) while its block length is consistent at both ends is
/// reported as <see cref="AnomalyKind.MalformedCaptureRecord"/> and SKIPPED: reading resumes at the
/// next block. A packet on an interface that was never described reports
/// <see cref="AnomalyKind.UnknownInterface"/> and is skipped. A skipped packet block keeps its frame
/// number, so numbers stay the positions of packet records in the file. A record (pcap) or
/// packet block (pcapng) that holds more captured bytes than its original length says the packet
/// had is reported as <see cref="AnomalyKind.MalformedCaptureRecord"/> and read all the same, with
/// its captured bytes and the original length as written (libpcap accepts it too).</para>
/// <para>Only opening throws <see cref="CaptureFileException"/>: no such file, unreadable, empty,
/// or first bytes that are no known magic. A file that starts with (a prefix of) a known magic but
/// is shorter than its header reports <see cref="AnomalyKind.TruncatedFile"/> and yields no frame.</para>
/// </remarks>
public sealed class ManagedCaptureReader : ICaptureReader
{
    /// <summary>Size of the pooled read buffer.</summary>
    public const int BufferSize = 1 << 20;

    private const uint BlockSectionHeader = CaptureMagic.PcapngSectionHeader;
    private const uint BlockInterfaceDescription = 1;
    private const uint BlockObsoletePacket = 2;
    private const uint BlockSimplePacket = 3;
    private const uint BlockEnhancedPacket = 6;
    private const ushort OptionEnd = 0;
    private const ushort OptionTsResol = 9;
    private const ushort OptionTsOffset = 14;
    private const ulong DefaultUnitsPerSecond = 1_000_000;

    private readonly Stream _source;
    private readonly Stream _file;
    private readonly bool _leaveOpen;
    private readonly bool _compressed;
    private readonly FtpTraceLimits _limits;
    private IAnomalySink _anomalies;
    private readonly int _maxBlockLength;
    private readonly CaptureFormat _format;
    private readonly List<PcapngInterface> _interfaces = [];

    private byte[] _buffer;
    // Set when a thread reads the file ahead (files only): _buffer is then one of its blocks, or, for a
    // record longer than a block's headroom, an array from the pool (_bufferIsBlock false).
    private ReadAhead? _readAhead;
    private bool _bufferIsBlock;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _endOfStream;
    private string? _readError;
    private bool _done;
    private long _lastFrame;

    private bool _bigEndian;
    private int _pcapLinkType;
    private bool _pcapNanoseconds;

    /// <summary>Opens a capture file.</summary>
    /// <exception cref="CaptureFileException">The file is missing, unreadable, empty or not a capture.</exception>
    public ManagedCaptureReader(string path, FtpTraceLimits limits, IAnomalySink anomalies)
        : this(OpenFile(path), path, limits, anomalies, leaveOpen: false)
    {
    }

    /// <summary>
    /// Opens a capture file that will be read on a thread of the caller's own
    /// (<see cref="FtpTrace.Analysis.DecodeAhead"/>): an uncompressed file is then read in line on
    /// that thread, with no read-ahead thread of its own; a compressed one is still decompressed ahead.
    /// </summary>
    internal ManagedCaptureReader(string path, FtpTraceLimits limits, IAnomalySink anomalies, bool readAheadUncompressed)
        : this(OpenFile(path), path, limits, anomalies, leaveOpen: false, readAheadUncompressed)
    {
    }

    /// <summary>Reads a capture from a stream, which need not be seekable (standard input).</summary>
    /// <param name="stream">The capture bytes (pcap, pcapng, or either gzip-compressed).</param>
    /// <param name="name">The name used in anomalies and errors (a path, or <c>-</c>).</param>
    /// <param name="limits">Limits; <see cref="FtpTraceLimits.MaxRecordLength"/> bounds a record.</param>
    /// <param name="anomalies">Receives damage found in the file.</param>
    /// <param name="leaveOpen">True to leave <paramref name="stream"/> open on dispose.</param>
    /// <exception cref="CaptureFileException">The stream is empty or not a capture.</exception>
    public ManagedCaptureReader(Stream stream, string name, FtpTraceLimits limits, IAnomalySink anomalies, bool leaveOpen = false)
        : this(stream, name, limits, anomalies, leaveOpen, readAheadUncompressed: true)
    {
    }

    private ManagedCaptureReader(Stream stream, string name, FtpTraceLimits limits, IAnomalySink anomalies, bool leaveOpen, bool readAheadUncompressed)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(anomalies);
        Name = name;
        _file = stream;
        _leaveOpen = leaveOpen;
        _limits = limits;
        _anomalies = anomalies;
        _maxBlockLength = Math.Max(16 << 20, limits.MaxRecordLength + 1024);
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            _source = stream;
            TrySetLength();
            var head = new byte[4];
            int n = ReadPrefix(stream, head, name);
            if (n == 0) throw new CaptureFileException(name, "empty file");
            if (CaptureMagic.Identify(head.AsSpan(0, n)) == CaptureFormat.Gzip)
            {
                _compressed = true;
                _source = new GZipStream(new PrefixedStream(head.AsMemory(0, n), stream), CompressionMode.Decompress, leaveOpen: true);
                n = ReadPrefix(_source, head, name);
                if (n == 0) throw new CaptureFileException(name, "empty file (gzip-compressed)");
            }
            head.AsSpan(0, n).CopyTo(_buffer);
            _end = n;
            _format = CaptureMagic.Identify(head.AsSpan(0, n));
            if (_format is CaptureFormat.Unknown or CaptureFormat.Gzip)
            {
                if (n < 4 && CaptureMagic.IsPrefixOfKnownMagic(head.AsSpan(0, n)))
                {
                    Report(AnomalyKind.TruncatedFile, 1, $"file ends at byte {n}, inside the file header");
                    _done = true;
                    return;
                }
                string what = _format == CaptureFormat.Gzip ? "gzip inside gzip" : $"starts with {CaptureMagic.Hex(head.AsSpan(0, n))}";
                throw new CaptureFileException(name, $"not a pcap or pcapng file ({what})");
            }
            // A file (not a pipe, whose reads may block for ever) of a few blocks or more is read ahead
            // on a thread of its own; a small one is read at once without.
            if (stream is FileStream { Length: > ReadAhead.MinimumFileLength } && (_compressed || readAheadUncompressed)) _readAhead = new ReadAhead(_source);
            if (_format != CaptureFormat.Pcapng) ReadPcapHeader();
        }
        catch
        {
            DisposeCore();
            throw;
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <remarks>For a compressed capture, the position in the compressed input (0 if it cannot tell).</remarks>
    public long Position
    {
        get
        {
            if (!_compressed) return _bufferOffset + _start;
            try { return _file.CanSeek ? _file.Position : 0; }
            catch (ObjectDisposedException) { return 0; }
        }
    }

    /// <inheritdoc/>
    public long Length { get; private set; } = -1;

    /// <summary>
    /// Where the next unread byte is in the capture data (after decompression, for a compressed
    /// capture): how anomalies say where a record is. Unlike <see cref="Position"/> of a compressed
    /// file, which follows the compressed input as far as it has been read ahead, it names the same
    /// byte however the file is read.
    /// </summary>
    private long CaptureOffset => _bufferOffset + _start;

    /// <summary>An offset from <see cref="CaptureOffset"/> for an anomaly's detail.</summary>
    private string Where(long offset) =>
        _compressed ? $"byte {offset} of the decompressed capture" : $"byte {offset}";

    /// <summary>True while a thread reads the file ahead (<see cref="ReadAhead"/>).</summary>
    internal bool ReadsAhead => _readAhead is not null;

    /// <summary>Where damage found in the file is reported; see <see cref="FtpTrace.Analysis.DecodeAhead"/>.</summary>
    internal IAnomalySink Anomalies
    {
        get => _anomalies;
        set => _anomalies = value;
    }

    /// <summary>The link type from the pcap header, or of the first interface of a pcapng file; -1 before one is known.</summary>
    public int FirstLinkType { get; private set; } = -1;

    /// <inheritdoc/>
    public bool TryReadNext(out CaptureFrame frame)
    {
        while (!_done)
        {
            bool got = _format == CaptureFormat.Pcapng ? ReadBlock(out frame) : ReadPcapRecord(out frame);
            if (got) return true;
        }
        frame = default;
        return false;
    }

    public void Dispose()
    {
        _done = true;
        DisposeCore();
    }

    private void DisposeCore()
    {
        // The read-ahead thread leaves the stream before the stream is disposed.
        if (_bufferIsBlock) _readAhead!.Return(_buffer);
        else if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _bufferIsBlock = false;
        _readAhead?.Dispose();
        _readAhead = null;
        _buffer = [];
        _start = _end = 0;
        if (_compressed) _source.Dispose();
        if (!_leaveOpen) _file.Dispose();
    }

    // ------------------------------------------------------------------ pcap

    private void ReadPcapHeader()
    {
        int avail = Fill(24);
        if (avail < 24)
        {
            ReportTruncated(0, 24, avail);
            return;
        }
        var h = _buffer.AsSpan(_start, 24);
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(h);
        _bigEndian = magicLe != CaptureMagic.PcapMicroseconds && magicLe != CaptureMagic.PcapNanoseconds;
        _pcapNanoseconds = _format == CaptureFormat.PcapNanoseconds;
        // Bits 26-31 of the link-type field carry FCS information, not the link type.
        _pcapLinkType = (int)(U32(h[20..]) & 0x03FF_FFFF);
        FirstLinkType = _pcapLinkType;
        _start += 24;
    }

    private bool ReadPcapRecord(out CaptureFrame frame)
    {
        frame = default;
        long recordStart = CaptureOffset;
        int avail = Fill(16);
        if (avail == 0)
        {
            EndOfCapture();
            return false;
        }
        if (avail < 16)
        {
            ReportTruncated(recordStart, 16, avail);
            return false;
        }
        var h = _buffer.AsSpan(_start, 16);
        uint seconds = U32(h);
        uint fraction = U32(h[4..]);
        uint captured = U32(h[8..]);
        uint original = U32(h[12..]);
        if (captured > (uint)_limits.MaxRecordLength)
        {
            ReportMalformed(_lastFrame + 1,
                $"record at {Where(recordStart)} claims {captured} captured bytes, more than the limit {_limits.MaxRecordLength}; the rest of the file cannot be resynchronised");
            _done = true;
            return false;
        }
        int total = 16 + (int)captured;
        avail = Fill(total);
        if (avail < total)
        {
            ReportTruncated(recordStart, total, avail);
            return false;
        }
        long ns = (seconds * 1_000_000_000L) + (_pcapNanoseconds ? fraction : fraction * 1000L);
        if (captured > original) ReportCapturedBeyondOriginal(_lastFrame + 1, "record", recordStart, captured, original);
        frame = new CaptureFrame(++_lastFrame, ns, _pcapLinkType, ClampToInt(original), _buffer.AsSpan(_start + 16, (int)captured));
        _start += total;
        return true;
    }

    /// <summary>
    /// The bytes and link type of the frame <paramref name="ahead"/> records after the last one read
    /// (1 = the next), when it is already in the buffer; nothing is consumed, checked or reported.
    /// Classic pcap only: the analyser uses it to prefetch the connections of the coming packets.
    /// </summary>
    internal bool TryPeek(int ahead, out ReadOnlySpan<byte> data, out int linkType)
    {
        data = default;
        linkType = _pcapLinkType;
        if (_done || _format is not (CaptureFormat.PcapMicroseconds or CaptureFormat.PcapNanoseconds)) return false;
        int at = _start;
        for (int i = 1; ; i++)
        {
            if (_end - at < 16) return false;
            uint captured = U32(_buffer.AsSpan(at + 8, 4));
            if (captured > (uint)(_end - at - 16)) return false;
            if (i == ahead)
            {
                data = _buffer.AsSpan(at + 16, (int)captured);
                return true;
            }
            at += 16 + (int)captured;
        }
    }

    // ------------------------------------------------------------------ pcapng

    private bool ReadBlock(out CaptureFrame frame)
    {
        frame = default;
        long blockStart = CaptureOffset;
        int avail = Fill(8);
        if (avail == 0)
        {
            EndOfCapture();
            return false;
        }
        if (avail < 8)
        {
            ReportTruncated(blockStart, 8, avail);
            return false;
        }
        uint rawType = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        if (rawType == BlockSectionHeader)
        {
            avail = Fill(12);
            if (avail < 12)
            {
                ReportTruncated(blockStart, 12, avail);
                return false;
            }
            var bom = _buffer.AsSpan(_start + 8, 4);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bom) == CaptureMagic.PcapngByteOrder) _bigEndian = false;
            else if (BinaryPrimitives.ReadUInt32BigEndian(bom) == CaptureMagic.PcapngByteOrder) _bigEndian = true;
            else
            {
                ReportMalformed(_lastFrame + 1, $"section header at {Where(blockStart)} has no byte-order magic ({CaptureMagic.Hex(bom)}); reading stops");
                _done = true;
                return false;
            }
        }
        uint type = U32(_buffer.AsSpan(_start));
        uint length = U32(_buffer.AsSpan(_start + 4));
        if (length < 12 || length % 4 != 0 || length > (uint)_maxBlockLength)
        {
            ReportMalformed(_lastFrame + 1, $"block of type {type} at {Where(blockStart)} has an impossible length {length}; reading stops");
            _done = true;
            return false;
        }
        avail = Fill((int)length);
        if (avail < length)
        {
            ReportTruncated(blockStart, (int)length, avail);
            return false;
        }
        var block = _buffer.AsSpan(_start, (int)length);
        uint trailer = U32(block[^4..]);
        if (trailer != length)
        {
            ReportMalformed(_lastFrame + 1, $"block of type {type} at {Where(blockStart)} has length {length} but trailing length {trailer}; reading stops");
            _done = true;
            return false;
        }
        // The block is consumed now; its bytes stay in the buffer until the next read.
        _start += (int)length;
        var body = block[8..^4];
        switch (type)
        {
            case BlockSectionHeader:
                ReadSectionHeader(body, blockStart);
                return false;
            case BlockInterfaceDescription:
                ReadInterfaceDescription(body, blockStart);
                return false;
            case BlockEnhancedPacket:
                return ReadPacket(body, blockStart, enhanced: true, out frame);
            case BlockObsoletePacket:
                return ReadPacket(body, blockStart, enhanced: false, out frame);
            case BlockSimplePacket:
                return ReadSimplePacket(body, blockStart, out frame);
            default:
                return false;
        }
    }

    private void ReadSectionHeader(ReadOnlySpan<byte> body, long blockStart)
    {
        _interfaces.Clear();
        if (body.Length < 16)
        {
            ReportMalformed(_lastFrame + 1, $"section header at {Where(blockStart)} is {body.Length + 12} bytes, shorter than 28; reading stops");
            _done = true;
            return;
        }
        ushort major = U16(body[4..]);
        if (major != 1)
        {
            ReportMalformed(_lastFrame + 1, $"section header at {Where(blockStart)} has unknown major version {major}; reading stops");
            _done = true;
            return;
        }
    }

    private void ReadInterfaceDescription(ReadOnlySpan<byte> body, long blockStart)
    {
        if (body.Length < 8)
        {
            // The interface still takes its number so later ones keep theirs; packets on it are skipped.
            ReportMalformed(_lastFrame + 1, $"interface description at {Where(blockStart)} is too short ({body.Length + 12} bytes)");
            _interfaces.Add(new PcapngInterface(-1, 0, DefaultUnitsPerSecond, 0));
            return;
        }
        int linkType = U16(body);
        uint snaplen = U32(body[4..]);
        ulong units = DefaultUnitsPerSecond;
        long offsetSeconds = 0;
        var options = body[8..];
        while (options.Length >= 4)
        {
            ushort code = U16(options);
            int len = U16(options[2..]);
            if (code == OptionEnd) break;
            int padded = (len + 3) & ~3;
            if (4 + len > options.Length) break;
            var value = options.Slice(4, len);
            if (code == OptionTsResol && len >= 1)
            {
                if (!TryUnitsPerSecond(value[0], out units))
                {
                    ReportMalformed(_lastFrame + 1, $"interface description at {Where(blockStart)} has an unusable if_tsresol 0x{value[0]:x2}; microseconds assumed");
                    units = DefaultUnitsPerSecond;
                }
            }
            else if (code == OptionTsOffset && len >= 8)
            {
                offsetSeconds = _bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value);
            }
            options = options[Math.Min(options.Length, 4 + padded)..];
        }
        _interfaces.Add(new PcapngInterface(linkType, snaplen, units, offsetSeconds));
        if (FirstLinkType < 0) FirstLinkType = linkType;
    }

    private static bool TryUnitsPerSecond(byte tsresol, out ulong units)
    {
        int exponent = tsresol & 0x7F;
        units = 0;
        if ((tsresol & 0x80) != 0)
        {
            if (exponent > 63) return false;
            units = 1UL << exponent;
            return true;
        }
        if (exponent > 19) return false;
        units = 1;
        for (int i = 0; i < exponent; i++) units *= 10;
        return true;
    }

    private bool ReadPacket(ReadOnlySpan<byte> body, long blockStart, bool enhanced, out CaptureFrame frame)
    {
        frame = default;
        long number = ++_lastFrame;
        string what = enhanced ? "enhanced packet block" : "packet block";
        if (body.Length < 20)
        {
            ReportMalformed(number, $"{what} at {Where(blockStart)} is too short ({body.Length + 12} bytes); skipped");
            return false;
        }
        int interfaceId = enhanced ? (int)Math.Min(U32(body), int.MaxValue) : U16(body);
        ulong ticks = ((ulong)U32(body[4..]) << 32) | U32(body[8..]);
        uint captured = U32(body[12..]);
        uint original = U32(body[16..]);
        if (captured > (uint)_limits.MaxRecordLength || captured > (uint)(body.Length - 20))
        {
            ReportMalformed(number, $"{what} at {Where(blockStart)} claims {captured} captured bytes but holds {body.Length - 20} (limit {_limits.MaxRecordLength}); skipped");
            return false;
        }
        if (!TryGetInterface(interfaceId, number, blockStart, out var itf)) return false;
        if (captured > original) ReportCapturedBeyondOriginal(number, what, blockStart, captured, original);
        frame = new CaptureFrame(number, ToNanoseconds(ticks, itf), itf.LinkType, ClampToInt(original), body.Slice(20, (int)captured));
        return true;
    }

    private bool ReadSimplePacket(ReadOnlySpan<byte> body, long blockStart, out CaptureFrame frame)
    {
        frame = default;
        long number = ++_lastFrame;
        if (body.Length < 4)
        {
            ReportMalformed(number, $"simple packet block at {Where(blockStart)} is too short; skipped");
            return false;
        }
        if (!TryGetInterface(0, number, blockStart, out var itf)) return false;
        uint original = U32(body);
        uint captured = itf.Snaplen != 0 ? Math.Min(original, itf.Snaplen) : original;
        if (captured > (uint)_limits.MaxRecordLength || captured > (uint)(body.Length - 4))
        {
            ReportMalformed(number, $"simple packet block at {Where(blockStart)} claims {captured} captured bytes but holds {body.Length - 4}; skipped");
            return false;
        }
        frame = new CaptureFrame(number, ToNanoseconds(0, itf), itf.LinkType, ClampToInt(original), body.Slice(4, (int)captured));
        return true;
    }

    private bool TryGetInterface(int interfaceId, long number, long blockStart, out PcapngInterface itf)
    {
        if ((uint)interfaceId < (uint)_interfaces.Count && _interfaces[interfaceId].LinkType >= 0)
        {
            itf = _interfaces[interfaceId];
            return true;
        }
        itf = default;
        _anomalies.Report(new Anomaly(AnomalyKind.UnknownInterface, number, 0, 0,
            $"packet at {Where(blockStart)} is on interface {interfaceId}, but its section describes {_interfaces.Count}; skipped"));
        return false;
    }

    private static long ToNanoseconds(ulong ticks, in PcapngInterface itf)
    {
        ulong units = itf.UnitsPerSecond;
        long ns;
        if (units == 1_000_000) ns = (long)(ticks * 1000);
        else if (units == 1_000_000_000) ns = (long)ticks;
        else
        {
            ulong seconds = ticks / units;
            ulong fraction = ticks % units;
            ns = (long)(seconds * 1_000_000_000UL) + (long)(ulong)((UInt128)fraction * 1_000_000_000UL / units);
        }
        return ns + (itf.OffsetSeconds * 1_000_000_000L);
    }

    // ------------------------------------------------------------------ buffer and stream

    /// <summary>Makes at least <paramref name="need"/> unconsumed bytes available if the input has them; returns how many are.</summary>
    private int Fill(int need)
    {
        int avail = _end - _start;
        if (avail >= need || _endOfStream) return avail;
        if (_readAhead is not null) return FillFromBlocks(need);
        if (need > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
            _buffer.AsSpan(_start, avail).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
            Compacted(avail);
        }
        else if (_start + need > _buffer.Length)
        {
            _buffer.AsSpan(_start, avail).CopyTo(_buffer);
            Compacted(avail);
        }
        while (_end - _start < need)
        {
            int n;
            try
            {
                n = _source.Read(_buffer, _end, _buffer.Length - _end);
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                _readError = e.Message;
                n = 0;
            }
            if (n <= 0)
            {
                _endOfStream = true;
                break;
            }
            _end += n;
        }
        return _end - _start;
    }

    /// <summary>
    /// <see cref="Fill"/> from the read-ahead blocks: the unread bytes move into the headroom of the
    /// next block, which becomes the buffer; a record longer than the headroom is gathered in an array
    /// from the pool instead.
    /// </summary>
    private int FillFromBlocks(int need)
    {
        int avail = _end - _start;
        while (avail < need)
        {
            var block = _readAhead!.Next();
            if (block.Error is { } error)
            {
                // As a read on this thread would have met it: an I/O or data error ends the input, anything else propagates.
                if (error is not (IOException or InvalidDataException)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                _readError = error.Message;
            }
            if (block.Buffer is not { } data || block.Length == 0)
            {
                if (block.Buffer is { } last) _readAhead.Return(last);
                _endOfStream = true;
                break;
            }
            long fileOffsetOfStart = _bufferOffset + _start;
            if (avail <= ReadAhead.Headroom)
            {
                int at = ReadAhead.Headroom - avail;
                _buffer.AsSpan(_start, avail).CopyTo(data.AsSpan(at));
                ReleaseBuffer();
                _buffer = data;
                _bufferIsBlock = true;
                _start = at;
                _end = ReadAhead.Headroom + block.Length;
            }
            else
            {
                // A record longer than the headroom: gather it in a pool array.
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(avail + block.Length, _buffer.Length * 2));
                _buffer.AsSpan(_start, avail).CopyTo(larger);
                data.AsSpan(ReadAhead.Headroom, block.Length).CopyTo(larger.AsSpan(avail));
                _readAhead.Return(data);
                ReleaseBuffer();
                _buffer = larger;
                _bufferIsBlock = false;
                _start = 0;
                _end = avail + block.Length;
            }
            _bufferOffset = fileOffsetOfStart - _start;
            avail = _end - _start;
        }
        return avail;
    }

    private void ReleaseBuffer()
    {
        if (_bufferIsBlock) _readAhead!.Return(_buffer);
        else if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
    }

    private void Compacted(int avail)
    {
        _bufferOffset += _start;
        _start = 0;
        _end = avail;
    }

    private static int ReadPrefix(Stream stream, byte[] head, string name)
    {
        int n = 0;
        try
        {
            while (n < head.Length)
            {
                int r = stream.Read(head, n, head.Length - n);
                if (r <= 0) break;
                n += r;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new CaptureFileException(name, $"cannot be read ({e.Message})", e);
        }
        return n;
    }

    private static FileStream OpenFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new CaptureFileException(path, "is a directory, not a capture file");
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CaptureFileException(path, "no such file", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CaptureFileException(path, "permission denied", e);
        }
        catch (IOException e)
        {
            throw new CaptureFileException(path, $"cannot be opened ({e.Message})", e);
        }
    }

    private void TrySetLength()
    {
        try
        {
            Length = _file.CanSeek ? _file.Length : -1;
        }
        catch (NotSupportedException)
        {
            Length = -1;
        }
    }

    private void EndOfCapture()
    {
        _done = true;
        if (_readError is not null)
            Report(AnomalyKind.TruncatedFile, _lastFrame + 1, $"reading stopped at {Where(CaptureOffset)}: {_readError}");
    }

    private void ReportTruncated(long recordStart, int needed, int available)
    {
        _done = true;
        string why = _readError is null ? "" : $" ({_readError})";
        Report(AnomalyKind.TruncatedFile, _lastFrame + 1,
            $"file ends at {Where(recordStart + available)}, {available} bytes into a {needed}-byte record that starts at {Where(recordStart)}{why}");
    }

    /// <summary>A record holding more bytes than the packet had: impossible, but the captured bytes are still read (as libpcap does).</summary>
    private void ReportCapturedBeyondOriginal(long frame, string what, long start, uint captured, uint original) =>
        ReportMalformed(frame, $"{what} at {Where(start)} holds {captured} captured bytes, more than the packet's original length {original}; read as captured");

    private void ReportMalformed(long frame, string detail) => Report(AnomalyKind.MalformedCaptureRecord, frame, detail);

    private void Report(AnomalyKind kind, long frame, string detail) =>
        _anomalies.Report(new Anomaly(kind, frame, 0, 0, detail));

    private uint U32(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    private ushort U16(ReadOnlySpan<byte> s) => _bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);

    private static int ClampToInt(uint value) => value > int.MaxValue ? int.MaxValue : (int)value;

    /// <summary>One pcapng interface: link type (-1 when its description was unusable), snaplen, ticks per second, offset.</summary>
    private readonly record struct PcapngInterface(int LinkType, uint Snaplen, ulong UnitsPerSecond, long OffsetSeconds);

    /// <summary>A read-only stream that replays bytes already taken from <c>inner</c> before reading on.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty) return inner.Read(buffer);
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
    }
}
