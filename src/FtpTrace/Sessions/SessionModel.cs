using FtpTrace.Annotation;
using FtpTrace.Decoding;
using FtpTrace.Protocol;

namespace FtpTrace.Sessions;

public enum LoginOutcome
{
    /// <summary>No USER seen.</summary>
    None,
    /// <summary>USER/PASS sent, no final answer yet (or the capture ended first).</summary>
    Pending,
    Succeeded,
    Failed,
}

/// <summary>How a reply relates to the commands around it.</summary>
public enum ReplyRole
{
    /// <summary>The server's first reply on the connection (220, 120 or 421).</summary>
    Greeting,
    /// <summary>A 1xx reply to a pending command; a final reply follows.</summary>
    Preliminary,
    /// <summary>The final (2xx-5xx) reply to a pending command.</summary>
    Final,
    /// <summary>A reply no pending command can own (e.g. 421 on idle timeout).</summary>
    Unsolicited,
    /// <summary>
    /// A reply to a command that was given up at the pending-command limit
    /// (<see cref="FtpTrace.Diagnostics.AnomalyKind.PendingCommandLimit"/>). Replies come in command
    /// order, so it answers the oldest given-up command still owed one; which command that was is not
    /// kept (the limit bounds memory), so the record has no command.
    /// </summary>
    Orphaned,
}

/// <summary>
/// One FTP control connection (or one session rebuilt from a server log) and what is known of it.
/// Mutated only by the session tracker; sinks read it.
/// </summary>
public sealed class FtpSession
{
    public FtpSession(string source, long id, Endpoint client, Endpoint server, long startNs)
    {
        Source = source;
        Id = id;
        Client = client;
        Server = server;
        StartNs = startNs;
        EndNs = startNs;
    }

    /// <summary>The input file the session came from.</summary>
    public string Source { get; }

    /// <summary>Identifies the session within its file: the TCP connection number for captures.</summary>
    public long Id { get; }

    public Endpoint Client
    {
        get => _client;
        internal set { _client = value; _clientText = null; }
    }

    public Endpoint Server
    {
        get => _server;
        internal set { _server = value; _serverText = null; }
    }

    /// <summary><see cref="Id"/> as report text, made once.</summary>
    public string IdText => _idText ??= Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private string? _idText;

    /// <summary><see cref="Client"/> as report text (<c>ip:port</c>, <c>[v6]:port</c>), made once.</summary>
    public string ClientText => _clientText ??= _client.ToString();

    /// <summary><see cref="Server"/> as report text, made once.</summary>
    public string ServerText => _serverText ??= _server.ToString();

    private Endpoint _client;
    private Endpoint _server;
    private string? _clientText;
    private string? _serverText;
    public long StartNs { get; internal set; }
    public long EndNs { get; internal set; }

    /// <summary>The last user name sent with USER, as sent.</summary>
    public string? User { get; internal set; }
    public LoginOutcome Login { get; internal set; }
    /// <summary>Logged in (or trying) as anonymous/ftp.</summary>
    public bool Anonymous { get; internal set; }
    /// <summary>Logins that succeeded / failed on this connection (a client may retry).</summary>
    public int LoginsSucceeded { get; internal set; }
    public int LoginsFailed { get; internal set; }

    /// <summary>The working directory as far as the replies tell (257 to PWD, CWD + 250); null when unknown.</summary>
    public string? WorkingDirectory { get; internal set; }

    /// <summary>Frame from which the control connection is encrypted (AUTH TLS/SSL accepted with 234); null when clear.</summary>
    public long? EncryptedFromFrame { get; internal set; }
    /// <summary>Bytes seen after encryption started (not parsed).</summary>
    public long EncryptedBytes { get; internal set; }

    public long Commands { get; internal set; }
    public long Replies { get; internal set; }
    /// <summary>Replies of class 4 or 5.</summary>
    public long Errors { get; internal set; }
    public long Anomalies { get; internal set; }

    public bool Ended { get; internal set; }

    /// <summary>A copy of the session as it is now, for a report written later on another thread.</summary>
    public FtpSession Snapshot() => (FtpSession)MemberwiseClone();
}

