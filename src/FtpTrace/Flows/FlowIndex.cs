using System.Runtime.CompilerServices;
using FtpTrace.Decoding;

namespace FtpTrace.Flows;

/// <summary>
/// The flow table's index: connections by their 4-tuple in either direction, an open-addressing
/// hash table (linear probing, at most half full, deletion by backward shift, so no tombstones).
/// The hash is symmetric in the two endpoints, so a segment finds its connection whichever way it
/// travels without putting the endpoints in a canonical order first; it is computed once per
/// packet and kept with the connection (<see cref="TcpConnection.FlowHash"/>), and each slot's hash
/// sits in a parallel array so a probe touches a connection only when the hashes match.
/// About 24 bytes per connection; the arrays grow by doubling and never shrink.
/// </summary>
internal sealed class FlowIndex
{
    private const int InitialCapacity = 1024;
    private const ulong Multiplier1 = 0x9E3779B97F4A7C15UL;
    private const ulong Multiplier2 = 0xBF58476D1CE4E5B9UL;
    private const ulong Multiplier3 = 0x94D049BB133111EBUL;

    private TcpConnection?[] _slots = new TcpConnection?[InitialCapacity];
    private uint[] _hashes = new uint[InitialCapacity];
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
        TcpConnection?[] slots = _slots;
        uint[] hashes = _hashes;
        int mask = _mask;
        for (int i = (int)hash & mask; ; i = (i + 1) & mask)
        {
            TcpConnection? c = slots[i];
            if (c is null) return null;
            if (hashes[i] == hash && c.Connects(source, destination)) return c;
        }
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
            TcpConnection? c = _slots[i];
            if (c is null) return;
            if (ReferenceEquals(c, connection)) break;
            i = (i + 1) & mask;
        }
        // Backward shift: pull later members of the probe run into the hole when their home slot allows it.
        int hole = i;
        for (int j = (hole + 1) & mask; _slots[j] is not null; j = (j + 1) & mask)
        {
            int home = (int)_hashes[j] & mask;
            bool homeInRange = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (homeInRange) continue;
            _slots[hole] = _slots[j];
            _hashes[hole] = _hashes[j];
            hole = j;
        }
        _slots[hole] = null;
        _hashes[hole] = 0;
        Count--;
    }

    private void Place(TcpConnection connection)
    {
        int mask = _mask;
        int i = (int)connection.FlowHash & mask;
        while (_slots[i] is not null) i = (i + 1) & mask;
        _slots[i] = connection;
        _hashes[i] = connection.FlowHash;
    }

    private void Grow()
    {
        TcpConnection?[] old = _slots;
        _slots = new TcpConnection?[old.Length * 2];
        _hashes = new uint[old.Length * 2];
        _mask = _slots.Length - 1;
        foreach (TcpConnection? c in old)
        {
            if (c is not null) Place(c);
        }
    }
}
