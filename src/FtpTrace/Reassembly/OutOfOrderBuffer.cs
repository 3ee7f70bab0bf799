using System.Buffers;

namespace FtpTrace.Reassembly;

/// <summary>
/// A run of stream bytes waiting for the hole before it to fill: either bytes copied into a pooled
/// array (<see cref="Data"/>), a range with no bytes kept (connections counted but not reassembled),
/// or a range known to be missing (<see cref="IsGap"/>: the part of a segment cut by the snapshot length).
/// </summary>
internal struct PendingSegment
{
    public long Offset;
    public int Length;
    /// <summary>Rented from <see cref="ArrayPool{T}.Shared"/>; the first <see cref="Length"/> bytes are the segment's. Null when no bytes are kept.</summary>
    public byte[]? Data;
    public bool IsGap;
    public long Frame;
    public long TimeNs;

    public readonly long End => Offset + Length;
}

/// <summary>
/// Out-of-order segments of one direction, sorted by stream offset and never overlapping (the
/// reassembler inserts only the bytes not held yet). Storage comes from the array pool and is
/// given back by <see cref="Release"/>.
/// </summary>
internal sealed class OutOfOrderBuffer
{
    private PendingSegment[] _items = [];
    private int _start;

    public int Count { get; private set; }

    /// <summary>Bytes held in <see cref="PendingSegment.Data"/> arrays.</summary>
    public long Bytes { get; private set; }

    public ref PendingSegment First => ref _items[_start];

    public ref PendingSegment this[int index] => ref _items[_start + index];

    /// <summary>The index of the first segment that ends after <paramref name="offset"/> (Count when none).</summary>
    public int IndexEndingAfter(long offset)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_items[_start + mid].End > offset) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    public void Insert(int index, in PendingSegment segment)
    {
        if (_start + Count == _items.Length) MakeRoom();
        int at = _start + index;
        if (index < Count) Array.Copy(_items, at, _items, at + 1, Count - index);
        _items[at] = segment;
        Count++;
        if (segment.Data is not null) Bytes += segment.Length;
    }

    /// <summary>Removes the first segment; the caller owns (and returns) its array.</summary>
    public PendingSegment RemoveFirst()
    {
        PendingSegment first = _items[_start];
        _items[_start] = default;
        _start++;
        Count--;
        if (Count == 0) _start = 0;
        if (first.Data is not null) Bytes -= first.Length;
        return first;
    }

    /// <summary>Drops every byte at or after <paramref name="offset"/>; returns how many stream bytes were dropped.</summary>
    public long TruncateAt(long offset)
    {
        long dropped = 0;
        while (Count > 0)
        {
            ref PendingSegment last = ref _items[_start + Count - 1];
            if (last.End <= offset) break;
            if (last.Offset >= offset)
            {
                dropped += last.Length;
                if (last.Data is not null)
                {
                    Bytes -= last.Length;
                    ArrayPool<byte>.Shared.Return(last.Data);
                }
                last = default;
                Count--;
                continue;
            }
            int keep = (int)(offset - last.Offset);
            dropped += last.Length - keep;
            if (last.Data is not null) Bytes -= last.Length - keep;
            last.Length = keep;
            break;
        }
        if (Count == 0) _start = 0;
        return dropped;
    }

    /// <summary>Gives back every byte array but keeps the ranges (the connection is now only counted).</summary>
    public void DropData()
    {
        for (int i = 0; i < Count; i++)
        {
            ref PendingSegment s = ref _items[_start + i];
            if (s.Data is null) continue;
            ArrayPool<byte>.Shared.Return(s.Data);
            s.Data = null;
        }
        Bytes = 0;
    }

    /// <summary>Gives back every array, the segment array included.</summary>
    public void Release()
    {
        DropData();
        if (_items.Length > 0) ArrayPool<PendingSegment>.Shared.Return(_items, clearArray: true);
        _items = [];
        _start = 0;
        Count = 0;
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Array.Copy(_items, _start, _items, 0, Count);
            Array.Clear(_items, Count, _start);
            _start = 0;
            return;
        }
        PendingSegment[] bigger = ArrayPool<PendingSegment>.Shared.Rent(Math.Max(8, _items.Length * 2));
        Array.Copy(_items, bigger, Count);
        if (_items.Length > 0) ArrayPool<PendingSegment>.Shared.Return(_items, clearArray: true);
        _items = bigger;
    }
}