/// <summary>A reply with its context: the command it answers, how long that took, what the code means.</summary>
public sealed record ReplyRecord(
    FtpSession Session,
    FtpReply Reply,
    ReplyRole Role,
    FtpCommand? Command,
    long? LatencyNs,
    ReplyCodeInfo Meaning,
    bool UnexpectedForCommand);

/// <summary>A command with the replies it got, emitted when its final reply arrives or the session ends without one.</summary>
public sealed record CommandRecord(
    FtpSession Session,
    FtpCommand Command,
    FtpReply? FinalReply,
    int PreliminaryReplies,
    long? LatencyNs);

/// <summary>Which way a transfer moved data, seen from the FTP client.</summary>
public enum TransferDirection
{
    /// <summary>Server to client: RETR.</summary>
    Download,
    /// <summary>Client to server: STOR, STOU, APPE.</summary>
    Upload,
    /// <summary>A directory listing sent by the server: LIST, NLST, MLSD.</summary>
    Listing,
}

/// <summary>
/// One transfer command (RETR, STOR, STOU, APPE, LIST, NLST, MLSD) and what became of it, whether or
/// not a data connection ever appeared. Emitted once the command is complete (final reply, or the
/// session ended) and its data connection, if any, has closed or the capture ended.
/// </summary>
/// <param name="Session">The control session.</param>
/// <param name="Command">The transfer command as sent.</param>
/// <param name="Path">The full path of the file or directory (working directory joined with the argument) when known, else the argument as sent.</param>
/// <param name="Direction">Download, upload or listing.</param>
/// <param name="Bytes">TCP payload bytes that crossed the data connection, both directions, counted from sequence numbers (retransmissions once); 0 without a data connection.</param>
/// <param name="StartNs">First packet of the data connection (or the command's time when there was none).</param>
/// <param name="EndNs">Last packet of the data connection (or the final reply's time when there was none).</param>
/// <param name="FinalReply">The final reply to the transfer command; null when none came.</param>
/// <param name="Complete">True when the final reply and the byte count agree with a finished transfer (and with an announced size, where one was announced).</param>
/// <param name="DataClient">The FTP client's end of the data connection; null when none appeared.</param>
/// <param name="DataServer">The FTP server's end of the data connection (its port-20 side in active mode); null when none appeared.</param>
/// <param name="Mode">How the data connection was announced: PASV, EPSV, PORT, EPRT, LPSV, LPRT, or empty.</param>
/// <param name="RestartOffset">The REST offset in force for this transfer, or 0.</param>
/// <param name="AnnouncedSize">The size announced by SIZE/213 or the 150 text, or null.</param>
/// <param name="Encrypted">The data connection was protected (PROT P) or looked like TLS.</param>
/// <param name="TransferType">The TYPE in force (A, I, ...), or empty.</param>
public sealed record TransferRecord(
    FtpSession Session,
    FtpCommand Command,
    string Path,
    TransferDirection Direction,
    long Bytes,
    long StartNs,
    long EndNs,
    FtpReply? FinalReply,
    bool Complete,
    Endpoint? DataClient,
    Endpoint? DataServer,
    string Mode,
    long RestartOffset,
    long? AnnouncedSize,
    bool Encrypted,
    string TransferType)
{
    /// <summary>The TCP connection number of the data connection (as <see cref="FtpSession.Id"/> numbers connections); null when none appeared or not known (server logs).</summary>
    public long? DataConnection { get; init; }

    /// <summary>Bytes of <see cref="Bytes"/> that crossed the data connection but were not captured (gaps).</summary>
    public long MissingBytes { get; init; }

    /// <summary>ABOR was sent while the transfer ran, or it ended with 426.</summary>
    public bool Aborted { get; init; }

    /// <summary>The data connection matched no announcement (see <see cref="FtpTrace.Diagnostics.AnomalyKind.UnannouncedDataConnection"/>).</summary>
    public bool Unannounced { get; init; }
}

/// <summary>Receives everything the session layer produces. Implemented by reports.</summary>
public interface IFtpSessionSink
{
    void OnSessionStarted(FtpSession session);
    void OnReply(ReplyRecord reply);
    void OnCommandCompleted(CommandRecord command);

    /// <summary>A transfer command and its data connection (captures) or a transfer a server log recorded.</summary>
    void OnTransfer(TransferRecord transfer) { }

    void OnSessionEnded(FtpSession session);
}
