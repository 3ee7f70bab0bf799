using System.Runtime.CompilerServices;
using FtpTrace.Decoding;

namespace FtpTrace.Flows;

/// <summary>
/// The flow table's index: connections by their 4-tuple in either direction, an open-addressing
/// hash table (linear probing, at most half full, deletion by backward shift, so no tombstones).
/// The hash is symmetric in the two endpoints, so a segment finds its connection whichever way it
/// travels without putting the endpoints in a canonical order first; it is computed once per
/// packet and kept with the connection (<see cref="TcpConnection.FlowHash"/>). A slot holds the
/// connection and its hash side by side (16 bytes, four to a cache line), so a lookup costs one
/// cache miss in the index and touches a connection only when the hashes match.
/// About 32 bytes per connection; the array grows by doubling and never shrinks.
/// </summary>
internal sealed class FlowIndex
{
    private const int InitialCapacity = 1024;
    private const ulong Multiplier1 = 0x9E3779B97F4A7C15UL;
    private const ulong Multiplier2 = 0xBF58476D1CE4E5B9UL;
    private const ulong Multiplier3 = 0x94D049BB133111EBUL;

    private Entry[] _slots = new Entry[InitialCapacity];
    private int _mask = InitialCapacity - 1;

    public int Count { get; private set; }

    /// <summary>The same value for (a, b) and (b, a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(in Endpoint a, in Endpoint b)
    {
        ulong h = (Mix(a) + Mix(b)) * Multiplier3;
        return (uint)(h >> 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(in Endpoint e)
    {
        ulong x = (e.Address.Low ^ (e.Address.High * Multiplier1)) + ((ulong)e.Port << 48) + e.Port;
        x *= Multiplier2;
        return x ^ (x >> 31);
    }

    /// <summary>The connection between <paramref name="source"/> and <paramref name="destination"/> (either way), or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TcpConnection? Find(uint hash, in Endpoint source, in Endpoint destination)
    {
        Entry[] slots = _slots;
        int mask = _mask;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            ref Entry entry = ref slots[i];
            if (entry.Connection is not { } c) return null;
            if (entry.Hash == hash && c.Connects(source, destination)) return c;
        }
    }

    /// <summary>Prefetches the slot where a lookup of <paramref name="hash"/> starts (see <see cref="CachePrefetch"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PrefetchSlot(uint hash) => CachePrefetch.Line(ref _slots[(int)hash & _mask]);

    /// <summary>
    /// The first connection filed under <paramref name="hash"/>, by the hash alone (not checked against
    /// any endpoint, so no connection is touched): a guess for prefetching.
    /// </summary>
    public TcpConnection? FirstWithHash(uint hash)
    {
        Entry[] slots = _slots;
        int mask = _mask;
        for (int i = (int)hash & mask, probes = 0; probes < slots.Length; i = (i + 1) & mask, probes++)
        {
            ref Entry entry = ref slots[i];
            if (entry.Connection is not { } c) return null;
            if (entry.Hash == hash) return c;
        }
        return null;
    }

    /// <summary>Adds <paramref name="connection"/> under its <see cref="TcpConnection.FlowHash"/> (not already present).</summary>
    public void Add(TcpConnection connection)
    {
        if ((Count + 1) * 2 > _slots.Length) Grow();
        Place(connection);
        Count++;
    }

    /// <summary>Removes <paramref name="connection"/> (by reference); does nothing when it is not present.</summary>
    public void Remove(TcpConnection connection)
    {
        int mask = _mask;
        int i = (int)connection.FlowHash & mask;
        while (true)
        {
            TcpConnection? c = _slots[i].Connection;
            if (c is null) return;
            if (ReferenceEquals(c, connection)) break;
            i = (i + 1) & mask;
        }
        // Backward shift: pull later members of the probe run into the hole when their home slot allows it.
        int hole = i;
        for (int j = (hole + 1) & mask; _slots[j].Connection is not null; j = (j + 1) & mask)
        {
            int home = (int)_slots[j].Hash & mask;
            bool homeInRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (homeInRange) continue;
            _slots[hole] = _slots[j];
            hole = j;
        }
        _slots[hole] = default;
        Count--;
    }

    private void Place(TcpConnection connection)
    {
        int mask = _mask;
        int i = (int)connection.FlowHash & mask;
        while (_slots[i].Connection is not null) i = (i + 1) & mask;
        _slots[i] = new Entry { Connection = connection, Hash = connection.FlowHash };
    }

    private void Grow()
    {
        Entry[] old = _slots;
        _slots = new Entry[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (Entry entry in old)
        {
            if (entry.Connection is { } c) Place(c);
        }
    }

    private struct Entry
    {
        public TcpConnection? Connection;
        public uint Hash;
    }
}
