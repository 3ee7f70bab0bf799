using System.Buffers;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;

namespace FtpTrace.Reassembly;

/// <summary>
/// Turns the segments one side of a TCP connection sends into an ordered byte stream and gaps,
/// handed to an <see cref="IReassemblyOutput"/> (<c>OnData</c> / <c>OnGap</c>, plus the byte and gap
/// counts). A self-contained building block of the Reassembly stage: it depends only on Decoding
/// (<see cref="TcpSegment"/>) and Diagnostics, and knows nothing of connection tracking, roles or lifetimes.
/// Layering: Decoding -> Reassembly (ordering one direction) -> Flows (connections, roles, lifetimes;
/// the flow table drives two reassemblers per connection, whose connection is their output and
/// forwards to its stream handler with the right direction) -> handlers.
/// <list type="bullet">
/// <item><b>Offsets</b> are 64-bit: 0 is ISN+1 when the SYN (or SYN+ACK) was seen, else the first
/// sequence number seen in the direction. Sequence numbers are unwrapped relative to the next
/// expected one with a signed 32-bit difference, so streams may cross 2^32. Bytes before offset 0
/// (a reordered earlier segment of a stream joined mid-stream) are dropped and counted.</item>
/// <item><b>In-order bytes</b> go to the handler straight from the segment (no copy).
/// Out-of-order bytes are copied into pooled arrays, sorted by offset, up to
/// <see cref="FtpTraceLimits.MaxBufferedBytesPerDirection"/> / <see cref="FtpTraceLimits.MaxBufferedSegmentsPerDirection"/>;
/// reaching a limit declares the hole before the first buffered byte a gap (<see cref="AnomalyKind.BufferLimit"/>).</item>
/// <item><b>Overlap policy: the first bytes received for a sequence number win</b> (Wireshark's
/// default). Retransmissions are dropped and partial overlaps deliver only the new bytes. Different
/// bytes for sequence numbers already held are a <see cref="AnomalyKind.ConflictingOverlap"/> (frame and
/// stream offset, one per segment), checked two ways:
/// against every buffered (undelivered) byte, byte for byte (the detail names the first differing offset);
/// and against what was already delivered through fingerprints of the last <see cref="HistorySegments"/>
/// delivered runs of the direction (one run per delivery, usually one segment): each run's length,
/// a 64-bit hash of it, and 32-bit hashes of its first 8 and 32 bytes.
/// <b>Limits of the delivered-bytes check</b>: a retransmission is compared with each remembered run it
/// covers completely (the same segment again, or several segments coalesced into one) and, when it
/// starts where a run started but ends inside it (e.g. a shorter forged reply), with that run's first
/// 32 (or 8) bytes; the detail names the start and length of the first run (or prefix) that differs,
/// not the exact byte. Not checked: bytes of a run a retransmission covers only from inside the run
/// (boundaries that differ from the original segments', e.g. re-segmented at a smaller MSS), the
/// bytes of a run past its first 32 when the retransmission ends inside it, retransmissions of fewer
/// than 8 bytes of a longer run, runs older than the last <see cref="HistorySegments"/>, and runs
/// before a gap. The fingerprints are held inline in the reassembler (about 100 bytes, no object
/// of their own) and cleared at a gap, at close and when the output stops reassembling.</item>
/// <item><b>Gaps</b> (bytes never captured) are declared when the peer acknowledges beyond a hole
/// (up to the highest byte seen: an ACK cannot tell a lost last segment from a lost FIN), at a
/// buffer limit, at close (FIN both ways, RST, idle timeout, eviction, end of capture; a FIN also
/// proves the bytes before it), and right away for the part of a segment cut by the snapshot length
/// (<see cref="AnomalyKind.SnaplenCut"/>). Each gap is an <c>OnGap</c> call and a <see cref="AnomalyKind.StreamGap"/>.
/// A gap range that was already received (or buffered) is not reported again: first received wins.</item>
/// <item><b>FIN</b>: the first FIN fixes the end of the direction. Bytes announced beyond it are dropped and
/// counted (<c>BytesAfterFin</c> of the shared counters), not delivered and not reported as an anomaly.</item>
/// <item>While the output is not <see cref="IReassemblyOutput.IsReassembling"/> (a connection without a
/// handler, or whose handler detached) the stream is still tracked by sequence numbers only, so byte
/// and gap counts stay right and retransmissions never count twice; it keeps no
/// bytes, holds at most <see cref="CountedOnlyMaxRanges"/> out-of-order ranges, and reports no stream anomalies.</item>
/// <item>A one-byte segment at the next offset minus one (a keep-alive, often carrying a garbage byte) is not a conflict.</item>
/// </list>
/// </summary>
public sealed class TcpStreamReassembler
{
    /// <summary>Delivered runs whose fingerprints are kept per direction to detect conflicting retransmissions.</summary>
    public const int HistorySegments = DeliveredHistory.Capacity;

