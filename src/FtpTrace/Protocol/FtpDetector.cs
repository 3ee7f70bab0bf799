using System.Runtime.CompilerServices;
using FtpTrace.Flows;

namespace FtpTrace.Protocol;

/// <summary>What <see cref="FtpDetector"/> concluded about a connection.</summary>
public enum FtpDetectionVerdict
{
    /// <summary>Not enough bytes yet.</summary>
    Undecided,
    Ftp,
    NotFtp,
}

/// <summary>
/// Decides whether a connection on a port not known as FTP carries an FTP control connection, from
/// the first bytes of each direction (at most <see cref="MaxInspectedBytes"/> per direction, kept
/// inline: no allocation after construction).
/// </summary>
/// <remarks>
/// <para>FTP when both hold:</para>
/// <list type="bullet">
/// <item>the server's first line is a reply line (three digits 100..659, then space, dash or end of
/// line). When the server spoke first on a connection seen from its start it must be a greeting:
/// 220, 120 or 421, single or multi-line. When the client spoke first, or the connection was joined
/// mid-stream (no SYN seen: <c>joinedMidStream</c>), any reply code is accepted, since it answers a
/// command (seen or not). A first line that names SMTP (<c>220 mail ESMTP</c>) without naming
/// FTP is not FTP.</item>
/// <item>the client's first token (up to a space or the line end) is a known FTP verb, in any case
/// (<c>USER</c>, <c>AUTH</c>, <c>FEAT</c>, <c>SYST</c>, <c>OPTS</c>, <c>HOST</c> ...). SMTP's <c>EHLO</c>/<c>HELO</c>,
/// HTTP's <c>GET</c> and any other token are not.</item>
/// </list>
/// <para>Not FTP as soon as either side rules it out (checked on the bytes so far, so the answer does
/// not depend on how the bytes were split), or when a side sends <see cref="MaxInspectedBytes"/>
/// bytes without completing what is needed. Undecided while a side has not said enough; a caller
/// that reaches the end of the connection with Undecided should treat it as not FTP. Telnet
/// sequences are not interpreted here.</para>
/// </remarks>
public sealed class FtpDetector
{
    /// <summary>Bytes inspected per direction.</summary>
    public const int MaxInspectedBytes = 512;

    private enum SideVerdict : byte { Unknown, Ok, Bad }

    [InlineArray(MaxInspectedBytes)]
    private struct Inspected
    {
        private byte _first;
    }

    private Inspected _client;
    private Inspected _server;
    private int _clientLength;
    private int _serverLength;
    private SideVerdict _clientVerdict;
    private SideVerdict _serverVerdict;
    private FlowDirection? _firstSpeaker;
    private readonly bool _joinedMidStream;

    /// <param name="joinedMidStream">
    /// True when the connection's start was not captured (no SYN): the server's first line seen may
    /// answer a command sent before the capture began, so it need not be a greeting.
    /// </param>
    public FtpDetector(bool joinedMidStream = false) => _joinedMidStream = joinedMidStream;

    public FtpDetectionVerdict Verdict { get; private set; }

    /// <summary>Which side sent bytes first; null before any.</summary>
    public FlowDirection? FirstSpeaker => _firstSpeaker;

    /// <summary>Takes the next bytes of one direction (in stream order) and returns the verdict so far.</summary>
    public FtpDetectionVerdict Observe(FlowDirection direction, ReadOnlySpan<byte> data)
    {
        if (Verdict != FtpDetectionVerdict.Undecided || data.IsEmpty) return Verdict;
        _firstSpeaker ??= direction;

        if (direction == FlowDirection.ClientToServer)
        {
            if (_clientVerdict == SideVerdict.Unknown)
            {
                Span<byte> buffer = _client;
                _clientLength += Append(buffer, _clientLength, data);
                _clientVerdict = JudgeClient(buffer[.._clientLength]);
            }
        }
        else if (_serverVerdict == SideVerdict.Unknown)
        {
            Span<byte> buffer = _server;
            _serverLength += Append(buffer, _serverLength, data);
            _serverVerdict = JudgeServer(buffer[.._serverLength], requireGreeting: !_joinedMidStream && _firstSpeaker == FlowDirection.ServerToClient);
        }

        if (_clientVerdict == SideVerdict.Bad || _serverVerdict == SideVerdict.Bad) Verdict = FtpDetectionVerdict.NotFtp;
        else if (_clientVerdict == SideVerdict.Ok && _serverVerdict == SideVerdict.Ok) Verdict = FtpDetectionVerdict.Ftp;
        return Verdict;
    }

