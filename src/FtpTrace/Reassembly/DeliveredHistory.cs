using System.Runtime.CompilerServices;

namespace FtpTrace.Reassembly;

/// <summary>
/// Fingerprints of the last <see cref="Capacity"/> runs of bytes one direction delivered (one run per
/// delivery, usually one segment), newest last: the run's length, a <see cref="SegmentFingerprint"/>
/// of the whole run, and 32-bit fingerprints of its first <see cref="ShortPrefix"/> and
/// <see cref="LongPrefix"/> bytes (so a retransmission that starts where the run started but is
/// shorter can still be checked). The runs are contiguous and the newest ends at the reassembler's
/// next offset, so no offsets are stored; a gap empties the history. Fixed size (about 100 bytes),
/// held inline in its reassembler (no object of its own, nothing for the GC to trace or move).
/// </summary>
internal struct DeliveredHistory
{
    public const int Capacity = 4;
    public const int ShortPrefix = 8;
    public const int LongPrefix = 32;

    private Runs _runs;
    private int _newest;

    public DeliveredHistory() => _newest = Capacity - 1;

    /// <summary>Runs remembered (at most <see cref="Capacity"/>).</summary>
    public int Count { readonly get; private set; }

    public void Add(ReadOnlySpan<byte> data)
    {
        _newest = (_newest + 1) & (Capacity - 1);
        _runs[_newest] = new Run
        {
            Length = data.Length,
            Hash = SegmentFingerprint.Of(data),
            ShortPrefixHash = PrefixHash(data, ShortPrefix),
            LongPrefixHash = PrefixHash(data, LongPrefix),
        };
        if (Count < Capacity) Count++;
    }

    public void Clear() => Count = 0;

    /// <summary>The <paramref name="age"/>-th newest run (0 = the newest).</summary>
    public readonly Run Get(int age) => _runs[(_newest - age) & (Capacity - 1)];

    /// <summary>The fingerprint of the first <paramref name="prefix"/> bytes (or all when fewer), as stored in <see cref="Run"/>.</summary>
    public static uint PrefixHash(ReadOnlySpan<byte> data, int prefix) =>
        (uint)SegmentFingerprint.Of(data.Length > prefix ? data[..prefix] : data);

    internal struct Run
    {
        public ulong Hash;
        public int Length;
        public uint ShortPrefixHash;
        public uint LongPrefixHash;
    }

    [InlineArray(Capacity)]
    private struct Runs
    {
        private Run _element;
    }
}