    /// <summary>Out-of-order ranges held per direction of a connection that is only counted (its gaps are counted earlier past this).</summary>
    public const int CountedOnlyMaxRanges = 64;

    private readonly IReassemblyOutput _output;
    private readonly ReassemblyContext _context;
    private readonly int _stream;

    private uint _baseSequence;
    private long _next;
    private long _highestEnd;
    private long _ackedOffset;
    private long _finOffset = -1;
    private OutOfOrderBuffer? _buffer;
    private DeliveredHistory _history = new();
    private long _lastConflictFrame = -1;

    /// <param name="output">Receives the ordered bytes, gaps and counts; says whether the content is wanted.</param>
    /// <param name="stream">Tag passed back on every call to <paramref name="output"/> (e.g. 0/1 for the two sides of a connection).</param>
    /// <param name="context">Out-of-order buffer limits, the sink of stream anomalies (used only while the output is reassembling) and the totals shared by every reassembler of a table.</param>
    internal TcpStreamReassembler(IReassemblyOutput output, int stream, ReassemblyContext context)
    {
        _output = output;
        _stream = stream;
        _context = context;
    }

    /// <param name="output">Receives the ordered bytes, gaps and counts; says whether the content is wanted.</param>
    /// <param name="stream">Tag passed back on every call to <paramref name="output"/>.</param>
    /// <param name="limits">Out-of-order buffer limits.</param>
    /// <param name="anomalies">Receives stream anomalies (only while the output is reassembling).</param>
    /// <param name="counters">Totals shared by every reassembler of a table.</param>
    internal TcpStreamReassembler(IReassemblyOutput output, int stream, FtpTraceLimits limits, IAnomalySink anomalies, ReassemblyCounters counters)
        : this(output, stream, new ReassemblyContext(limits, anomalies, counters))
    {
    }

    /// <summary>The tag this reassembler passes to its <see cref="IReassemblyOutput"/>.</summary>
    public int Stream => _stream;

    /// <summary>True once offset 0 is fixed (SYN, or first segment with data or FIN).</summary>
    public bool Started { get; private set; }

    /// <summary>True when this side's SYN (or SYN+ACK) was seen.</summary>
    public bool SawSyn { get; private set; }

    /// <summary>The ISN of this side's first SYN; meaningful when <see cref="SawSyn"/>.</summary>
    public uint InitialSequence { get; private set; }

    /// <summary>True when this side's SYN carried an ACK (a SYN+ACK).</summary>
    public bool SawSynAck { get; private set; }

    /// <summary>The acknowledgment number of this side's SYN+ACK.</summary>
    public uint SynAckAcknowledgment { get; private set; }

    /// <summary>The next stream offset expected: every byte before it was delivered or declared a gap.</summary>
    public long NextOffset => _next;

    public bool FinSeen => _finOffset >= 0;

    /// <summary>FIN seen and every byte before it delivered or declared a gap.</summary>
    public bool Finished => _finOffset >= 0 && _next >= _finOffset;