    /// <summary>
    /// The verdict at the end of the connection. Still undecided then, it is FTP only when the
    /// server greeted like an FTP server (220, 120 or 421, not SMTP) and the client never spoke: a
    /// server turning a client away ("421 Too many connections") or a client that gave up at the
    /// greeting. Anything else is not FTP.
    /// </summary>
    public FtpDetectionVerdict Conclude()
    {
        if (Verdict != FtpDetectionVerdict.Undecided) return Verdict;
        if (_clientLength == 0 && _serverVerdict == SideVerdict.Ok && _firstSpeaker == FlowDirection.ServerToClient)
        {
            ReadOnlySpan<byte> server = _server;
            int code = FtpControlParser.ParseReplyStart(server[.._serverLength], out _);
            if (code is 220 or 120 or 421) return Verdict = FtpDetectionVerdict.Ftp;
        }
        return Verdict = FtpDetectionVerdict.NotFtp;
    }

    private static int Append(Span<byte> buffer, int length, ReadOnlySpan<byte> data)
    {
        int n = Math.Min(buffer.Length - length, data.Length);
        data[..n].CopyTo(buffer[length..]);
        return n;
    }

    private static SideVerdict JudgeClient(ReadOnlySpan<byte> seen)
    {
        int end = seen.IndexOfAny((byte)' ', (byte)'\r', (byte)'\n');
        ReadOnlySpan<byte> token = end < 0 ? seen : seen[..end];
        if (token.Length > FtpVerbs.MaxVerbLength) return SideVerdict.Bad;
        if (!token.IsEmpty && !FtpVerbs.IsVerbShape(token)) return SideVerdict.Bad;
        if (end < 0) return seen.Length >= MaxInspectedBytes ? SideVerdict.Bad : SideVerdict.Unknown;
        return FtpVerbs.IsKnown(token) ? SideVerdict.Ok : SideVerdict.Bad;
    }

    private static SideVerdict JudgeServer(ReadOnlySpan<byte> seen, bool requireGreeting)
    {
        // Rule out early on the prefix: three digits, then space, dash, CR or LF.
        for (int i = 0; i < Math.Min(3, seen.Length); i++)
        {
            if (!char.IsAsciiDigit((char)seen[i])) return SideVerdict.Bad;
        }
        if (seen.Length > 3 && seen[3] is not ((byte)' ' or (byte)'-' or (byte)'\r' or (byte)'\n')) return SideVerdict.Bad;

        int lf = seen.IndexOf((byte)'\n');
        if (lf < 0) return seen.Length >= MaxInspectedBytes ? SideVerdict.Bad : SideVerdict.Unknown;
        ReadOnlySpan<byte> line = seen[..lf];
        if (!line.IsEmpty && line[^1] == (byte)'\r') line = line[..^1];

        int code = FtpControlParser.ParseReplyStart(line, out _);
        if (code == 0) return SideVerdict.Bad;
        if (requireGreeting && code is not (220 or 120 or 421)) return SideVerdict.Bad;
        if (ContainsIgnoreCase(line, "SMTP"u8) && !ContainsIgnoreCase(line, "FTP"u8)) return SideVerdict.Bad;
        return SideVerdict.Ok;
    }

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> upperWord)
    {
        for (int i = 0; i + upperWord.Length <= text.Length; i++)
        {
            int j = 0;
            while (j < upperWord.Length && (text[i + j] & 0xDF) == upperWord[j]) j++;
            if (j == upperWord.Length) return true;
        }
        return false;
    }
}
