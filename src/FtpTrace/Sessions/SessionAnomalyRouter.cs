using FtpTrace.Diagnostics;

namespace FtpTrace.Sessions;

/// <summary>
/// Attributes anomalies to the FTP session of the connection they were found on, whichever stage
/// reported them (reassembly gaps, line framing, pairing), so <see cref="FtpSession.Anomalies"/>
/// counts them all. Sits in front of the anomaly sinks of one input and hears that input's
/// session events; keeps only the sessions that are open.
/// </summary>
public sealed class SessionAnomalyRouter : IFtpSessionSink, IAnomalySink
{
    private readonly IAnomalySink _next;
    private readonly Dictionary<long, FtpSession> _open = [];

    public SessionAnomalyRouter(IAnomalySink next) => _next = next;

    public void Report(in Anomaly anomaly)
    {
        if (anomaly.ConnectionId != 0 && _open.TryGetValue(anomaly.ConnectionId, out var session)) session.Anomalies++;
        _next.Report(anomaly);
    }

    public void OnSessionStarted(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _open[session.Id] = session;
    }

    public void OnSessionEnded(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _open.Remove(session.Id);
    }

    public void OnReply(ReplyRecord reply) { }
    public void OnCommandCompleted(CommandRecord command) { }
}