    /// <summary>Out-of-order segments held (bytes or ranges).</summary>
    public int BufferedSegments => _buffer?.Count ?? 0;

    /// <summary>Bytes held in out-of-order buffers.</summary>
    public long BufferedBytes => _buffer?.Bytes ?? 0;

    /// <summary>Bytes still waiting for a hole to fill (buffered, or a FIN not reached yet).</summary>
    public bool HasPending => BufferedSegments > 0 || (FinSeen && !Finished);

    private bool Reassembling => _output.IsReassembling;

    /// <summary>Handles the SYN, payload and FIN of a segment this side sent (RST is handled by the table).</summary>
    internal void OnSegment(ref TcpSegment segment)
    {
        if (!Reassembling) DropHeldBytes();
        bool syn = segment.Has(TcpFlags.Syn);
        if (syn && !SawSyn)
        {
            SawSyn = true;
            InitialSequence = segment.Sequence;
            SawSynAck = segment.Has(TcpFlags.Ack);
            SynAckAcknowledgment = segment.Acknowledgment;
            if (!Started) Start(unchecked(segment.Sequence + 1));
        }
        int announced = Math.Max(segment.PayloadLength, segment.Payload.Length);
        bool fin = segment.Has(TcpFlags.Fin);
        if (announced == 0 && !fin) return;

        uint dataSequence = syn ? unchecked(segment.Sequence + 1) : segment.Sequence;
        if (!Started) Start(dataSequence);
        long offset = Unwrap(dataSequence);
        if (announced > 0) AcceptPayload(offset, segment.Payload, announced, segment.Frame, segment.TimestampNs);
        if (fin) AcceptFin(offset + announced);
    }

    /// <summary>The other side acknowledged <paramref name="acknowledgment"/>: holes below it (up to the highest byte seen) are gaps.</summary>
    internal void OnPeerAck(uint acknowledgment, long frame, long timeNs)
    {
        if (!Started) return;
        long acked = Unwrap(acknowledgment);
        if (acked <= _ackedOffset) return;
        _ackedOffset = acked;
        if (acked > _next && _highestEnd > _next) AdvanceTo(Math.Min(acked, _highestEnd), frame, timeNs);
    }

    /// <summary>The stream ends now: buffered bytes are delivered in order, every hole (and the bytes before a FIN) declared a gap.</summary>
    internal void Flush(long frame, long timeNs)
    {
        if (!Reassembling) DropHeldBytes();
        while (_buffer is { Count: > 0 })
        {
            long first = _buffer.First.Offset;
            if (first > _next) DeclareGap(first - _next, frame, timeNs);
            Drain();
        }
        if (_finOffset > _next) DeclareGap(_finOffset - _next, frame, timeNs);
    }

    /// <summary>Gives back every pooled array (at close).</summary>
    internal void Release()
    {
        _buffer?.Release();
        _buffer = null;
        ReleaseHistory();
    }

    /// <summary>Makes the reassembler as new (for a connection object the flow table reuses); gives back what it held.</summary>
    internal void Reset()
    {
        Release();
        _baseSequence = 0;
        _next = 0;
        _highestEnd = 0;
        _ackedOffset = 0;
        _finOffset = -1;
        _lastConflictFrame = -1;
        Started = false;
        SawSyn = false;
        InitialSequence = 0;
        SawSynAck = false;
        SynAckAcknowledgment = 0;
    }

    private void Start(uint sequence)
    {
        Started = true;
        _baseSequence = sequence;
    }

    /// <summary>The stream offset of <paramref name="sequence"/>: signed 32-bit distance from the next expected sequence number.</summary>
    private long Unwrap(uint sequence)
    {
        uint expected = unchecked(_baseSequence + (uint)_next);
        return _next + unchecked((int)(sequence - expected));
    }

