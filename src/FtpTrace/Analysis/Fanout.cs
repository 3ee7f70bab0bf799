using FtpTrace.Diagnostics;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>Hands every session event to several sinks, in order.</summary>
public sealed class SessionSinkFanout(IReadOnlyList<IFtpSessionSink> sinks) : IFtpSessionSink
{
    // An array, not the list given: this runs for every message, and enumerating an
    // IReadOnlyList allocates an enumerator per call.
    private readonly IFtpSessionSink[] _sinks = [.. sinks];

    public void OnSessionStarted(FtpSession session) { foreach (var s in _sinks) s.OnSessionStarted(session); }
    public void OnReply(ReplyRecord reply) { foreach (var s in _sinks) s.OnReply(reply); }
    public void OnCommandCompleted(CommandRecord command) { foreach (var s in _sinks) s.OnCommandCompleted(command); }
    public void OnTransfer(TransferRecord transfer) { foreach (var s in _sinks) s.OnTransfer(transfer); }
    public void OnSessionEnded(FtpSession session) { foreach (var s in _sinks) s.OnSessionEnded(session); }
}

/// <summary>Hands every anomaly to several sinks, in order.</summary>
public sealed class AnomalySinkFanout(IReadOnlyList<IAnomalySink> sinks) : IAnomalySink
{
    private readonly IAnomalySink[] _sinks = [.. sinks];

    public void Report(in Anomaly anomaly) { foreach (var s in _sinks) s.Report(anomaly); }
}
