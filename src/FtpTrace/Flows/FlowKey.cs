using FtpTrace.Decoding;

namespace FtpTrace.Flows;

/// <summary>
/// The 4-tuple of a TCP connection in canonical order (the lower endpoint first), so both
/// directions of a connection find the same entry. A value type: hashing and comparing allocate nothing.
/// </summary>
internal readonly struct FlowKey : IEquatable<FlowKey>
{
    public FlowKey(Endpoint low, Endpoint high)
    {
        Low = low;
        High = high;
    }

    public Endpoint Low { get; }
    public Endpoint High { get; }

    /// <summary>The key of a segment from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public static FlowKey Create(in Endpoint source, in Endpoint destination, out bool sourceIsLow)
    {
        sourceIsLow = source.CompareTo(destination) <= 0;
        return sourceIsLow ? new FlowKey(source, destination) : new FlowKey(destination, source);
    }

    public bool Equals(FlowKey other) =>
        Low.Port == other.Low.Port && High.Port == other.High.Port &&
        Low.Address == other.Low.Address && High.Address == other.High.Address;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode() =>
        HashCode.Combine(Low.Address, High.Address, (Low.Port << 16) | High.Port);

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);
    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    public override string ToString() => $"{Low} <-> {High}";
}
