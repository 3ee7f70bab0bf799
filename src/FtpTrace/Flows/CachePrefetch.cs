using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace FtpTrace.Flows;

/// <summary>
/// Software prefetch: asks the CPU to start loading memory the flow table will touch a few packets
/// later (the index slot, the connection, its reassemblers), so the cache misses of tens of thousands
/// of interleaved connections overlap with useful work instead of stalling it. A prefetch never reads
/// anything into the program, never faults and may be dropped by the CPU, so a stale or wrong address
/// (an object the GC has since moved, a guess that turns out wrong) costs nothing but the hint; this is
/// the only reason this project allows unsafe code, and nothing here dereferences a pointer.
/// A no-op where the instruction is not available.
/// </summary>
internal static class CachePrefetch
{
    private const int LineSize = 64;

    /// <summary>The cache line holding <paramref name="location"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Line<T>(ref T location)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }

    /// <summary>The first <paramref name="lines"/> cache lines of <paramref name="instance"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? instance, int lines)
    {
        if (!Sse.IsSupported || instance is null) return;
        byte* start = (byte*)Unsafe.As<object, nint>(ref instance);
        for (int i = 0; i < lines; i++) Sse.Prefetch0(start + (i * LineSize));
    }
}
