namespace FtpTrace.Bench.Generator;

/// <summary>
/// xoshiro256** seeded through SplitMix64: the same seed gives the same capture on every machine
/// and every .NET version (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal sealed class Rng
{
    private ulong _s0, _s1, _s2, _s3;

    public Rng(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    public uint NextUInt32() => (uint)(NextUInt64() >> 32);

    /// <summary>Uniform in [0, <paramref name="bound"/>).</summary>
    public int Next(int bound) => bound <= 1 ? 0 : (int)((NextUInt64() >> 33) % (ulong)bound);

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    /// <summary>True with probability <paramref name="percent"/>/100.</summary>
    public bool Percent(double percent) => (NextUInt64() >> 11) * (1.0 / (1UL << 53)) * 100.0 < percent;

    public void Fill(Span<byte> buffer)
    {
        int i = 0;
        for (; i + 8 <= buffer.Length; i += 8)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer[i..], NextUInt64());
        for (; i < buffer.Length; i++) buffer[i] = (byte)NextUInt64();
    }
}
