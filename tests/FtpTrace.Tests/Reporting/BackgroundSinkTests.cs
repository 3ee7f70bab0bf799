using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Protocol;
using FtpTrace.Reporting;
using FtpTrace.Sessions;

namespace FtpTrace.Tests.Reporting;

public sealed class BackgroundSinkTests
{
    private static FtpSession NewSession(long id) =>
        new("x.pcap", id, new Endpoint(IpAddress.FromV4(0x0A000001), 40000), new Endpoint(IpAddress.FromV4(0x0A000002), 21), 1);

    /// <summary>Writes down every event it gets, with the thread it got it on.</summary>
    private sealed class Recorder : IFtpSessionSink, IAnomalySink
    {
        public List<string> Events { get; } = [];
        public HashSet<int> Threads { get; } = [];
        public Func<string, bool>? FailOn { get; init; }

        private void Note(string e)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            if (FailOn?.Invoke(e) == true) throw new IOException("disk full at " + e);
            Events.Add(e);
        }

        public void OnSessionStarted(FtpSession session) => Note($"start {session.Id}");
        public void OnReply(ReplyRecord reply) => Note($"reply {reply.Reply.Code} frame {reply.Reply.Frame}");
        public void OnCommandCompleted(CommandRecord command) => Note($"command {command.Command.Verb} frame {command.Command.Frame}");
        public void OnTransfer(TransferRecord transfer) => Note($"transfer {transfer.Path}");
        public void OnSessionEnded(FtpSession session) => Note($"end {session.Id} commands {session.Commands} user {session.User}");
        public void Report(in Anomaly anomaly) => Note($"anomaly {anomaly.Kind} frame {anomaly.Frame}");
    }

    /// <summary>Sends a mix of events (more than a batch's worth) to <paramref name="sink"/> and returns what they should read as.</summary>
    private static List<string> Feed(IFtpSessionSink sink, IAnomalySink anomalies, int sessions)
    {
        var expected = new List<string>();
        for (int i = 1; i <= sessions; i++)
        {
            var session = NewSession(i);
            sink.OnSessionStarted(session);
            expected.Add($"start {i}");
            var command = new FtpCommand("USER", "u" + i, i * 10, i);
            var reply = new FtpReply(331, "ok", 1, i * 10 + 1, i, i * 10 + 1, i);
            sink.OnReply(new ReplyRecord(session, reply, ReplyRole.Final, command, 1, FtpTrace.Annotation.ReplyCodeCatalog.Lookup(331), false));
            expected.Add($"reply 331 frame {i * 10 + 1}");
            sink.OnCommandCompleted(new CommandRecord(session, command, reply, 0, 1));
            expected.Add($"command USER frame {i * 10}");
            if (i % 7 == 0)
            {
                anomalies.Report(new Anomaly(AnomalyKind.StreamGap, i * 10 + 2, i, i, "gap"));
                expected.Add($"anomaly StreamGap frame {i * 10 + 2}");
                sink.OnTransfer(new TransferRecord(session, command, "/f" + i, TransferDirection.Download, 5, 1, 2, reply, true,
                    null, null, "PASV", 0, null, false, "I"));
                expected.Add($"transfer /f{i}");
            }
            session.Commands = 1;
            session.User = "u" + i;
            sink.OnSessionEnded(session);
            expected.Add($"end {i} commands 1 user u{i}");
            // The analysis goes on changing the session after it ended: the report keeps what it was then.
            session.Commands = 99;
            session.User = "changed";
        }
        return expected;
    }

    [Fact]
    public void Events_arrive_in_order_on_another_thread()
    {
        var recorder = new Recorder();
        using var sink = new BackgroundSink(recorder, recorder);
        var expected = Feed(sink, sink, sessions: 2_000);
        sink.Complete();

        Assert.Equal(expected, recorder.Events);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, recorder.Threads);
    }

    [Fact]
    public void A_failure_of_the_inner_sink_is_rethrown_by_Complete_and_the_analysis_does_not_block()
    {
        var recorder = new Recorder { FailOn = e => e == "reply 331 frame 101" };
        using var sink = new BackgroundSink(recorder, recorder);
        Feed(sink, sink, sessions: 5_000); // far more than the queue holds: it must not block after the failure
        var error = Assert.Throws<IOException>(sink.Complete);
        Assert.Equal("disk full at reply 331 frame 101", error.Message);
        Assert.Equal(["start 1", "reply 331 frame 11", "command USER frame 10", "end 1 commands 1 user u1"], recorder.Events.Take(4));
        Assert.DoesNotContain(recorder.Events, e => e.Contains("frame 101", StringComparison.Ordinal) || e == "end 10 commands 1 user u10");
    }

    [Fact]
    public void Nothing_is_accepted_after_Complete()
    {
        var recorder = new Recorder();
        using var sink = new BackgroundSink(recorder, recorder);
        sink.OnSessionStarted(NewSession(1));
        sink.Complete();
        sink.Complete(); // twice is fine
        Assert.Equal(["start 1"], recorder.Events);
        Assert.Throws<ObjectDisposedException>(() => sink.OnSessionStarted(NewSession(2)));
    }
}