    private void AcceptPayload(long start, ReadOnlySpan<byte> captured, int announced, long frame, long timeNs)
    {
        long end = start + announced;
        long capturedEnd = start + captured.Length;
        long high = _finOffset >= 0 ? _finOffset : long.MaxValue;
        if (start < 0) _context.Counters.BytesBeforeStart += Math.Min(end, 0) - start;
        if (end > high) _context.Counters.BytesAfterFin += end - Math.Max(start, high);

        if (announced > captured.Length && Reassembling)
        {
            _context.Anomalies.Report(new Anomaly(AnomalyKind.SnaplenCut, frame, timeNs, _output.ConnectionId,
                $"{_output.StreamName(_stream)}: segment at stream offset {start} announces {announced} bytes, {captured.Length} captured"));
        }

        long lo = Math.Max(start, 0), hi = Math.Min(end, high);
        if (hi <= lo) return;
        if (hi > _highestEnd) _highestEnd = hi;

        long dataEnd = Math.Min(capturedEnd, hi);
        if (dataEnd > lo) AcceptBytes(lo, captured.Slice((int)(lo - start), (int)(dataEnd - lo)), frame, timeNs);

        long missingStart = Math.Max(capturedEnd, lo);
        if (hi > missingStart) AcceptMissing(missingStart, hi, frame, timeNs);

        if (_ackedOffset > _next) AdvanceTo(Math.Min(_ackedOffset, _highestEnd), frame, timeNs);
    }

    private void AcceptBytes(long offset, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        long end = offset + data.Length;
        if (end <= _next)
        {
            _context.Counters.RetransmittedSegments++;
            // A keep-alive repeats the last byte sent, often with a garbage value: not a conflict.
            bool keepAlive = data.Length == 1 && offset == _next - 1;
            if (!keepAlive) CheckHistory(offset, data, frame, timeNs);
            return;
        }
        if (offset < _next)
        {
            int old = (int)(_next - offset);
            CheckHistory(offset, data[..old], frame, timeNs);
            data = data[old..];
            offset = _next;
        }

        if (offset > _next)
        {
            Insert(offset, data, data.Length, isGap: false, frame, timeNs);
            EnforceLimits(frame, timeNs);
            return;
        }

        // In order: deliver straight from the segment up to the first buffered byte.
        if (_buffer is not { Count: > 0 })
        {
            Deliver(data, frame, timeNs);
            return;
        }
        int take = (int)Math.Min(data.Length, _buffer.First.Offset - offset);
        if (take > 0) Deliver(data[..take], frame, timeNs);
        if (take < data.Length) Insert(offset + take, data[take..], data.Length - take, isGap: false, frame, timeNs);
        Drain();
    }

    /// <summary>Bytes the segment announced but the snapshot length cut: a gap once reached.</summary>
    private void AcceptMissing(long start, long end, long frame, long timeNs)
    {
        if (end <= _next) return;
        if (start < _next) start = _next;
        Insert(start, default, (int)(end - start), isGap: true, frame, timeNs);
        Drain();
        EnforceLimits(frame, timeNs);
    }

    private void AcceptFin(long finOffset)
    {
        if (_finOffset >= 0) return;
        if (finOffset < 0) finOffset = 0;
        _finOffset = Math.Max(finOffset, _next);
        if (_finOffset > _highestEnd) _highestEnd = _finOffset;
        if (_buffer is { Count: > 0 }) _context.Counters.BytesAfterFin += _buffer.TruncateAt(_finOffset);
    }

