namespace FtpTrace.Diagnostics;

/// <summary>
/// Every irregularity FtpTrace can meet in its input. Each is counted and reported with the frame
/// (or log line) it was found at; none stops processing. Written to reports in snake_case
/// (<see cref="AnomalyKinds.Name"/>), so the names are part of the output format: add, never rename.
/// </summary>
public enum AnomalyKind
{
    // --- Capture files -------------------------------------------------------------------
    /// <summary>The file ends in the middle of a record (header or data).</summary>
    TruncatedFile,
    /// <summary>A pcap/pcapng block or record header that cannot be right (bad length, bad magic in a later section).</summary>
    MalformedCaptureRecord,
    /// <summary>A pcapng packet refers to an interface that was never described.</summary>
    UnknownInterface,

    // --- Frame decoding ------------------------------------------------------------------
    /// <summary>A link-layer type FtpTrace does not decode; the frame is counted and skipped.</summary>
    UnknownLinkType,
    /// <summary>A header field that cannot be right (IP version, header length below minimum, TCP data offset...).</summary>
    MalformedHeader,
    /// <summary>A length field that disagrees with the bytes present (IP total length beyond the frame, ...).</summary>
    BadLength,
    /// <summary>The frame was cut before the end of a header (snapshot length or a damaged record).</summary>
    TruncatedFrame,
    /// <summary>The frame was cut by the snapshot length inside the TCP payload: the missing bytes become a gap.</summary>
    SnaplenCut,

    // --- IPv4 fragments ------------------------------------------------------------------
    /// <summary>An incomplete fragmented datagram was dropped after waiting too long.</summary>
    FragmentTimeout,
    /// <summary>Too many incomplete datagrams (or bytes) held; the oldest was dropped.</summary>
    FragmentLimit,
    /// <summary>Fragments that overlap with different bytes, or that are otherwise inconsistent.</summary>
    FragmentOverlap,

    // --- TCP connections and streams -----------------------------------------------------
    /// <summary>The connection table was full; the least recently active connection was evicted.</summary>
    ConnectionEvicted,
    /// <summary>A connection was released after being idle longer than the idle timeout, with data still pending.</summary>
    ConnectionTimeout,
    /// <summary>Stream bytes that were never captured; the detail gives the position and size.</summary>
    StreamGap,
    /// <summary>A retransmitted or overlapping segment carried different bytes for sequence numbers already seen.</summary>
    ConflictingOverlap,
    /// <summary>Out-of-order bytes reached the per-direction buffer limit; the hole was declared a gap.</summary>
    BufferLimit,
    /// <summary>The connection was joined after its start (no SYN seen).</summary>
    MidstreamJoin,

    // --- FTP control-connection framing -------------------------------------------------
    /// <summary>A line ended with LF alone.</summary>
    BareLineFeed,
    /// <summary>A line ended with CR alone.</summary>
    BareCarriageReturn,
    /// <summary>A line longer than the limit; it was truncated and the parser resynchronised.</summary>
    LineTooLong,
    /// <summary>A line that is not valid UTF-8; the invalid bytes are escaped in the reports.</summary>
    InvalidUtf8,
    /// <summary>A partial line was left when the stream closed or the capture ended.</summary>
    PartialLineAtClose,
    /// <summary>A Telnet sequence that is malformed or cut short.</summary>
    TelnetSequence,

    // --- FTP messages --------------------------------------------------------------------
    /// <summary>A server line that is not a reply (no code, code out of range, no separator).</summary>
    InvalidReply,
    /// <summary>A client line that is not a command (no verb).</summary>
    InvalidCommand,
    /// <summary>A multi-line reply closed by a line with a different code, or never closed.</summary>
    UnterminatedMultilineReply,
    /// <summary>A reply with no pending command that is not a greeting or 421.</summary>
    UnsolicitedReply,
    /// <summary>A reply code that RFC 959 section 5.4 does not list for the command it answers.</summary>
    UnexpectedReplyCode,
    /// <summary>More commands waiting for replies than the limit; the oldest was given up.</summary>
    PendingCommandLimit,
    /// <summary>A gap in the stream or the end of the capture left commands without replies.</summary>
    PairingBroken,
    /// <summary>A command that never got a final reply before the session ended.</summary>
    CommandWithoutReply,
    /// <summary>A reply with more lines or text bytes than the limits; the lines beyond were left out of its text.</summary>
    ReplyTooLong,
    /// <summary>A PASV/EPSV/LPSV reply or PORT/EPRT/LPRT argument whose data address does not parse (ProFTPD's three-number 227 on IPv6).</summary>
    MalformedDataAddress,
    /// <summary>A 227/228 reply announcing an address other than the control connection's server (NAT rewriting, misconfigured server).</summary>
    DataAddressMismatch,
    /// <summary>A PORT/EPRT/LPRT naming an address other than the control connection's client (FTP bounce).</summary>
    FtpBounce,
    /// <summary>A transfer command got a 1xx or 2xx reply but its announced data connection never appeared in the capture.</summary>
    DataConnectionMissing,
    /// <summary>A data connection that no PASV/EPSV/PORT/EPRT announced, between a session's hosts while a transfer command without announcement waited.</summary>
    UnannouncedDataConnection,
    /// <summary>A transfer aborted: ABOR sent while it ran, or a 426 reply.</summary>
    TransferAborted,

    // --- Server logs ---------------------------------------------------------------------
    /// <summary>A log line that does not parse in the detected format.</summary>
    UnparsedLogLine,
}
