using System.Buffers.Binary;
using System.Net;

namespace FtpTrace.Decoding;

/// <summary>
/// An IPv4 or IPv6 address as a 16-byte value: hashable and comparable without allocation.
/// IPv4 addresses are held as IPv4-mapped IPv6 (::ffff:a.b.c.d) with <see cref="IsV6"/> false.
/// </summary>
public readonly struct IpAddress : IEquatable<IpAddress>, IComparable<IpAddress>
{
    private const ulong V4MappedHigh = 0;
    private const ulong V4MappedLowPrefix = 0x0000_FFFF_0000_0000UL;

    private readonly ulong _high;
    private readonly ulong _low;

    private IpAddress(ulong high, ulong low, bool isV6)
    {
        _high = high;
        _low = low;
        IsV6 = isV6;
    }

    public bool IsV6 { get; }

    /// <summary>An IPv4 address from its 4 bytes in network order.</summary>
    public static IpAddress FromV4(ReadOnlySpan<byte> bytes) =>
        new(V4MappedHigh, V4MappedLowPrefix | BinaryPrimitives.ReadUInt32BigEndian(bytes), isV6: false);

    /// <summary>An IPv4 address from its value in host order (a.b.c.d = a&lt;&lt;24 | ...).</summary>
    public static IpAddress FromV4(uint value) => new(V4MappedHigh, V4MappedLowPrefix | value, isV6: false);

    /// <summary>An IPv6 address from its 16 bytes in network order.</summary>
    public static IpAddress FromV6(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), isV6: true);

    public static IpAddress FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[16];
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(b, out _);
            return FromV4(b[..4]);
        }
        address.TryWriteBytes(b, out _);
        return FromV6(b);
    }

    /// <summary>The first 8 bytes (network order) as a number, for hashing without allocation.</summary>
    internal ulong High => _high;

    /// <summary>The last 8 bytes (network order) as a number, for hashing without allocation.</summary>
    internal ulong Low => _low;

    /// <summary>The IPv4 value in host order; meaningful only when <see cref="IsV6"/> is false.</summary>
    public uint V4Value => (uint)_low;

    public void WriteBytes(Span<byte> destination, out int written)
    {
        if (!IsV6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)_low);
            written = 4;
            return;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
        written = 16;
    }

    public IPAddress ToIPAddress()
    {
        Span<byte> b = stackalloc byte[16];
        WriteBytes(b, out int n);
        return new IPAddress(b[..n]);
    }

    /// <summary>Dotted quad for IPv4, RFC 5952 text for IPv6 (without brackets).</summary>
    public override string ToString() => ToIPAddress().ToString();

    public bool Equals(IpAddress other) => _high == other._high && _low == other._low && IsV6 == other.IsV6;
    public override bool Equals(object? obj) => obj is IpAddress other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_high, _low, IsV6);
    public static bool operator ==(IpAddress left, IpAddress right) => left.Equals(right);
    public static bool operator !=(IpAddress left, IpAddress right) => !left.Equals(right);

    public int CompareTo(IpAddress other)
    {
        int c = IsV6.CompareTo(other.IsV6);
        if (c != 0) return c;
        c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    public static bool operator <(IpAddress left, IpAddress right) => left.CompareTo(right) < 0;
    public static bool operator >(IpAddress left, IpAddress right) => left.CompareTo(right) > 0;
    public static bool operator <=(IpAddress left, IpAddress right) => left.CompareTo(right) <= 0;
    public static bool operator >=(IpAddress left, IpAddress right) => left.CompareTo(right) >= 0;
}
