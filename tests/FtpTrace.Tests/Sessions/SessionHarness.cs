using System.Globalization;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Protocol;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.Sessions;

/// <summary>Records what the session layer emits, in order.</summary>
internal sealed class RecordingSessionSink : IFtpSessionSink
{
    public List<string> Events { get; } = [];
    public List<ReplyRecord> Replies { get; } = [];
    public List<CommandRecord> Commands { get; } = [];
    public int Started { get; private set; }
    public int Ended { get; private set; }

    public void OnSessionStarted(FtpSession session)
    {
        Started++;
        Events.Add("started");
    }

    public void OnReply(ReplyRecord reply)
    {
        Replies.Add(reply);
        Events.Add("reply " + SessionHarness.Describe(reply));
    }

    public void OnCommandCompleted(CommandRecord command)
    {
        Commands.Add(command);
        Events.Add("command " + SessionHarness.Describe(command));
    }

    public void OnSessionEnded(FtpSession session)
    {
        Ended++;
        Events.Add("ended");
    }
}

/// <summary>
/// Drives an <see cref="FtpSessionTracker"/> with a scripted conversation. Frames count up from 1
/// with each message; times are given in milliseconds (stored as ns).
/// </summary>
internal sealed class SessionHarness
{
    private long _frame;

    public SessionHarness(FtpTraceLimits? limits = null)
    {
        Session = new FtpSession("test.pcap", 7,
            new Endpoint(IpAddress.FromV4(0x0A000001), 40000), new Endpoint(IpAddress.FromV4(0x0A000002), 21), 0);
        // As in the analyzer: the router hears session events first and counts anomalies on the session.
        var router = new SessionAnomalyRouter(Anomalies);
        Tracker = new FtpSessionTracker(Session, limits ?? FtpTraceLimits.Default, new RouterThenRecorder(router, Sink), router);
    }

    private sealed class RouterThenRecorder(SessionAnomalyRouter router, IFtpSessionSink recorder) : IFtpSessionSink
    {
        public void OnSessionStarted(FtpSession session) { router.OnSessionStarted(session); recorder.OnSessionStarted(session); }
        public void OnReply(ReplyRecord reply) => recorder.OnReply(reply);
        public void OnCommandCompleted(CommandRecord command) => recorder.OnCommandCompleted(command);
        public void OnSessionEnded(FtpSession session) { recorder.OnSessionEnded(session); router.OnSessionEnded(session); }
    }

    public FtpSession Session { get; }
    public RecordingSessionSink Sink { get; } = new();
    public AnomalyCollector Anomalies { get; } = new();
    public FtpSessionTracker Tracker { get; }

    public static long Ms(long ms) => ms * 1_000_000;

    public long LastFrame => _frame;

    public SessionHarness Cmd(long ms, string verb, string argument = "")
    {
        Tracker.OnCommand(new FtpCommand(verb, argument, ++_frame, Ms(ms)));
        return this;
    }

    public SessionHarness Reply(long ms, int code, string text = "ok")
    {
        _frame++;
        Tracker.OnReply(new FtpReply(code, text, text.Split('\n').Length, _frame, Ms(ms), _frame, Ms(ms)));
        return this;
    }

    public SessionHarness Gap(long ms, FlowDirection direction)
    {
        Tracker.OnGap(direction, ++_frame, Ms(ms));
        return this;
    }

    public SessionHarness End(long ms)
    {
        Tracker.End(++_frame, Ms(ms));
        return this;
    }

    /// <summary>A standard greeting and login (frames 1-5, times 0-40 ms).</summary>
    public SessionHarness LoggedIn(string user = "alice")
    {
        Reply(0, 220, "FTP ready").Cmd(10, "USER", user).Reply(20, 331).Cmd(30, "PASS", "secret").Reply(40, 230);
        return this;
    }

    /// <summary>Replies as "code role command latency_ms [unexpected]".</summary>
    public List<string> ReplyLines() => Sink.Replies.Select(Describe).ToList();

    /// <summary>Completed commands as "command final_code prelims latency_ms".</summary>
    public List<string> CommandLines() => Sink.Commands.Select(Describe).ToList();

    public List<AnomalyKind> AnomalyKinds() => Anomalies.Items.Select(a => a.Kind).ToList();

    public static string Describe(ReplyRecord r)
    {
        string s = string.Create(CultureInfo.InvariantCulture,
            $"{r.Reply.Code} {r.Role} {r.Command?.Verb ?? "-"} {(r.LatencyNs is { } l ? (l / 1_000_000).ToString(CultureInfo.InvariantCulture) : "-")}");
        return r.UnexpectedForCommand ? s + " unexpected" : s;
    }

    public static string Describe(CommandRecord c) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{c.Command.Verb} {(c.FinalReply is { } f ? f.Code.ToString(CultureInfo.InvariantCulture) : "none")} {c.PreliminaryReplies} {(c.LatencyNs is { } l ? (l / 1_000_000).ToString(CultureInfo.InvariantCulture) : "-")}");
}
