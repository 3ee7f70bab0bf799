using FtpTrace.Decoding;

namespace FtpTrace.LogSources;

/// <summary>
/// A parser for one log format: takes the file's lines in order and drives <see cref="LogSessions"/>.
/// A line that does not parse is reported (<see cref="Diagnostics.AnomalyKind.UnparsedLogLine"/>)
/// by the parser and the next line is read.
/// </summary>
internal abstract class LogParser
{
    protected LogParser(LogSessions sessions, LogOptions options)
    {
        Sessions = sessions;
        Options = options;
    }

    protected LogSessions Sessions { get; }
    protected LogOptions Options { get; }

    /// <summary>Handles one line (never empty).</summary>
    public abstract void Line(string line, long number);

    /// <summary>End of the file: ends what is still open.</summary>
    public virtual void Finish() => Sessions.EndAll();

    /// <summary>An IP address as logs write it (IPv4, IPv6, IPv4-mapped IPv6, optionally in brackets); false for host names.</summary>
    protected static bool TryAddress(ReadOnlySpan<char> text, out IpAddress address)
    {
        address = default;
        text = text.Trim();
        if (text.Length > 2 && text[0] == '[' && text[^1] == ']') text = text[1..^1];
        if (!System.Net.IPAddress.TryParse(text, out var ip)) return false;
        // A server listening on :: writes IPv4 clients as ::ffff:a.b.c.d; on the wire they are IPv4.
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        address = IpAddress.FromIPAddress(ip);
        return true;
    }

    /// <summary>The client endpoint from an address text (port 0 when unknown); 0.0.0.0 when not an address.</summary>
    protected static Endpoint Client(ReadOnlySpan<char> address, int port = 0) =>
        new(TryAddress(address, out var ip) ? ip : IpAddress.FromV4(0), (ushort)Math.Clamp(port, 0, 65535));

    /// <summary>Splits <c>VERB arg</c> at the first space.</summary>
    protected static (string Verb, string Argument) SplitCommand(string request)
    {
        int sp = request.IndexOf(' ', StringComparison.Ordinal);
        return sp < 0 ? (request, "") : (request[..sp], request[(sp + 1)..]);
    }
}
