namespace FtpTrace.Flows;

/// <summary>Which way bytes travel on a connection.</summary>
public enum FlowDirection
{
    ClientToServer = 0,
    ServerToClient = 1,
}

/// <summary>How a connection's client and server sides were decided.</summary>
public enum RoleEvidence
{
    /// <summary>From the handshake: the SYN sender is the client.</summary>
    Handshake,
    /// <summary>No handshake seen: the side on a well-known (or configured) port is the server.</summary>
    WellKnownPort,
    /// <summary>Neither: the side that sent the first packet seen is taken as the client.</summary>
    FirstSpeaker,
    /// <summary>A later stage recognised the roles from the content (e.g. FTP replies come from the server).</summary>
    Content,
}

/// <summary>Why a connection's streams ended.</summary>
public enum CloseReason
{
    /// <summary>FIN seen in both directions.</summary>
    Fin,
    Reset,
    /// <summary>Released after the idle timeout.</summary>
    IdleTimeout,
    /// <summary>Evicted because the connection table was full.</summary>
    Evicted,
    /// <summary>The capture ended with the connection still open.</summary>
    EndOfCapture,
    /// <summary>A new SYN reused the 4-tuple of a finished connection.</summary>
    Replaced,
}
