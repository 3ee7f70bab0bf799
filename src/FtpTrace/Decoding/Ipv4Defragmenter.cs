using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using FtpTrace.Diagnostics;

namespace FtpTrace.Decoding;

/// <summary>What <see cref="Ipv4Defragmenter"/> did with a fragment.</summary>
public enum FragmentOutcome
{
    /// <summary>Stored; its datagram is still incomplete.</summary>
    Held,
    /// <summary>The fragment completed its datagram, which is returned.</summary>
    Completed,
    /// <summary>The fragment was unusable or over a limit and was dropped; an anomaly was reported.</summary>
    Dropped,
}

/// <summary>
/// Reassembles fragmented IP datagrams (IPv4, and IPv6 Fragment headers through
/// <see cref="SubmitIpv6"/>), keyed by (source, destination, identification, protocol).
/// </summary>
/// <remarks>
/// <para>Incomplete datagrams live in pooled buffers. A datagram is complete once its first
/// fragment (offset 0), its last fragment (no More Fragments flag) and every byte between have
/// arrived, in any order. It is returned as one IP packet (the first fragment's header with total
/// or payload length fixed, More Fragments and offset cleared, checksum not recomputed) in a
/// buffer valid until the next call to this instance.</para>
/// <para>Overlap policy: the first-arrived bytes win. Overlapping fragments that carry the same
/// bytes (duplicates, retransmissions) are silent; different bytes for the same offsets, two
/// different "last" fragments, or data past the datagram's end report
/// <see cref="AnomalyKind.FragmentOverlap"/> once per datagram and keep the first bytes.</para>
/// <para>Bounds: at most <see cref="FtpTraceLimits.MaxFragmentedDatagrams"/> incomplete datagrams
/// and <see cref="FtpTraceLimits.MaxFragmentBytes"/> payload bytes are held; beyond that the oldest
/// datagram is dropped (<see cref="AnomalyKind.FragmentLimit"/>). A datagram incomplete
/// <see cref="FtpTraceLimits.FragmentTimeoutNs"/> after its first fragment is dropped
/// (<see cref="AnomalyKind.FragmentTimeout"/>, with the bytes lost), checked whenever time
/// advances (<see cref="Expire"/>), and <see cref="Flush"/> drops what is left at the end.</para>
/// </remarks>
public sealed class Ipv4Defragmenter : IDisposable
{
    /// <summary>Room kept before the payload for the largest IPv4 header.</summary>
    private const int HeaderRoom = 60;
    private const int MaxPayload = 65535;
    private const ushort MoreFragments = 0x2000;
    private const ushort OffsetMask = 0x1FFF;

    private readonly FtpTraceLimits _limits;
    private IAnomalySink _anomalies;

    /// <summary>Where anomalies go; <see cref="FtpTrace.Analysis.DecodeAhead"/> collects them in frame order while it decodes on its own thread.</summary>
    internal IAnomalySink Anomalies
    {
        get => _anomalies;
        set => _anomalies = value;
    }

    private readonly Dictionary<FragmentKey, Datagram> _pending = [];
    private byte[]? _completedBuffer;
    private long _arrivals;
    private long _oldestFirstTimeNs = long.MaxValue;

