using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FtpTrace.Decoding;

namespace FtpTrace.Sessions;

/// <summary>
/// An endpoint a PASV/EPSV/LPSV reply or a PORT/EPRT/LPRT command announces for a data connection.
/// <see cref="Address"/> is null when the announcement carries no address (EPSV: the control
/// connection's server address applies) or the unspecified address (<c>0,0,0,0</c>, as vsftpd
/// answers PASV on an IPv6 control connection).
/// </summary>
public readonly record struct AnnouncedEndpoint(IpAddress? Address, ushort Port);

/// <summary>How a data-address text parsed.</summary>
public enum DataAddressParse
{
    /// <summary>An endpoint was found.</summary>
    Ok,
    /// <summary>Something shaped like an address is there but cannot be one (three numbers, a byte above 255, an unknown family...).</summary>
    Malformed,
}

/// <summary>
/// Parses the data-connection addresses of RFC 959 (PASV 227, PORT), RFC 1639 (LPSV 228, LPRT) and
/// RFC 2428 (EPSV 229, EPRT). Lenient where servers are: the 227 numbers are found anywhere in the
/// text (RFC 1123 section 4.1.2.6: with or without parentheses, spaces around commas allowed; the
/// first run of exactly six numbers wins), the 229 delimiter may be any printable character.
/// Allocates only for what it returns (and IPv6 text in EPRT).
/// </summary>
public static class DataAddresses
{
    /// <summary>The h1,h2,h3,h4,p1,p2 of a 227 reply's text.</summary>
    public static DataAddressParse ParsePasvReply(string text, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(text);
        endpoint = default;
        Span<int> numbers = stackalloc int[6];
        int count = FindNumberList(text, numbers, minCount: 6);
        if (count != 6) return DataAddressParse.Malformed;
        endpoint = V4Endpoint(numbers);
        return Valid(numbers) ? DataAddressParse.Ok : DataAddressParse.Malformed;
    }

