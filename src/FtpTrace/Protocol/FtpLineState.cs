namespace FtpTrace.Protocol;

/// <summary>Where the Telnet decoder stands between two bytes.</summary>
internal enum TelnetDecodeState : byte
{
    Data,
    /// <summary>IAC seen.</summary>
    Iac,
    /// <summary>IAC WILL/WONT/DO/DONT seen; the option byte comes next.</summary>
    Option,
    /// <summary>Inside IAC SB ...</summary>
    Subnegotiation,
    /// <summary>IAC seen inside a subnegotiation.</summary>
    SubnegotiationIac,
    /// <summary>A literal 0xFF data byte (from IAC IAC, or from an invalid IAC x) waits to be delivered.</summary>
    LiteralFF,
}

/// <summary>
/// The framing state of one direction of a control connection, carried from one chunk to the next
/// (the <c>JsonReaderState</c> of <see cref="FtpLineReader"/>). A small plain struct: the bytes of a
/// partial line live in the line buffer owned by <see cref="FtpControlParser"/>; this struct only
/// says how many there are and where the line started.
/// </summary>
public struct FtpLineState
{
    internal TelnetDecodeState Telnet;
    internal bool PendingCr;
    internal bool InLine;
    internal bool Resyncing;
    internal int Length;
    internal int SubnegotiationLength;
    internal long LineFrame;
    internal long LineTimeNs;
    internal long CrFrame;
    internal long CrTimeNs;
    internal long LinesRead;
    internal long Offset;
    internal long TelnetCommandCount;
    internal long SkippedByteCount;

    /// <summary>Lines delivered so far (truncated and end-of-stream lines included).</summary>
    public readonly long LineNumber => LinesRead;

    /// <summary>Bytes of the stream consumed so far, gaps included.</summary>
    public readonly long StreamOffset => Offset;

    /// <summary>Telnet commands interpreted and removed (IAC IP, IAC DM, IAC WILL x, IAC SB ... IAC SE ...).</summary>
    public readonly long TelnetCommands => TelnetCommandCount;

    /// <summary>Bytes thrown away while resynchronising (after a too-long line or a gap).</summary>
    public readonly long SkippedBytes => SkippedByteCount;

    /// <summary>True while skipping to the next line terminator.</summary>
    public readonly bool IsResynchronising => Resyncing;

    /// <summary>True when a line has begun (data bytes or a CR seen) but is not complete.</summary>
    public readonly bool HasPartialLine => InLine && !Resyncing;

    /// <summary>Bytes of the partial line held in the line buffer.</summary>
    public readonly int BufferedBytes => Length;

    internal void ResetLine()
    {
        InLine = false;
        PendingCr = false;
        Length = 0;
    }

    /// <summary>Forgets the partial line and any Telnet sequence, and skips to the next terminator.</summary>
    internal void StartResyncAfterGap(long gapLength)
    {
        ResetLine();
        Telnet = TelnetDecodeState.Data;
        SubnegotiationLength = 0;
        Resyncing = true;
        Offset += gapLength;
    }
}
