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
/// What a line of a stream starts with, so that <see cref="FtpLineReader"/> can resume at once after a
/// gap when the bytes right after it begin a line (TCP segments of a control connection nearly always
/// start at a line boundary).
/// </summary>
public enum FtpLineStart
{
    /// <summary>Not known: after a gap the reader skips to the next line terminator.</summary>
    Unknown,
    /// <summary>Server replies: three digits followed by a space, a dash or the line end.</summary>
    Reply,
    /// <summary>Client commands: a verb of at least three letters or digits (a letter first) followed by a space, four such characters, or the line end.</summary>
    Command,
}

/// <summary>
/// The framing state of one direction of a control connection, carried from one chunk to the next
/// (the <c>JsonReaderState</c> of <see cref="FtpLineReader"/>). A small plain struct: the bytes of a
/// partial line live in the line buffer owned by <see cref="FtpControlParser"/>; this struct only
/// says how many there are and where the line started.
/// </summary>
public struct FtpLineState
{
    /// <summary>Bytes after a gap that decide whether they begin a line (fewer when the line limit is lower).</summary>
    internal const int LineStartProbeLength = 4;

    internal TelnetDecodeState Telnet;
    internal FtpLineStart LineStart;
    /// <summary>After a gap: the first bytes are being collected to decide whether they begin a line.</summary>
    internal bool Probing;
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

    /// <summary>A new stream whose lines start as <paramref name="lineStart"/> says (used after a gap).</summary>
    public FtpLineState(FtpLineStart lineStart) => LineStart = lineStart;

    /// <summary>What a line of the stream starts with; <see cref="FtpLineStart.Unknown"/> for <c>default</c>.</summary>
    public readonly FtpLineStart ExpectedLineStart => LineStart;

    /// <summary>True after a gap while the first bytes are read to decide whether they begin a line.</summary>
    public readonly bool IsCheckingLineStart => Probing;

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

    /// <summary>
    /// Forgets the partial line and any Telnet sequence. With a known <see cref="LineStart"/> the
    /// bytes after the gap are then checked for a line start (<see cref="Probing"/>); otherwise the
    /// reader skips to the next terminator.
    /// </summary>
    internal void StartResyncAfterGap(long gapLength)
    {
        ResetLine();
        Telnet = TelnetDecodeState.Data;
        SubnegotiationLength = 0;
        Probing = LineStart != FtpLineStart.Unknown;
        Resyncing = !Probing;
        Offset += gapLength;
    }
}