    /// <summary>
    /// The first comma-separated list of at least <paramref name="minCount"/> numbers in
    /// <paramref name="text"/> (servers put it with or without parentheses, anywhere in the reply),
    /// read into <paramref name="numbers"/>; its length, or 0 when there is none.
    /// </summary>
    private static int FindNumberList(string text, Span<int> numbers, int minCount)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsAsciiDigit(text[i]) || (i > 0 && char.IsAsciiDigit(text[i - 1])))
            {
                i++;
                continue;
            }
            int count = ReadNumberList(text, ref i, numbers, out bool overflow);
            if (count >= minCount && count <= numbers.Length && !overflow) return count;
        }
        return 0;
    }

    /// <summary>The argument of PORT: h1,h2,h3,h4,p1,p2.</summary>
    public static DataAddressParse ParsePortArgument(string argument, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(argument);
        endpoint = default;
        Span<int> numbers = stackalloc int[6];
        var trimmed = argument.Trim();
        int i = 0;
        int count = ReadNumberList(trimmed, ref i, numbers, out bool overflow);
        if (count != 6 || overflow || i != trimmed.Length || !Valid(numbers)) return DataAddressParse.Malformed;
        endpoint = V4Endpoint(numbers);
        return DataAddressParse.Ok;
    }

    /// <summary>The (|||port|) of a 229 reply, with any printable delimiter.</summary>
    public static DataAddressParse ParseEpsvReply(string text, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(text);
        endpoint = default;
        for (int open = text.IndexOf('('); open >= 0; open = text.IndexOf('(', open + 1))
        {
            var rest = text.AsSpan(open + 1);
            if (rest.Length < 6) break;
            char d = rest[0];
            if (d is < '!' or > '~' || rest[1] != d || rest[2] != d) continue;
            int end = rest[3..].IndexOf(d);
            if (end <= 0 || rest.Length <= 3 + end + 1 || rest[3 + end + 1] != ')') continue;
            if (!TryPort(rest.Slice(3, end), out ushort port)) return DataAddressParse.Malformed;
            endpoint = new AnnouncedEndpoint(null, port);
            return DataAddressParse.Ok;
        }
        return DataAddressParse.Malformed;
    }

    /// <summary>The argument of EPRT: &lt;d&gt;af&lt;d&gt;address&lt;d&gt;port&lt;d&gt; (af 1 = IPv4, 2 = IPv6).</summary>
    public static DataAddressParse ParseEprtArgument(string argument, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(argument);
        endpoint = default;
        var s = argument.AsSpan().Trim();
        if (s.Length < 7) return DataAddressParse.Malformed;
        char d = s[0];
        if (d is < '!' or > '~' || s[^1] != d) return DataAddressParse.Malformed;
        var fields = s[1..^1];
        int a = fields.IndexOf(d);
        if (a < 0) return DataAddressParse.Malformed;
        var family = fields[..a];
        fields = fields[(a + 1)..];
        int b = fields.IndexOf(d);
        if (b < 0) return DataAddressParse.Malformed;
        var host = fields[..b];
        var portText = fields[(b + 1)..];
        if (!TryPort(portText, out ushort port)) return DataAddressParse.Malformed;
        AddressFamily expected = family switch
        {
            "1" => AddressFamily.InterNetwork,
            "2" => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (expected == AddressFamily.Unknown || !IPAddress.TryParse(host, out var ip) || ip.AddressFamily != expected)
            return DataAddressParse.Malformed;
        endpoint = new AnnouncedEndpoint(Specified(IpAddress.FromIPAddress(ip)), port);
        return DataAddressParse.Ok;
    }

    /// <summary>The numbers of a 228 reply (af,hal,h1...,pal,p1,p2), found anywhere in its text.</summary>
    public static DataAddressParse ParseLpsvReply(string text, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(text);
        endpoint = default;
        Span<int> numbers = stackalloc int[24];
        int count = FindNumberList(text, numbers, minCount: 9);
        return count == 0 ? DataAddressParse.Malformed : Long(numbers[..count], out endpoint);
    }

    /// <summary>The argument of LPRT: af,hal,h1...,pal,p1,p2.</summary>
    public static DataAddressParse ParseLprtArgument(string argument, out AnnouncedEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(argument);
        endpoint = default;
        Span<int> numbers = stackalloc int[24];
        var trimmed = argument.Trim();
        int i = 0;
        int count = ReadNumberList(trimmed, ref i, numbers, out bool overflow);
        if (overflow || i != trimmed.Length) return DataAddressParse.Malformed;
        return Long(numbers[..count], out endpoint);
    }

    /// <summary>The N of "(N bytes)" in a 150 reply's text (vsftpd, ProFTPD), or null.</summary>
    public static long? ParseAnnouncedSize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int at = text.IndexOf(" bytes)", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        int open = text.LastIndexOf('(', at);
        if (open < 0) return null;
        return long.TryParse(text.AsSpan(open + 1, at - open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;
    }

    private static DataAddressParse Long(ReadOnlySpan<int> n, out AnnouncedEndpoint endpoint)
    {
        endpoint = default;
        if (n.Length < 2) return DataAddressParse.Malformed;
        int af = n[0], hal = n[1];
        if (!((af == 4 && hal == 4) || (af == 6 && hal == 16))) return DataAddressParse.Malformed;
        if (n.Length != 2 + hal + 1 + 2 || n[2 + hal] != 2) return DataAddressParse.Malformed;
        foreach (int v in n) if (v > 255) return DataAddressParse.Malformed;
        Span<byte> bytes = stackalloc byte[16];
        for (int k = 0; k < hal; k++) bytes[k] = (byte)n[2 + k];
        var address = af == 4 ? IpAddress.FromV4(bytes[..4]) : IpAddress.FromV6(bytes);
        endpoint = new AnnouncedEndpoint(Specified(address), (ushort)((n[^2] << 8) | n[^1]));
        return DataAddressParse.Ok;
    }

    /// <summary>Reads n1,n2,... (spaces allowed around commas) from <paramref name="i"/>; returns how many numbers (all counted, only the first few kept).</summary>
    private static int ReadNumberList(ReadOnlySpan<char> s, ref int i, Span<int> numbers, out bool overflow)
    {
        overflow = false;
        int count = 0;
        while (true)
        {
            int start = i;
            long v = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                v = Math.Min(v * 10 + (s[i] - '0'), 100_000);
                i++;
            }
            if (i == start) break;
            if (count < numbers.Length) numbers[count] = (int)v;
            else overflow = true;
            count++;
            int j = i;
            while (j < s.Length && s[j] == ' ') j++;
            if (j >= s.Length || s[j] != ',') break;
            j++;
            while (j < s.Length && s[j] == ' ') j++;
            if (j >= s.Length || !char.IsAsciiDigit(s[j])) break;
            i = j;
        }
        return count;
    }

    private static bool Valid(ReadOnlySpan<int> six)
    {
        foreach (int v in six) if (v > 255) return false;
        return true;
    }

    private static AnnouncedEndpoint V4Endpoint(ReadOnlySpan<int> n)
    {
        uint value = ((uint)(n[0] & 0xFF) << 24) | ((uint)(n[1] & 0xFF) << 16) | ((uint)(n[2] & 0xFF) << 8) | (uint)(n[3] & 0xFF);
        var address = IpAddress.FromV4(value);
        return new AnnouncedEndpoint(value == 0 ? null : address, (ushort)(((n[4] & 0xFF) << 8) | (n[5] & 0xFF)));
    }

    private static IpAddress? Specified(IpAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.WriteBytes(b, out int written);
        foreach (byte x in b[..written]) if (x != 0) return address;
        return null;
    }

    private static bool TryPort(ReadOnlySpan<char> text, out ushort port) =>
        ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port != 0;
}