    public Ipv4Defragmenter(FtpTraceLimits limits, IAnomalySink anomalies)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(anomalies);
        _limits = limits;
        _anomalies = anomalies;
    }

    /// <summary>Incomplete datagrams held now.</summary>
    public int PendingDatagrams => _pending.Count;

    /// <summary>Fragment payload bytes held now.</summary>
    public long BytesHeld { get; private set; }

    /// <summary>Datagrams completed so far.</summary>
    public long Completed { get; private set; }

    /// <summary>Datagrams dropped incomplete (timeout, limit, end of capture).</summary>
    public long Dropped { get; private set; }

    /// <summary>
    /// Adds an IPv4 fragment: <paramref name="packet"/> is the whole IP packet (valid header,
    /// trimmed to its total length).
    /// </summary>
    public FragmentOutcome SubmitIpv4(ReadOnlySpan<byte> packet, long frame, long timeNs, out ReadOnlySpan<byte> datagram)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        var key = new FragmentKey(IpAddress.FromV4(packet[12..]), IpAddress.FromV4(packet[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), packet[9], IsV6: false);
        return Submit(key, packet[..headerLength], (flags & OffsetMask) * 8, (flags & MoreFragments) != 0,
            packet[headerLength..], frame, timeNs, out datagram);
    }

    /// <summary>
    /// Adds an IPv6 fragment: <paramref name="fixedHeader"/> is the packet's 40-byte header,
    /// <paramref name="payload"/> the bytes after its Fragment header. The reassembled packet is a
    /// 40-byte header (next header = <paramref name="nextHeader"/>) followed by the payload; the
    /// extension headers before the Fragment header are not kept.
    /// </summary>
    public FragmentOutcome SubmitIpv6(ReadOnlySpan<byte> fixedHeader, uint identification, byte nextHeader, int offset, bool more,
        ReadOnlySpan<byte> payload, long frame, long timeNs, out ReadOnlySpan<byte> datagram)
    {
        var key = new FragmentKey(IpAddress.FromV6(fixedHeader[8..]), IpAddress.FromV6(fixedHeader[24..]), identification, nextHeader, IsV6: true);
        return Submit(key, fixedHeader[..40], offset, more, payload, frame, timeNs, out datagram);
    }

    /// <summary>Drops datagrams that have waited longer than the fragment timeout at time <paramref name="nowNs"/>.</summary>
    /// <remarks>Called for every frame: O(1) and inlined unless a datagram is due.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Expire(long nowNs)
    {
        if (_oldestFirstTimeNs != long.MaxValue && nowNs - _oldestFirstTimeNs > _limits.FragmentTimeoutNs) ExpireDue(nowNs);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ExpireDue(long nowNs)
    {
        if (_pending.Count == 0)
        {
            _oldestFirstTimeNs = long.MaxValue;
            return;
        }
        List<FragmentKey>? expired = null;
        long oldest = long.MaxValue;
        foreach (var (key, d) in _pending)
        {
            if (nowNs - d.FirstTimeNs > _limits.FragmentTimeoutNs) (expired ??= []).Add(key);
            else oldest = Math.Min(oldest, d.FirstTimeNs);
        }
        _oldestFirstTimeNs = oldest;
        if (expired is null) return;
        foreach (var key in expired)
        {
            var d = _pending[key];
            Drop(key, d, AnomalyKind.FragmentTimeout, nowNs,
                $"waited {(nowNs - d.FirstTimeNs) / 1_000_000} ms, more than the {_limits.FragmentTimeoutNs / 1_000_000} ms timeout");
        }
    }

    /// <summary>Drops every incomplete datagram (end of capture), reporting each as <see cref="AnomalyKind.FragmentTimeout"/>.</summary>
    public void Flush(long nowNs)
    {
        foreach (var (key, d) in _pending.ToArray()) Drop(key, d, AnomalyKind.FragmentTimeout, nowNs, "the capture ended before it was complete");
        ReleaseCompleted();
    }

    public void Dispose()
    {
        foreach (var d in _pending.Values) ArrayPool<byte>.Shared.Return(d.Buffer);
        _pending.Clear();
        BytesHeld = 0;
        ReleaseCompleted();
    }

    private FragmentOutcome Submit(FragmentKey key, ReadOnlySpan<byte> header, int offset, bool more, ReadOnlySpan<byte> payload,
        long frame, long timeNs, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        ReleaseCompleted();
        Expire(timeNs);
        int end = offset + payload.Length;
        if (end > MaxPayload)
        {
            ReportFor(AnomalyKind.FragmentOverlap, key, frame, timeNs, $"fragment at offset {offset} of {payload.Length} bytes ends past 65535; dropped");
            return FragmentOutcome.Dropped;
        }
        if (payload.Length > _limits.MaxFragmentBytes)
        {
            ReportFor(AnomalyKind.FragmentLimit, key, frame, timeNs, $"fragment of {payload.Length} bytes exceeds the {_limits.MaxFragmentBytes}-byte limit; dropped");
            return FragmentOutcome.Dropped;
        }
        if (!_pending.TryGetValue(key, out var d))
        {
            while (_pending.Count >= _limits.MaxFragmentedDatagrams) EvictOldest(timeNs, "too many incomplete datagrams");
            d = new Datagram(ArrayPool<byte>.Shared.Rent(HeaderRoom + Math.Max(end, 1500)), frame, timeNs, ++_arrivals);
            _pending.Add(key, d);
            _oldestFirstTimeNs = Math.Min(_oldestFirstTimeNs, timeNs);
        }
        d.Fragments++;

        if (d.TotalPayload >= 0 && end > d.TotalPayload)
        {
            ReportOverlapOnce(key, d, frame, timeNs, $"fragment at offset {offset} ends at {end}, past the datagram's end {d.TotalPayload}; ignored");
            return FragmentOutcome.Held;
        }
        if (!more)
        {
            if (d.TotalPayload < 0 && d.CoveredEnd > end)
            {
                ReportOverlapOnce(key, d, frame, timeNs, $"last fragment ends at {end} but bytes up to {d.CoveredEnd} arrived; ignored");
                return FragmentOutcome.Held;
            }
            if (d.TotalPayload >= 0 && d.TotalPayload != end)
            {
                ReportOverlapOnce(key, d, frame, timeNs, $"a second last fragment ends at {end}, the first at {d.TotalPayload}; ignored");
                return FragmentOutcome.Held;
            }
            d.TotalPayload = end;
        }

        int added = Store(key, d, offset, payload, frame, timeNs);
        if (added > 0 && BytesHeld + added > _limits.MaxFragmentBytes)
        {
            while (BytesHeld + added > _limits.MaxFragmentBytes && EvictOldestOther(d, timeNs)) { }
            if (BytesHeld + added > _limits.MaxFragmentBytes)
            {
                d.BytesReceived += added;
                BytesHeld += added;
                Drop(key, d, AnomalyKind.FragmentLimit, timeNs, $"the datagram alone exceeds the {_limits.MaxFragmentBytes}-byte fragment limit");
                return FragmentOutcome.Dropped;
            }
        }
        d.BytesReceived += added;
        BytesHeld += added;

        if (offset == 0 && d.HeaderLength == 0)
        {
            header.CopyTo(d.Buffer.AsSpan(HeaderRoom - header.Length));
            d.HeaderLength = header.Length;
        }
        if (d.HeaderLength == 0 || d.TotalPayload < 0 || !d.IsContiguousTo(d.TotalPayload)) return FragmentOutcome.Held;

        // Complete: fix the header in place and hand out header + payload.
        _pending.Remove(key);
        BytesHeld -= d.BytesReceived;
        Completed++;
        var whole = d.Buffer.AsSpan(HeaderRoom - d.HeaderLength, d.HeaderLength + d.TotalPayload);
        if (key.IsV6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(whole[4..], (ushort)d.TotalPayload);
            whole[6] = key.Protocol;
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(whole[2..], (ushort)Math.Min(whole.Length, ushort.MaxValue));
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(whole[6..]);
            BinaryPrimitives.WriteUInt16BigEndian(whole[6..], (ushort)(flags & ~(MoreFragments | OffsetMask)));
        }
        _completedBuffer = d.Buffer;
        datagram = whole;
        return FragmentOutcome.Completed;
    }

    /// <summary>Copies the bytes of a fragment not yet covered; returns how many were new.</summary>
    private int Store(in FragmentKey key, Datagram d, int offset, ReadOnlySpan<byte> payload, long frame, long timeNs)
    {
        if (payload.IsEmpty) return 0;
        int end = offset + payload.Length;
        if (HeaderRoom + end > d.Buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(HeaderRoom + end, d.Buffer.Length * 2));
            d.Buffer.AsSpan(0, HeaderRoom + d.CoveredEnd).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(d.Buffer);
            d.Buffer = larger;
        }
        var data = d.Buffer.AsSpan(HeaderRoom);
        int added = 0;
        int cursor = offset;
        var ranges = d.Ranges;
        int insertAt = 0;
        for (int i = 0; i < ranges.Count && cursor < end; i++)
        {
            var (rs, re) = ranges[i];
            if (re <= cursor) { insertAt = i + 1; continue; }
            if (rs >= end) break;
            if (rs > cursor)
            {
                payload.Slice(cursor - offset, rs - cursor).CopyTo(data[cursor..]);
                added += rs - cursor;
            }
            int os = Math.Max(rs, cursor);
            int oe = Math.Min(re, end);
            if (!payload.Slice(os - offset, oe - os).SequenceEqual(data[os..oe]))
                ReportOverlapOnce(key, d, frame, timeNs, $"fragment bytes {os}-{oe} differ from those already received; the first-arrived bytes are kept");
            cursor = oe;
        }
        if (cursor < end)
        {
            payload[(cursor - offset)..].CopyTo(data[cursor..]);
            added += end - cursor;
        }
        // Merge [offset, end) into the sorted, disjoint range list.
        int start = offset;
        int stop = end;
        int first = insertAt;
        while (first > 0 && ranges[first - 1].End >= start) first--;
        int last = first;
        while (last < ranges.Count && ranges[last].Start <= stop)
        {
            start = Math.Min(start, ranges[last].Start);
            stop = Math.Max(stop, ranges[last].End);
            last++;
        }
        ranges.RemoveRange(first, last - first);
        ranges.Insert(first, (start, stop));
        return added;
    }

    private void EvictOldest(long nowNs, string why)
    {
        FragmentKey oldestKey = default;
        Datagram? oldest = null;
        foreach (var (key, d) in _pending)
        {
            if (oldest is null || d.Arrival < oldest.Arrival)
            {
                oldest = d;
                oldestKey = key;
            }
        }
        if (oldest is not null) Drop(oldestKey, oldest, AnomalyKind.FragmentLimit, nowNs, why);
    }

    private bool EvictOldestOther(Datagram keep, long nowNs)
    {
        FragmentKey oldestKey = default;
        Datagram? oldest = null;
        foreach (var (key, d) in _pending)
        {
            if (d != keep && (oldest is null || d.Arrival < oldest.Arrival))
            {
                oldest = d;
                oldestKey = key;
            }
        }
        if (oldest is null) return false;
        Drop(oldestKey, oldest, AnomalyKind.FragmentLimit, nowNs, $"more than {_limits.MaxFragmentBytes} fragment bytes held");
        return true;
    }

    private void Drop(in FragmentKey key, Datagram d, AnomalyKind kind, long nowNs, string why)
    {
        _pending.Remove(key);
        BytesHeld -= d.BytesReceived;
        Dropped++;
        ArrayPool<byte>.Shared.Return(d.Buffer);
        _anomalies.Report(new Anomaly(kind, d.FirstFrame, nowNs, 0,
            $"incomplete {Describe(key)} dropped ({why}): {d.BytesReceived} bytes in {d.Fragments} fragments lost"));
    }

    private void ReportOverlapOnce(in FragmentKey key, Datagram d, long frame, long timeNs, string detail)
    {
        if (d.OverlapReported) return;
        d.OverlapReported = true;
        ReportFor(AnomalyKind.FragmentOverlap, key, frame, timeNs, detail);
    }

    private void ReportFor(AnomalyKind kind, in FragmentKey key, long frame, long timeNs, string detail) =>
        _anomalies.Report(new Anomaly(kind, frame, timeNs, 0, $"{Describe(key)}: {detail}"));

    private static string Describe(in FragmentKey key) =>
        $"{(key.IsV6 ? "IPv6" : "IPv4")} datagram {key.Source} -> {key.Destination} id {key.Id} protocol {key.Protocol}";

    private void ReleaseCompleted()
    {
        if (_completedBuffer is null) return;
        ArrayPool<byte>.Shared.Return(_completedBuffer);
        _completedBuffer = null;
    }

    private readonly record struct FragmentKey(IpAddress Source, IpAddress Destination, uint Id, byte Protocol, bool IsV6);

    private sealed class Datagram(byte[] buffer, long firstFrame, long firstTimeNs, long arrival)
    {
        public byte[] Buffer = buffer;
        public readonly long FirstFrame = firstFrame;
        public readonly long FirstTimeNs = firstTimeNs;
        public readonly long Arrival = arrival;
        public readonly List<(int Start, int End)> Ranges = [];
        public int HeaderLength;
        public int TotalPayload = -1;
        public int BytesReceived;
        public int Fragments;
        public bool OverlapReported;

        public int CoveredEnd => Ranges.Count == 0 ? 0 : Ranges[^1].End;

        public bool IsContiguousTo(int end) => Ranges.Count == 1 && Ranges[0].Start == 0 && Ranges[0].End == end;
    }
}
