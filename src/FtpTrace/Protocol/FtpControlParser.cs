using System.Buffers;
using System.Text;
using FtpTrace.Diagnostics;

namespace FtpTrace.Protocol;

/// <summary>Which side of the control connection a parser reads.</summary>
public enum FtpParserRole
{
    /// <summary>Client to server: the parser yields <see cref="FtpCommand"/>s.</summary>
    Client,
    /// <summary>Server to client: the parser yields <see cref="FtpReply"/>s.</summary>
    Server,
}

/// <summary>
/// Turns one direction of an FTP control connection into commands or replies, chunk by chunk.
/// The same bytes give the same messages and anomalies however they are cut into chunks.
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> The parser keeps at most <see cref="FtpTraceLimits.MaxLineLength"/> bytes: the
/// partial line at the end of a chunk, in an array of its size that is dropped as soon as no partial
/// line is left. Whole lines inside a chunk are read in place; lines that span chunks are assembled
/// in a per-thread scratch buffer, so a handler must not feed another parser on the same thread from
/// inside <see cref="IFtpMessageHandler"/> callbacks.</para>
/// <para><b>Framing</b> (see <see cref="FtpLineReader"/>): CR LF, bare LF, bare CR and CR NUL end a line
/// (the last three reported once per line); Telnet commands are removed; a line over the limit is
/// cut there, emitted, reported as <see cref="AnomalyKind.LineTooLong"/>, and its rest skipped.</para>
/// <para><b>Text.</b> Valid UTF-8 is kept (RFC 2640), control characters included; invalid bytes and
/// NUL become <c>\xNN</c>, with one <see cref="AnomalyKind.InvalidUtf8"/> per line.</para>
/// <para><b>Commands</b> (client role): the verb is everything up to the first space and must be
/// 1 to 32 ASCII letters and digits starting with a letter (<c>USER</c>, <c>site</c>, <c>XPWD</c>, unknown
/// verbs too); the argument is everything after that one space, as sent. Any other line (empty,
/// leading space, punctuation, controls or non-ASCII in the verb) is an
/// <see cref="AnomalyKind.InvalidCommand"/> and dropped.</para>
/// <para><b>Replies</b> (server role, RFC 959 section 4.2): a reply line starts with a code 100..659
/// (600-series from RFC 2228) followed by a space, a dash or the end of the line. <c>NNN-</c> opens a
/// multi-line block that the first line starting <c>NNN </c> (or exactly <c>NNN</c>) with the same code
/// closes. Lines in between are kept whatever they hold (empty, indented, digit-led). One exception,
/// for servers that never close a block: while every line of the block so far carried the block's
/// own <c>NNN-</c> prefix, a reply line with a <i>different</i> code closes the block (emitted as it
/// is, with <see cref="AnomalyKind.UnterminatedMultilineReply"/>) and starts a new reply. Once the
/// block has held a line without that prefix (free text, where RFC 959 allows digit-led lines), a
/// different code is continuation text, as in Zeek. Text outside any block that is not a reply line
/// is an <see cref="AnomalyKind.InvalidReply"/> and dropped. A reply's lines beyond
/// <see cref="FtpTraceLimits.MaxReplyLines"/> or <see cref="FtpTraceLimits.MaxReplyTextBytes"/> are
/// counted in the reply's <see cref="FtpReply.LineCount"/> but left out of its text
/// (<see cref="AnomalyKind.ReplyTooLong"/>).</para>
/// <para><b>Gaps.</b> A line cut by a gap is dropped (counted in <see cref="MessagesDroppedAtGap"/>;
/// the gap itself is reported upstream), a line that had already ended with CR is kept. After the
/// gap the parser resumes at once when the next bytes begin a line, since TCP segments of a control
/// connection nearly always start at a line boundary; otherwise it skips to the next terminator
/// (<see cref="SkippedBytes"/>). It decides on the first four content bytes after the gap, or on
/// fewer when a terminator or the end of the stream comes first. Server: three digits then a space,
/// a dash or the line end. Client: a verb shape (as above) of three or more characters followed by a
/// space or the line end, or four verb-shape characters, in upper case or spelling (the start of) a
/// known verb in any case; a lower-case word such as <c>ice</c> is more likely the tail of an argument
/// cut by the gap. An open multi-line reply is dropped with
/// <see cref="AnomalyKind.UnterminatedMultilineReply"/> (and counted).</para>
/// <para><b>End of stream.</b> A partial line is reported as <see cref="AnomalyKind.PartialLineAtClose"/>
/// and then read like any other line (so a complete-looking command or reply that only lacks its
/// terminator is emitted); a block still open is emitted as collected, with
/// <see cref="AnomalyKind.UnterminatedMultilineReply"/>.</para>
/// </remarks>
public sealed class FtpControlParser : IDisposable
{
    private readonly FtpParserRole _role;
    private readonly FtpTraceLimits _limits;
    private readonly IFtpMessageHandler _handler;
    private readonly IAnomalySink _anomalies;
    private readonly long _connectionId;
    private readonly int _maxLine;
    // The partial line left at the end of a chunk, exactly its bytes (tens of thousands of open
    // sessions may each hold one, so not a whole line-limit buffer). Chunks are read against a
    // per-thread scratch buffer of the line limit, the partial line copied to its start first.
    private byte[]? _partial;
    [ThreadStatic] private static byte[]? t_lineScratch;

