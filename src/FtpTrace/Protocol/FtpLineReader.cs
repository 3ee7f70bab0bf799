using System.Runtime.CompilerServices;

namespace FtpTrace.Protocol;

/// <summary>
/// Splits one chunk of a control-connection byte stream into lines, resuming from an
/// <see cref="FtpLineState"/> and handing back the state to carry to the next chunk
/// (<c>Utf8JsonReader</c> style: <c>new FtpLineReader(chunk, buffer, isFinalBlock, state)</c>, <c>while (Read())</c>,
/// then <see cref="CurrentState"/>).
/// </summary>
/// <remarks>
/// <para>Framing policy: CR LF ends a line; LF alone and CR alone (including Telnet CR NUL, whose NUL is
/// dropped) also end one and are reported through <see cref="FtpLine.Ending"/>. A CR at the end of a
/// chunk is held until the next byte is known, so CR | LF split across chunks is one CR LF.</para>
/// <para>Telnet (RFC 854) is decoded below the framing: IAC NOP/DM/BRK/IP/AO/AYT/EC/EL/GA (2 bytes),
/// IAC WILL/WONT/DO/DONT option (3 bytes) and IAC SB ... IAC SE are removed and counted; IAC IAC is
/// a literal 0xFF data byte; any sequence may be cut across chunks. IAC followed by a byte that is
/// not a command is reported and the IAC is kept as a literal 0xFF, the byte after it read as data.</para>
/// <para>After a gap (<see cref="TryTakeLineBeforeGap"/>) the reader resumes at once when the bytes
/// after it begin a line as the state's <see cref="FtpLineStart"/> says: it decides on the first
/// four content bytes, or on fewer when a terminator or the end of the stream comes first, so the
/// decision does not depend on how the bytes are cut into chunks (the exact rules are those of
/// <see cref="FtpControlParser"/>). Bytes that do not begin a line
/// are skipped up to the next terminator (as always when the line start is
/// <see cref="FtpLineStart.Unknown"/>) and counted in <see cref="FtpLineState.SkippedBytes"/>.</para>
/// <para>A line longer than the buffer given (the limit) is delivered cut to the limit with
/// <see cref="FtpLineEnding.Truncated"/>; the reader then skips to the next terminator. Lines that
/// fit in one chunk and hold no Telnet sequence are returned as slices of the chunk (no copy); other
/// lines are assembled in the buffer, which also keeps the partial line between chunks.</para>
/// </remarks>
public ref struct FtpLineReader
{
    private const byte CR = (byte)'\r';
    private const byte LF = (byte)'\n';
    private const byte NUL = 0;
    private const byte IAC = 255;
    private const byte SB = 250;
    private const byte SE = 240;
    private const byte WILL = 251;

    private readonly ReadOnlySpan<byte> _data;
    private readonly Span<byte> _buffer;
    private readonly bool _isFinalBlock;
    private readonly long _frame;
    private readonly long _timeNs;
    private FtpLineState _state;
    private int _pos;
    private int _runStart;
    private int _runEnd;
    private bool _endReached;
    private FtpLine _line;
    private FtpLineTokenType _tokenType;
    private FtpTelnetError _telnetError;
    private byte _telnetByte;

    /// <param name="data">The next bytes of the stream.</param>
    /// <param name="lineBuffer">The buffer that holds a partial line between chunks; its length is the line limit. Pass the same buffer (same content) for every chunk.</param>
    /// <param name="isFinalBlock">True at the end of the stream: a partial line, a held CR or a cut Telnet sequence is then delivered instead of kept.</param>
    /// <param name="state">The state returned by the previous chunk's reader (default for a new stream).</param>
    /// <param name="frame">Frame of the segment carrying <paramref name="data"/>.</param>
    /// <param name="timeNs">Its time.</param>
    public FtpLineReader(ReadOnlySpan<byte> data, Span<byte> lineBuffer, bool isFinalBlock, FtpLineState state, long frame, long timeNs)
    {
        _data = data;
        _buffer = lineBuffer;
        _isFinalBlock = isFinalBlock;
        _state = state;
        _frame = frame;
        _timeNs = timeNs;
        _runStart = -1;
    }

    /// <summary>The state to carry to the next chunk; complete once <see cref="Read"/> has returned false.</summary>
    public readonly FtpLineState CurrentState => _state;

    /// <summary>Bytes of this chunk consumed so far.</summary>
    public readonly int BytesConsumed => _pos;

    public readonly FtpLineTokenType TokenType => _tokenType;

    /// <summary>The line found by the last <see cref="Read"/> (when <see cref="TokenType"/> is <see cref="FtpLineTokenType.Line"/>).</summary>
    public readonly FtpLine Line => _line;

    /// <summary>The Telnet problem found by the last <see cref="Read"/> (when <see cref="TokenType"/> is <see cref="FtpLineTokenType.TelnetError"/>).</summary>
    public readonly FtpTelnetError TelnetError => _telnetError;

    /// <summary>The byte that made the Telnet sequence malformed (0 when none).</summary>
    public readonly byte TelnetErrorByte => _telnetByte;

    /// <summary>
    /// Advances to the next line or Telnet error. Returns false when the chunk is used up; bytes of an
    /// incomplete line are then kept (in the buffer and the state) for the next chunk.
    /// </summary>
    public bool Read()
    {
        _tokenType = FtpLineTokenType.None;
        while (true)
        {
            byte b;
            bool literal = false;
            if (_state.Telnet == TelnetDecodeState.LiteralFF)
            {
                b = IAC;
                literal = true;
            }
            else if (_pos >= _data.Length)
            {
                return EndOfData();
            }
            else if (_state.Telnet != TelnetDecodeState.Data)
            {
                if (StepTelnet()) return true;
                continue;
            }
            else
            {
                b = _data[_pos];
            }

            if (_state.PendingCr)
            {
                if (!literal)
                {
                    if (b == LF)
                    {
                        _pos++;
                        _state.PendingCr = false;
                        if (EndLine(FtpLineEnding.CrLf, _frame, _timeNs)) return true;
                        continue;
                    }
                    if (b == NUL)
                    {
                        _pos++;
                        _state.PendingCr = false;
                        if (EndLine(FtpLineEnding.CrNul, _state.CrFrame, _state.CrTimeNs)) return true;
                        continue;
                    }
                    if (b == IAC)
                    {
                        // A Telnet command between CR and LF is transparent to the framing.
                        _pos++;
                        _state.Telnet = TelnetDecodeState.Iac;
                        continue;
                    }
                }
                _state.PendingCr = false;
                if (EndLine(FtpLineEnding.Cr, _state.CrFrame, _state.CrTimeNs)) return true;
                continue;
            }

            if (literal)
            {
                _state.Telnet = TelnetDecodeState.Data;
                if (AppendByte(IAC)) return true;
                continue;
            }

            ReadOnlySpan<byte> rest = _data[_pos..];
            int special = rest.IndexOfAny(CR, LF, IAC);
            if (special != 0)
            {
                if (AppendRun(special < 0 ? rest.Length : special)) return true;
                continue;
            }

            _pos++;
            if (b == LF)
            {
                BeginLine();
                if (EndLine(FtpLineEnding.Lf, _frame, _timeNs)) return true;
            }
            else if (b == CR)
            {
                BeginLine();
                _state.PendingCr = true;
                _state.CrFrame = _frame;
                _state.CrTimeNs = _timeNs;
            }
            else
            {
                FlushRun();
                _state.Telnet = TelnetDecodeState.Iac;
            }
        }
    }

    /// <summary>
    /// A gap follows the bytes read so far. When the partial line had already ended with a CR it is
    /// whole: it is returned (ending <see cref="FtpLineEnding.CrBeforeGap"/>). In every case the state
    /// then forgets the partial line; after the gap it resumes at once if the next bytes begin a line
    /// (see <see cref="FtpLineStart"/>), else at the next terminator. Bytes read after an earlier gap
    /// that were not yet known to begin a line are skipped, not counted as a dropped line.
    /// </summary>
    /// <param name="state">The state before the gap; updated.</param>
    /// <param name="lineBuffer">The line buffer that goes with <paramref name="state"/>.</param>
    /// <param name="gapLength">Bytes missing.</param>
    /// <param name="line">The completed line when the method returns true.</param>
    /// <param name="droppedPartialLine">True when a partial line (not ended) was thrown away.</param>
    public static bool TryTakeLineBeforeGap(ref FtpLineState state, ReadOnlySpan<byte> lineBuffer, long gapLength,
                                            out FtpLine line, out bool droppedPartialLine)
    {
        line = default;
        droppedPartialLine = false;
        bool taken = false;
        if (state.Probing && state.InLine)
        {
            ReadOnlySpan<byte> content = lineBuffer[..state.Length];
            if (state.PendingCr && LooksLikeLineStart(state.LineStart, content, terminated: true))
            {
                line = new FtpLine(content, FtpLineEnding.CrBeforeGap, state.LineFrame, state.LineTimeNs, state.CrFrame, state.CrTimeNs);
                state.LinesRead++;
                taken = true;
            }
            else
            {
                state.SkippedByteCount += state.Length;
            }
        }
        else if (state.InLine && !state.Resyncing)
        {
            if (state.PendingCr)
            {
                line = new FtpLine(lineBuffer[..state.Length], FtpLineEnding.CrBeforeGap,
                                   state.LineFrame, state.LineTimeNs, state.CrFrame, state.CrTimeNs);
                state.LinesRead++;
                taken = true;
            }
            else
            {
                droppedPartialLine = true;
            }
        }
        state.StartResyncAfterGap(gapLength);
        return taken;
    }

    /// <summary>
    /// Whether <paramref name="content"/>, the first content bytes after a gap, begins a line of the
    /// kind <paramref name="kind"/>. <paramref name="terminated"/>: a terminator (or the end of the
    /// stream) follows them; otherwise they are the first <see cref="FtpLineState.LineStartProbeLength"/>
    /// bytes (fewer only when the line limit is lower, then judged as a prefix).
    /// </summary>
    internal static bool LooksLikeLineStart(FtpLineStart kind, ReadOnlySpan<byte> content, bool terminated)
    {
        bool prefixOnly = !terminated && content.Length < FtpLineState.LineStartProbeLength;
        if (kind == FtpLineStart.Reply)
        {
            int digits = Math.Min(content.Length, 3);
            for (int i = 0; i < digits; i++)
            {
                if (!char.IsAsciiDigit((char)content[i])) return false;
            }
            if (content.Length < 3) return prefixOnly;
            return content.Length == 3 || content[3] is (byte)' ' or (byte)'-';
        }
        if (kind == FtpLineStart.Command)
        {
            int space = content.IndexOf((byte)' ');
            ReadOnlySpan<byte> verb = space < 0 ? content : content[..space];
            if (!FtpVerbs.IsVerbShape(verb)) return false;
            bool whole = space >= 0 || terminated;
            if (whole && verb.Length < 3) return false;
            // Clients send verbs in upper case; a lower-case word is more likely the tail of an
            // argument cut by the gap, unless it is a known verb.
            return IsUpperCase(verb) || (whole ? FtpVerbs.IsKnown(verb) : FtpVerbs.IsKnownPrefix(verb));
        }
        return false;
    }

    private static bool IsUpperCase(ReadOnlySpan<byte> verb)
    {
        foreach (byte b in verb)
        {
            if (char.IsAsciiLetterLower((char)b)) return false;
        }
        return true;
    }

    /// <summary>
    /// Decides, on the content read since the gap, whether it begins a line. If not, it is skipped:
    /// up to the next terminator, or (when <paramref name="terminated"/>) just this line. False when skipped.
    /// </summary>
    private bool DecideLineStart(bool terminated)
    {
        _state.Probing = false;
        FlushRunIfBuffered();
        if (LooksLikeLineStart(_state.LineStart, Content(), terminated)) return true;
        _state.SkippedByteCount += ContentLength;
        ResetLine();
        _state.Resyncing = !terminated;
        return false;
    }

    private readonly int ProbeLength => Math.Min(FtpLineState.LineStartProbeLength, _buffer.Length);

    private readonly int ContentLength => _state.Length + (_runStart >= 0 ? _runEnd - _runStart : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void BeginLine()
    {
        if (_state.InLine || _state.Resyncing) return;
        _state.InLine = true;
        _state.LineFrame = _frame;
        _state.LineTimeNs = _timeNs;
    }

    /// <summary>Moves the uncopied run of content bytes from the chunk into the line buffer.</summary>
    private void FlushRun()
    {
        if (_runStart < 0) return;
        int n = _runEnd - _runStart;
        _data.Slice(_runStart, n).CopyTo(_buffer[_state.Length..]);
        _state.Length += n;
        _runStart = -1;
    }

    /// <summary>Takes <paramref name="count"/> content bytes at the current position; true when the limit cut the line.</summary>
    private bool AppendRun(int count)
    {
        if (_state.Resyncing)
        {
            _pos += count;
            _state.SkippedByteCount += count;
            return false;
        }
        BeginLine();
        if (_state.Probing)
        {
            // Take only what the line-start decision needs; the rest of the run is read after it.
            int needed = ProbeLength - ContentLength;
            if (count >= needed)
            {
                if (_runStart < 0) _runStart = _pos;
                _pos += needed;
                _runEnd = _pos;
                DecideLineStart(terminated: false);
                return false;
            }
        }
        int room = _buffer.Length - ContentLength;
        int take = Math.Min(count, room);
        if (take > 0)
        {
            if (_runStart < 0) _runStart = _pos;
            _pos += take;
            _runEnd = _pos;
        }
        // The byte at _pos (if count > room) is content beyond the limit: it is skipped by the resync.
        return count > room && Truncate();
    }

    /// <summary>Appends one data byte that did not come straight from the chunk (a literal 0xFF).</summary>
    private bool AppendByte(byte value)
    {
        if (_state.Resyncing)
        {
            _state.SkippedByteCount++;
            return false;
        }
        BeginLine();
        FlushRun();
        if (_state.Length >= _buffer.Length)
        {
            _state.SkippedByteCount++;
            return Truncate();
        }
        _buffer[_state.Length++] = value;
        if (_state.Probing && _state.Length >= ProbeLength) DecideLineStart(terminated: false);
        return false;
    }

    private readonly ReadOnlySpan<byte> Content()
        => _state.Length == 0 && _runStart >= 0 ? _data[_runStart.._runEnd] : _buffer[.._state.Length];

    private bool Truncate()
    {
        FlushRunIfBuffered();
        _line = new FtpLine(Content(), FtpLineEnding.Truncated, _state.LineFrame, _state.LineTimeNs, _frame, _timeNs);
        _state.LinesRead++;
        ResetLine();
        _state.Resyncing = true;
        _tokenType = FtpLineTokenType.Line;
        return true;
    }

    /// <summary>A run that follows bytes already in the buffer must join them there.</summary>
    private void FlushRunIfBuffered()
    {
        if (_state.Length > 0) FlushRun();
    }

    private void ResetLine()
    {
        _state.ResetLine();
        _runStart = -1;
    }

    private bool EndLine(FtpLineEnding ending, long endFrame, long endTimeNs)
    {
        if (_state.Resyncing)
        {
            _state.Resyncing = false;
            ResetLine();
            return false;
        }
        if (_state.Probing && !DecideLineStart(terminated: true)) return false;
        FlushRunIfBuffered();
        _line = new FtpLine(Content(), ending, _state.LineFrame, _state.LineTimeNs, endFrame, endTimeNs);
        _state.LinesRead++;
        ResetLine();
        _tokenType = FtpLineTokenType.Line;
        return true;
    }

    private bool Error(FtpTelnetError error, byte value)
    {
        _telnetError = error;
        _telnetByte = value;
        _tokenType = FtpLineTokenType.TelnetError;
        return true;
    }

    /// <summary>Consumes Telnet bytes at the current position; true when a Telnet error token was produced.</summary>
    private bool StepTelnet()
    {
        byte b = _data[_pos];
        switch (_state.Telnet)
        {
            case TelnetDecodeState.Iac:
                if (b == IAC)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.LiteralFF;
                    return false;
                }
                if (b >= WILL)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.Option;
                    return false;
                }
                if (b == SB)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.Subnegotiation;
                    _state.SubnegotiationLength = 0;
                    return false;
                }
                if (b > SE)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.Data;
                    _state.TelnetCommandCount++;
                    return false;
                }
                if (b == SE)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.Data;
                    return Error(FtpTelnetError.StraySubnegotiationEnd, b);
                }
                // Not a command: keep the IAC as data, read the byte after it as data.
                _state.Telnet = TelnetDecodeState.LiteralFF;
                return Error(FtpTelnetError.InvalidCommand, b);

            case TelnetDecodeState.Option:
                _pos++;
                _state.Telnet = TelnetDecodeState.Data;
                _state.TelnetCommandCount++;
                return false;

            case TelnetDecodeState.Subnegotiation:
            {
                ReadOnlySpan<byte> rest = _data[_pos..];
                int iac = rest.IndexOf(IAC);
                int n = iac < 0 ? rest.Length : iac;
                int allowed = Math.Max(0, _buffer.Length - _state.SubnegotiationLength);
                if (n > allowed)
                {
                    _pos += allowed;
                    _state.SubnegotiationLength = 0;
                    _state.Telnet = TelnetDecodeState.Data;
                    return Error(FtpTelnetError.SubnegotiationTooLong, 0);
                }
                _pos += n;
                _state.SubnegotiationLength += n;
                if (iac >= 0)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.SubnegotiationIac;
                }
                return false;
            }

            case TelnetDecodeState.SubnegotiationIac:
                if (b == SE)
                {
                    _pos++;
                    _state.Telnet = TelnetDecodeState.Data;
                    _state.SubnegotiationLength = 0;
                    _state.TelnetCommandCount++;
                    return false;
                }
                if (b == IAC)
                {
                    _pos++;
                    _state.SubnegotiationLength++;
                    _state.Telnet = TelnetDecodeState.Subnegotiation;
                    return false;
                }
                // IAC <command> inside SB: the subnegotiation ends here; read the command normally.
                _state.Telnet = TelnetDecodeState.Iac;
                _state.SubnegotiationLength = 0;
                _state.TelnetCommandCount++;
                return Error(FtpTelnetError.UnterminatedSubnegotiation, b);

            default:
                return false;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool EndOfData()
    {
        if (!_endReached)
        {
            FlushRun();
            _state.Offset += _data.Length;
            _endReached = true;
        }
        if (!_isFinalBlock) return false;

        if (_state.Telnet is not TelnetDecodeState.Data)
        {
            _state.Telnet = TelnetDecodeState.Data;
            _state.SubnegotiationLength = 0;
            return Error(FtpTelnetError.CutShort, 0);
        }
        if (_state.PendingCr)
        {
            _state.PendingCr = false;
            if (EndLine(FtpLineEnding.Cr, _state.CrFrame, _state.CrTimeNs)) return true;
        }
        if (_state.InLine && !_state.Resyncing)
        {
            return EndLine(FtpLineEnding.EndOfStream, _frame, _timeNs);
        }
        _state.Resyncing = false;
        _state.Probing = false;
        ResetLine();
        return false;
    }
}
