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

    public Endpoint Client { get; internal set; }
    public Endpoint Server { get; internal set; }
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

/// <summary>Receives everything the session layer produces. Implemented by reports.</summary>
public interface IFtpSessionSink
{
    void OnSessionStarted(FtpSession session);
    void OnReply(ReplyRecord reply);
    void OnCommandCompleted(CommandRecord command);
    void OnSessionEnded(FtpSession session);
}