    /// <summary>
    /// Buffers [<paramref name="offset"/>, +<paramref name="length"/>) where no byte is held yet
    /// (first received wins), checking the bytes already held for conflicts.
    /// </summary>
    private void Insert(long offset, ReadOnlySpan<byte> data, int length, bool isGap, long frame, long timeNs)
    {
        _buffer ??= new OutOfOrderBuffer();
        bool keepBytes = !isGap && Reassembling;
        long position = offset, end = offset + length;
        int index = _buffer.IndexEndingAfter(position);
        while (position < end)
        {
            if (index < _buffer.Count && _buffer[index].Offset <= position)
            {
                ref PendingSegment held = ref _buffer[index];
                long overlapEnd = Math.Min(end, held.End);
                if (keepBytes && held.Data is not null)
                {
                    ReadOnlySpan<byte> mine = data.Slice((int)(position - offset), (int)(overlapEnd - position));
                    ReadOnlySpan<byte> theirs = held.Data.AsSpan((int)(position - held.Offset), mine.Length);
                    int same = mine.CommonPrefixLength(theirs);
                    if (same < mine.Length) ReportConflict(position + same, frame, timeNs);
                }
                position = overlapEnd;
                index++;
                continue;
            }

            long pieceEnd = index < _buffer.Count ? Math.Min(end, _buffer[index].Offset) : end;
            int pieceLength = (int)(pieceEnd - position);
            byte[]? copy = null;
            if (keepBytes)
            {
                copy = ArrayPool<byte>.Shared.Rent(pieceLength);
                data.Slice((int)(position - offset), pieceLength).CopyTo(copy);
            }
            _buffer.Insert(index, new PendingSegment
            {
                Offset = position, Length = pieceLength, Data = copy, IsGap = isGap, Frame = frame, TimeNs = timeNs,
            });
            index++;
            position = pieceEnd;
        }
    }

    /// <summary>Delivers buffered segments that start at (or before) the next expected offset.</summary>
    private void Drain()
    {
        while (_buffer is { Count: > 0 } && _buffer.First.Offset <= _next)
        {
            PendingSegment held = _buffer.RemoveFirst();
            if (held.End > _next)
            {
                int skip = (int)(_next - held.Offset);
                if (held.IsGap) DeclareGap(held.End - _next, held.Frame, held.TimeNs);
                else if (held.Data is not null) Deliver(held.Data.AsSpan(skip, held.Length - skip), held.Frame, held.TimeNs);
                else Advance(held.Length - skip);
            }
            if (held.Data is not null) ArrayPool<byte>.Shared.Return(held.Data);
        }
    }

    /// <summary>Every byte before <paramref name="target"/> is delivered or declared a gap.</summary>
    private void AdvanceTo(long target, long frame, long timeNs)
    {
        while (_next < target)
        {
            if (_buffer is { Count: > 0 } && _buffer.First.Offset <= _next)
            {
                Drain();
                continue;
            }
            long holeEnd = _buffer is { Count: > 0 } ? Math.Min(target, _buffer.First.Offset) : target;
            DeclareGap(holeEnd - _next, frame, timeNs);
        }
        Drain();
    }

    private void EnforceLimits(long frame, long timeNs)
    {
        bool reported = false;
        int maxSegments = Reassembling ? _context.Limits.MaxBufferedSegmentsPerDirection : Math.Min(_context.Limits.MaxBufferedSegmentsPerDirection, CountedOnlyMaxRanges);
        while (_buffer is { Count: > 0 } &&
               (_buffer.Count > maxSegments || _buffer.Bytes > _context.Limits.MaxBufferedBytesPerDirection))
        {
            long first = _buffer.First.Offset;
            if (first > _next)
            {
                if (!reported)
                {
                    reported = true;
                    _context.Counters.BufferLimitHits++;
                    if (Reassembling)
                    {
                        _context.Anomalies.Report(new Anomaly(AnomalyKind.BufferLimit, frame, timeNs, _output.ConnectionId,
                            $"{_output.StreamName(_stream)}: {_buffer.Count} segments / {_buffer.Bytes} bytes buffered out of order; hole at stream offset {_next} given up"));
                    }
                }
                DeclareGap(first - _next, frame, timeNs);
            }
            Drain();
        }
    }

    private void Deliver(ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        if (!Reassembling)
        {
            _history.Clear();
            Advance(data.Length);
            return;
        }
        _history.Add(data);
        Advance(data.Length);
        _output.OnData(_stream, data, frame, timeNs);
    }

