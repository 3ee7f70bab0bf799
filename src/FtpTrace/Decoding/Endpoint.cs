namespace FtpTrace.Decoding;

/// <summary>An IP address and TCP port. Formats as <c>ip:port</c>, IPv6 as <c>[addr]:port</c>.</summary>
public readonly record struct Endpoint(IpAddress Address, ushort Port) : IComparable<Endpoint>
{
    public override string ToString() =>
        Address.IsV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    public int CompareTo(Endpoint other)
    {
        int c = Address.CompareTo(other.Address);
        return c != 0 ? c : Port.CompareTo(other.Port);
    }

    public static bool operator <(Endpoint left, Endpoint right) => left.CompareTo(right) < 0;
    public static bool operator >(Endpoint left, Endpoint right) => left.CompareTo(right) > 0;
    public static bool operator <=(Endpoint left, Endpoint right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Endpoint left, Endpoint right) => left.CompareTo(right) >= 0;
}
