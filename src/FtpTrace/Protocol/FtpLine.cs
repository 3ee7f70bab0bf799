namespace FtpTrace.Protocol;

/// <summary>How a line delivered by <see cref="FtpLineReader"/> ended.</summary>
public enum FtpLineEnding
{
    /// <summary>CR LF, the RFC 959 terminator.</summary>
    CrLf,
    /// <summary>LF alone.</summary>
    Lf,
    /// <summary>CR alone (followed by anything but LF, or by the end of the stream).</summary>
    Cr,
    /// <summary>CR NUL: a bare carriage return in Telnet terms (RFC 854); the NUL was dropped.</summary>
    CrNul,
    /// <summary>CR followed by a gap in the stream: the line is whole, but whether an LF followed is unknown.</summary>
    CrBeforeGap,
    /// <summary>The line reached the length limit; it was cut there and the rest of it is skipped.</summary>
    Truncated,
    /// <summary>The stream ended before any terminator (only with <c>isFinalBlock</c>).</summary>
    EndOfStream,
}

/// <summary>What <see cref="FtpLineReader.Read"/> stopped at.</summary>
public enum FtpLineTokenType
{
    None,
    /// <summary>A line: <see cref="FtpLineReader.Line"/> is valid until the next <c>Read</c>.</summary>
    Line,
    /// <summary>A malformed Telnet sequence: <see cref="FtpLineReader.TelnetError"/> says which.</summary>
    TelnetError,
}

/// <summary>The kinds of malformed Telnet (RFC 854) sequences the reader recognises.</summary>
public enum FtpTelnetError
{
    None,
    /// <summary>IAC followed by a byte that is not a Telnet command; the IAC is kept as a literal 0xFF data byte.</summary>
    InvalidCommand,
    /// <summary>IAC SE without a preceding IAC SB; removed.</summary>
    StraySubnegotiationEnd,
    /// <summary>IAC SB ... ended by IAC and something other than SE; the subnegotiation is closed there.</summary>
    UnterminatedSubnegotiation,
    /// <summary>IAC SB ... longer than the line limit; the subnegotiation is abandoned and what follows is data.</summary>
    SubnegotiationTooLong,
    /// <summary>The stream ended in the middle of a Telnet sequence.</summary>
    CutShort,
}

/// <summary>
/// One control-connection line with its terminator and Telnet commands removed. <see cref="Content"/>
/// points either into the chunk being read or into the parser's line buffer, and is valid only until
/// the next <see cref="FtpLineReader.Read"/>.
/// </summary>
public readonly ref struct FtpLine
{
    internal FtpLine(ReadOnlySpan<byte> content, FtpLineEnding ending, long frame, long timeNs, long endFrame, long endTimeNs)
    {
        Content = content;
        Ending = ending;
        Frame = frame;
        TimeNs = timeNs;
        EndFrame = endFrame;
        EndTimeNs = endTimeNs;
    }

    public ReadOnlySpan<byte> Content { get; }

    public FtpLineEnding Ending { get; }

    /// <summary>Frame of the chunk that carried the line's first byte (its first data byte or its terminator; Telnet commands do not count).</summary>
    public long Frame { get; }

    public long TimeNs { get; }

    /// <summary>Frame of the chunk that carried the line's end (the LF of CR LF; the CR of a bare CR).</summary>
    public long EndFrame { get; }

    public long EndTimeNs { get; }
}