    private void Advance(long count)
    {
        _next += count;
        _output.AddBytes(_stream, count);
    }

    private void DeclareGap(long length, long frame, long timeNs)
    {
        long at = _next;
        _next += length;
        _history.Clear();
        _output.AddGapBytes(_stream, length);
        _context.Counters.Gaps++;
        _context.Counters.GapBytes += length;
        if (!Reassembling) return;
        _context.Anomalies.Report(new Anomaly(AnomalyKind.StreamGap, frame, timeNs, _output.ConnectionId,
            $"{_output.StreamName(_stream)}: {length} bytes missing at stream offset {at}"));
        _output.OnGap(_stream, at, length, frame, timeNs);
    }

    /// <summary>
    /// Compares bytes received again for [offset, offset + data.Length) (all before the next offset)
    /// with the fingerprints of the delivered runs they cover: a run covered completely is compared
    /// whole; a run covered from its start but not to its end, on its first
    /// <see cref="DeliveredHistory.LongPrefix"/> or <see cref="DeliveredHistory.ShortPrefix"/> bytes.
    /// </summary>
    private void CheckHistory(long offset, ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        if (_history.Count == 0 || !Reassembling) return;
        long end = offset + data.Length;
        long runEnd = _next;
        long conflictAt = -1;
        long conflictLength = 0;
        for (int age = 0; age < _history.Count; age++)
        {
            DeliveredHistory.Run run = _history.Get(age);
            long runStart = runEnd - run.Length;
            runEnd = runStart;
            if (runStart < offset) break;
            long covered = Math.Min(end, runStart + run.Length) - runStart;
            if (covered <= 0) continue;
            ReadOnlySpan<byte> mine = data.Slice((int)(runStart - offset), (int)covered);
            bool differs;
            if (covered == run.Length) differs = SegmentFingerprint.Of(mine) != run.Hash;
            else if (covered >= DeliveredHistory.LongPrefix) differs = DeliveredHistory.PrefixHash(mine, DeliveredHistory.LongPrefix) != run.LongPrefixHash;
            else if (covered >= DeliveredHistory.ShortPrefix) differs = DeliveredHistory.PrefixHash(mine, DeliveredHistory.ShortPrefix) != run.ShortPrefixHash;
            else continue;
            if (differs)
            {
                conflictAt = runStart;
                conflictLength = covered == run.Length ? covered : covered >= DeliveredHistory.LongPrefix ? DeliveredHistory.LongPrefix : DeliveredHistory.ShortPrefix;
            }
        }
        if (conflictAt >= 0) ReportDeliveredConflict(conflictAt, conflictLength, frame, timeNs);
    }

    private void ReportDeliveredConflict(long offset, long length, long frame, long timeNs)
    {
        if (frame == _lastConflictFrame) return;
        _lastConflictFrame = frame;
        _context.Counters.ConflictingOverlaps++;
        _context.Anomalies.Report(new Anomaly(AnomalyKind.ConflictingOverlap, frame, timeNs, _output.ConnectionId,
            $"{_output.StreamName(_stream)}: different bytes for the {length} bytes at stream offset {offset}, already delivered; the first bytes are kept"));
    }

    private void ReportConflict(long offset, long frame, long timeNs)
    {
        if (frame == _lastConflictFrame) return;
        _lastConflictFrame = frame;
        _context.Counters.ConflictingOverlaps++;
        _context.Anomalies.Report(new Anomaly(AnomalyKind.ConflictingOverlap, frame, timeNs, _output.ConnectionId,
            $"{_output.StreamName(_stream)}: different bytes for stream offset {offset}, already received; the first bytes are kept"));
    }

    private void DropHeldBytes()
    {
        if (_buffer is { Bytes: > 0 }) _buffer.DropData();
        ReleaseHistory();
    }

    private void ReleaseHistory() => _history.Clear();
}
