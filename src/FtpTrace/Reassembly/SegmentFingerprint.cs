using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FtpTrace.Reassembly;

/// <summary>
/// A 64-bit non-cryptographic hash of a run of stream bytes, to tell whether a retransmission
/// carries the bytes that were delivered. Equal bytes always give equal fingerprints; different
/// bytes give different ones except with a probability near 2^-64 for data that is not crafted to
/// collide. Values are meaningful only within one process (never stored).
/// </summary>
internal static class SegmentFingerprint
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;

    /// <summary>Runs at least this long take the vector path (where AVX2 exists).</summary>
    private const int VectorThreshold = 128;

    public static ulong Of(ReadOnlySpan<byte> data)
    {
        ulong h = Prime4 ^ ((ulong)data.Length * Prime1);
        int i = 0;
        if (data.Length >= VectorThreshold && Avx2.IsSupported) h = Stripes(data, ref i, h);
        for (; i + 8 <= data.Length; i += 8) h = Round(h, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        if (i < data.Length)
        {
            ulong tail = 0;
            for (int k = data.Length - 1; k >= i; k--) tail = (tail << 8) | data[k];
            h = Round(h, tail ^ Prime3);
        }
        return Avalanche(h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong h, ulong word) => BitOperations.RotateLeft(h ^ (word * Prime2), 31) * Prime1;

    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }

    /// <summary>
    /// 64-byte stripes in two 256-bit accumulators: each 64-bit lane adds the product of the low and
    /// high halves of (word XOR key) plus its neighbour's raw word; the key changes with every
    /// stripe, so moving words between stripes changes the sum. Leaves <paramref name="i"/> after the last whole stripe.
    /// </summary>
    private static ulong Stripes(ReadOnlySpan<byte> data, ref int i, ulong h)
    {
        ref byte start = ref MemoryMarshal.GetReference(data);
        Vector256<ulong> key0 = Vector256.Create(Prime1, Prime2, Prime3, Prime4);
        Vector256<ulong> key1 = Vector256.Create(Prime4, Prime3, Prime2, Prime1);
        Vector256<ulong> step = Vector256.Create(Prime3);
        Vector256<ulong> acc0 = Vector256<ulong>.Zero, acc1 = Vector256<ulong>.Zero;
        int stripes = data.Length / 64;
        for (int s = 0; s < stripes; s++)
        {
            Vector256<ulong> d0 = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt64();
            Vector256<ulong> d1 = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i + 32)).AsUInt64();
            Vector256<ulong> k0 = d0 ^ key0, k1 = d1 ^ key1;
            acc0 += Avx2.Multiply(k0.AsUInt32(), Avx2.ShiftRightLogical(k0, 32).AsUInt32());
            acc1 += Avx2.Multiply(k1.AsUInt32(), Avx2.ShiftRightLogical(k1, 32).AsUInt32());
            acc0 += Avx2.Permute4x64(d0, 0b10_11_00_01);
            acc1 += Avx2.Permute4x64(d1, 0b10_11_00_01);
            key0 += step;
            key1 += step;
            i += 64;
        }
        for (int lane = 0; lane < 4; lane++)
        {
            h = Round(h, acc0.GetElement(lane));
            h = Round(h, acc1.GetElement(lane));
        }
        return h;
    }
}