    // The reply text: a single-line reply is decoded straight into its string; the lines of a
    // multi-line reply are gathered in a pooled char buffer, made into one string when it closes.
    private string? _singleLineText;
    private char[]? _textChars;
    private int _textLength;
    private FtpLineState _state;

    // The reply being assembled (0 = none).
    private int _replyCode;
    private bool _blockPrefixedOnly;
    private int _replyLines;
    private long _replyBytes;
    private bool _replyOverLimit;
    private long _replyFrame;
    private long _replyTimeNs;
    private long _replyEndFrame;
    private long _replyEndTimeNs;

    public FtpControlParser(FtpParserRole role, FtpTraceLimits limits, IFtpMessageHandler handler, IAnomalySink anomalies, long connectionId)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(anomalies);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxLineLength, 1);
        _role = role;
        _limits = limits;
        _handler = handler;
        _anomalies = anomalies;
        _connectionId = connectionId;
        _maxLine = limits.MaxLineLength;
        _state = new FtpLineState(role == FtpParserRole.Server ? FtpLineStart.Reply : FtpLineStart.Command);
    }

    public FtpParserRole Role => _role;

    /// <summary>The framing state (offsets, partial line, resync).</summary>
    public FtpLineState State => _state;

    /// <summary>Lines read (terminated, truncated, or left at the end of the stream); lines skipped while resynchronising are not counted.</summary>
    public long Lines { get; private set; }

    /// <summary>Lines that ended with LF alone.</summary>
    public long BareLf { get; private set; }

    /// <summary>Lines that ended with CR alone or CR NUL.</summary>
    public long BareCr { get; private set; }

    /// <summary>Lines longer than the limit (cut).</summary>
    public long LongLines { get; private set; }

    /// <summary>Bytes fed, gaps not included.</summary>
    public long BytesSeen { get; private set; }

    /// <summary>Telnet commands interpreted and removed.</summary>
    public long TelnetCommands => _state.TelnetCommands;

    /// <summary>Bytes skipped while resynchronising (the rest of a too-long line, the tail of a line after a gap).</summary>
    public long SkippedBytes => _state.SkippedBytes;

    /// <summary>Partial lines and open multi-line replies that a gap cut, and that were therefore not emitted.</summary>
    public long MessagesDroppedAtGap { get; private set; }

    /// <summary>Lines dropped as <see cref="AnomalyKind.InvalidCommand"/> or <see cref="AnomalyKind.InvalidReply"/>.</summary>
    public long InvalidLines { get; private set; }

    /// <summary>Reply lines left out of a reply's text because of the reply limits.</summary>
    public long DroppedReplyLines { get; private set; }

    public long Commands { get; private set; }

    public long Replies { get; private set; }

    /// <summary>The code of the open multi-line reply block; 0 when none.</summary>
    public int PendingReplyCode => _replyCode;

    /// <summary>Reads the next bytes of the stream. <paramref name="frame"/>/<paramref name="timeNs"/> are those of the segment carrying them.</summary>
    public void Feed(ReadOnlySpan<byte> data, long frame, long timeNs)
    {
        BytesSeen += data.Length;
        if (data.IsEmpty) return;
        Span<byte> buffer = LineBuffer();
        var reader = new FtpLineReader(data, buffer, isFinalBlock: false, _state, frame, timeNs);
        Run(ref reader, frame, timeNs);
        _state = reader.CurrentState;
        KeepPartial(buffer);
    }

    /// <summary>
    /// <paramref name="length"/> bytes of the stream were never captured. The partial line is dropped
    /// (a line already ended by CR is kept), an open multi-line reply is dropped with an anomaly, and
    /// the parser resumes at the first line start after the gap (see the class remarks).
    /// </summary>
    public void OnGap(long length, long frame, long timeNs)
    {
        ReadOnlySpan<byte> buffer = _partial;
        if (FtpLineReader.TryTakeLineBeforeGap(ref _state, buffer, length, out FtpLine line, out bool dropped))
        {
            OnLine(line);
        }
        if (dropped) MessagesDroppedAtGap++;
        if (_replyCode != 0)
        {
            Report(AnomalyKind.UnterminatedMultilineReply, frame, timeNs,
                   $"multi-line {_replyCode} reply cut by a gap of {length} bytes after {_replyLines} lines; dropped");
            MessagesDroppedAtGap++;
            ResetReply();
        }
        if (_state.BufferedBytes == 0) _partial = null;
    }

    /// <summary>The stream ended: a partial line is reported and read, an open block is emitted as it is.</summary>
    public void Finish(long frame, long timeNs)
    {
        Span<byte> buffer = LineBuffer();
        var reader = new FtpLineReader(default, buffer, isFinalBlock: true, _state, frame, timeNs);
        Run(ref reader, frame, timeNs);
        _state = reader.CurrentState;
        KeepPartial(buffer);
        if (_replyCode != 0)
        {
            Report(AnomalyKind.UnterminatedMultilineReply, frame, timeNs,
                   $"multi-line {_replyCode} reply not closed when the stream ended ({_replyLines} lines)");
            EmitReply();
        }
    }

    public void Dispose()
    {
        _partial = null;
        ReturnText();
    }

    /// <summary>The scratch line buffer of this thread, holding the partial line carried over from the last chunk.</summary>
    private Span<byte> LineBuffer()
    {
        byte[]? scratch = t_lineScratch;
        if (scratch is null || scratch.Length < _maxLine) t_lineScratch = scratch = new byte[_maxLine];
        Span<byte> buffer = scratch.AsSpan(0, _maxLine);
        _partial.AsSpan().CopyTo(buffer);
        return buffer;
    }

    /// <summary>Keeps the partial line the reader left in <paramref name="buffer"/> for the next chunk.</summary>
    private void KeepPartial(ReadOnlySpan<byte> buffer)
    {
        int n = _state.BufferedBytes;
        if (n == 0)
        {
            _partial = null;
            return;
        }
        if (_partial is null || _partial.Length != n) _partial = new byte[n];
        buffer[..n].CopyTo(_partial);
    }

    private void Run(ref FtpLineReader reader, long frame, long timeNs)
    {
        while (reader.Read())
        {
            if (reader.TokenType == FtpLineTokenType.TelnetError)
            {
                Report(AnomalyKind.TelnetSequence, frame, timeNs, DescribeTelnetError(reader.TelnetError, reader.TelnetErrorByte));
                continue;
            }
            OnLine(reader.Line);
        }
    }

    private static string DescribeTelnetError(FtpTelnetError error, byte value) => error switch
    {
        FtpTelnetError.InvalidCommand => $"IAC followed by 0x{value:X2}, not a Telnet command; kept as data",
        FtpTelnetError.StraySubnegotiationEnd => "IAC SE without IAC SB",
        FtpTelnetError.UnterminatedSubnegotiation => $"IAC SB ended by IAC 0x{value:X2} instead of IAC SE",
        FtpTelnetError.SubnegotiationTooLong => "IAC SB longer than the line limit; abandoned",
        FtpTelnetError.CutShort => "stream ended inside a Telnet sequence",
        _ => error.ToString(),
    };

    private void OnLine(in FtpLine line)
    {
        Lines++;
        switch (line.Ending)
        {
            case FtpLineEnding.Lf:
                BareLf++;
                Report(AnomalyKind.BareLineFeed, line, "line ended with LF alone");
                break;
            case FtpLineEnding.Cr:
                BareCr++;
                Report(AnomalyKind.BareCarriageReturn, line, "line ended with CR alone");
                break;
            case FtpLineEnding.CrNul:
                BareCr++;
                Report(AnomalyKind.BareCarriageReturn, line, "line ended with CR NUL");
                break;
            case FtpLineEnding.Truncated:
                LongLines++;
                Report(AnomalyKind.LineTooLong, line, $"line longer than {_maxLine} bytes; cut there, the rest skipped");
                break;
            case FtpLineEnding.EndOfStream:
                Report(AnomalyKind.PartialLineAtClose, line,
                       $"{line.Content.Length} bytes without a line terminator at the end of the stream: {DetailOf(line.Content)}");
                break;
        }

        if (_role == FtpParserRole.Client) OnCommandLine(line);
        else OnReplyLine(line);
    }

    private void OnCommandLine(in FtpLine line)
    {
        ReadOnlySpan<byte> content = line.Content;
        int space = content.IndexOf((byte)' ');
        ReadOnlySpan<byte> verb = space < 0 ? content : content[..space];
        if (!FtpVerbs.IsVerbShape(verb))
        {
            InvalidLines++;
            Report(AnomalyKind.InvalidCommand, line, $"not a command line: \"{DetailOf(content)}\"");
            return;
        }
        string argument = string.Empty;
        if (space >= 0)
        {
            argument = FtpText.Decode(content[(space + 1)..], out bool invalid);
            if (invalid) ReportInvalidUtf8(line);
        }
        Commands++;
        _handler.OnCommand(new FtpCommand(FtpVerbs.ToVerbString(verb), argument, line.Frame, line.TimeNs));
    }

    /// <summary>The code of a reply line (100..659 followed by space, dash or nothing); 0 when the line is not one.</summary>
    internal static int ParseReplyStart(ReadOnlySpan<byte> line, out bool dash)
    {
        dash = false;
        if (line.Length < 3) return 0;
        int d0 = line[0] - '0', d1 = line[1] - '0', d2 = line[2] - '0';
        if ((uint)d0 > 9 || (uint)d1 > 9 || (uint)d2 > 9) return 0;
        int code = d0 * 100 + d1 * 10 + d2;
        if (code is < 100 or > 659) return 0;
        if (line.Length == 3 || line[3] == (byte)' ') return code;
        if (line[3] == (byte)'-')
        {
            dash = true;
            return code;
        }
        return 0;
    }

    private static ReadOnlySpan<byte> AfterCode(ReadOnlySpan<byte> line) => line.Length > 3 ? line[4..] : default;

    private void OnReplyLine(in FtpLine line)
    {
        ReadOnlySpan<byte> content = line.Content;
        int code = ParseReplyStart(content, out bool dash);
        if (_replyCode != 0)
        {
            if (code == _replyCode)
            {
                AddReplyLine(AfterCode(content), line, closes: !dash);
                if (!dash) EmitReply();
                return;
            }
            if (code == 0 || !_blockPrefixedOnly)
            {
                _blockPrefixedOnly = false;
                AddReplyLine(content, line, closes: false);
                return;
            }
            Report(AnomalyKind.UnterminatedMultilineReply, line,
                   $"multi-line {_replyCode} reply closed by a {code} line after {_replyLines} lines");
            EmitReply();
        }

        if (code == 0)
        {
            InvalidLines++;
            Report(AnomalyKind.InvalidReply, line, $"not a reply line: \"{FtpText.EscapeForDetail(content)}\"");
            return;
        }
        _replyCode = code;
        _blockPrefixedOnly = true;
        _replyFrame = line.Frame;
        _replyTimeNs = line.TimeNs;
        AddReplyLine(AfterCode(content), line, closes: !dash);
        if (!dash) EmitReply();
    }

    private void AddReplyLine(ReadOnlySpan<byte> text, in FtpLine line, bool closes)
    {
        _replyLines++;
        _replyEndFrame = line.EndFrame;
        _replyEndTimeNs = line.EndTimeNs;
        if (_replyOverLimit)
        {
            DroppedReplyLines++;
            return;
        }
        if (_replyLines > _limits.MaxReplyLines || _replyBytes + text.Length > _limits.MaxReplyTextBytes)
        {
            _replyOverLimit = true;
            DroppedReplyLines++;
            Report(AnomalyKind.ReplyTooLong, line,
                   $"{_replyCode} reply longer than {_limits.MaxReplyLines} lines or {_limits.MaxReplyTextBytes} bytes; further lines left out");
            return;
        }
        _replyBytes += text.Length;
        bool invalid;
        if (_replyLines == 1 && closes)
        {
            _singleLineText = FtpText.Decode(text, out invalid);
        }
        else
        {
            if (_replyLines > 1) AppendText("\n");
            if (FtpText.IsPlain(text))
            {
                invalid = false;
                Span<char> room = TextRoom(Encoding.UTF8.GetMaxCharCount(text.Length));
                _textLength += Encoding.UTF8.GetChars(text, room);
            }
            else
            {
                AppendText(FtpText.Decode(text, out invalid));
            }
        }
        if (invalid) ReportInvalidUtf8(line);
    }

    private void AppendText(ReadOnlySpan<char> chars)
    {
        chars.CopyTo(TextRoom(chars.Length));
        _textLength += chars.Length;
    }

    /// <summary>At least <paramref name="length"/> free chars after the multi-line text gathered so far.</summary>
    private Span<char> TextRoom(int length)
    {
        int needed = _textLength + length;
        if (_textChars is null || _textChars.Length < needed)
        {
            char[] grown = ArrayPool<char>.Shared.Rent(Math.Max(needed, _textChars is null ? 256 : _textChars.Length * 2));
            if (_textChars is not null)
            {
                _textChars.AsSpan(0, _textLength).CopyTo(grown);
                ArrayPool<char>.Shared.Return(_textChars);
            }
            _textChars = grown;
        }
        return _textChars.AsSpan(_textLength);
    }

    private void ReturnText()
    {
        if (_textChars is not null) ArrayPool<char>.Shared.Return(_textChars);
        _textChars = null;
        _textLength = 0;
    }

    private void EmitReply()
    {
        string text = _singleLineText ?? (_textChars is null ? string.Empty : new string(_textChars, 0, _textLength));
        var reply = new FtpReply(_replyCode, text, _replyLines, _replyFrame, _replyTimeNs, _replyEndFrame, _replyEndTimeNs);
        ResetReply();
        Replies++;
        _handler.OnReply(reply);
    }

    private void ResetReply()
    {
        _replyCode = 0;
        _blockPrefixedOnly = false;
        _replyLines = 0;
        _replyBytes = 0;
        _replyOverLimit = false;
        _singleLineText = null;
        ReturnText();
    }

    private void ReportInvalidUtf8(in FtpLine line)
        => Report(AnomalyKind.InvalidUtf8, line, $"invalid UTF-8: \"{DetailOf(line.Content)}\"");

    /// <summary>
    /// A line for an anomaly's detail, escaped and cut. A client line that starts with PASS or ACCT
    /// (any case, after any leading blanks, whatever follows the verb: a space, a tab, nothing) shows
    /// only the verb and <c>&lt;hidden&gt;</c>: details are reports too, and passwords are masked there.
    /// </summary>
    private string DetailOf(ReadOnlySpan<byte> content)
    {
        if (_role == FtpParserRole.Client)
        {
            var trimmed = content.TrimStart(" \t"u8);
            if (trimmed.Length >= 4 && (Ascii.EqualsIgnoreCase(trimmed[..4], "PASS"u8) || Ascii.EqualsIgnoreCase(trimmed[..4], "ACCT"u8)))
                return FtpText.EscapeForDetail(content[..(content.Length - trimmed.Length + 4)]) + " <hidden>";
        }
        return FtpText.EscapeForDetail(content);
    }

    private void Report(AnomalyKind kind, in FtpLine line, string detail) => Report(kind, line.Frame, line.TimeNs, detail);

    private void Report(AnomalyKind kind, long frame, long timeNs, string detail)
        => _anomalies.Report(new Anomaly(kind, frame, timeNs, _connectionId, detail));
}
