using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using FtpTrace.Diagnostics;
using FtpTrace.Sessions;

namespace FtpTrace.Reporting;

/// <summary>
/// Hands session events and anomalies to another sink on a thread of its own, in the order they
/// came, so that writing a report (formatting and encoding rows, file writes) runs on the second
/// core while the analysis goes on. Events travel in batches through a bounded queue: the analysis
/// waits when the writer falls behind by more than <see cref="MaxBatchesInFlight"/> batches, so
/// memory stays bounded whatever the writer's speed.
/// </summary>
/// <remarks>
/// The records are immutable once emitted, except <see cref="FtpSession"/>: rows written while a
/// session is open read only what never changes (its id and endpoints), and the session row gets a
/// copy taken when the session ended. <see cref="Complete"/> waits for every event to be written and
/// rethrows what the inner sink threw (the first failure; the events after it are dropped).
/// </remarks>
public sealed class BackgroundSink : IFtpSessionSink, IAnomalySink, IDisposable
{
    private const int BatchSize = 512;
    private const int MaxBatchesInFlight = 8;

    private readonly IFtpSessionSink _sessions;
    private readonly IAnomalySink _anomalies;
    private readonly BlockingCollection<Event[]> _full = new(MaxBatchesInFlight);
    private readonly ConcurrentBag<Event[]> _free = [];
    private readonly Thread _thread;
    private Event[] _batch;
    private int _count;
    private ExceptionDispatchInfo? _failure;
    private bool _completed;

    private enum Kind : byte { None, SessionStarted, Reply, Command, Transfer, SessionEnded, Anomaly }

    private readonly struct Event(Kind kind, object? item, Anomaly anomaly)
    {
        public Kind Kind { get; } = kind;
        public object? Item { get; } = item;
        public Anomaly Anomaly { get; } = anomaly;
    }

    /// <param name="sessions">Receives the session events, on the background thread.</param>
    /// <param name="anomalies">Receives the anomalies, on the same thread, in order with the session events.</param>
    /// <param name="name">The thread's name (for debuggers).</param>
    public BackgroundSink(IFtpSessionSink sessions, IAnomalySink anomalies, string name = "ftptrace report writer")
    {
        _sessions = sessions;
        _anomalies = anomalies;
        _batch = new Event[BatchSize];
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void OnSessionStarted(FtpSession session) => Add(new Event(Kind.SessionStarted, session, default));
    public void OnReply(ReplyRecord reply) => Add(new Event(Kind.Reply, reply, default));
    public void OnCommandCompleted(CommandRecord command) => Add(new Event(Kind.Command, command, default));
    public void OnTransfer(TransferRecord transfer) => Add(new Event(Kind.Transfer, transfer, default));

    public void OnSessionEnded(FtpSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Add(new Event(Kind.SessionEnded, session.Snapshot(), default));
    }

    public void Report(in Anomaly anomaly) => Add(new Event(Kind.Anomaly, null, anomaly));

    /// <summary>Waits until every event has been handed on; rethrows the inner sink's failure, if any.</summary>
    public void Complete()
    {
        if (!_completed)
        {
            _completed = true;
            if (_count > 0) Hand();
            _full.CompleteAdding();
            _thread.Join();
        }
        _failure?.Throw();
    }

    /// <summary>Stops the thread (waiting for what was queued) without reporting a failure.</summary>
    public void Dispose()
    {
        if (!_completed)
        {
            _completed = true;
            _full.CompleteAdding();
            _thread.Join();
        }
        _full.Dispose();
    }

    private void Add(Event e)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _batch[_count++] = e;
        if (_count == BatchSize) Hand();
    }

    private void Hand()
    {
        var full = _batch;
        int count = _count;
        if (count < full.Length) full[count] = default; // marks the end of a short (last) batch
        _full.Add(full);
        _batch = _free.TryTake(out var recycled) ? recycled : new Event[BatchSize];
        _count = 0;
    }

    private void Run()
    {
        foreach (var batch in _full.GetConsumingEnumerable())
        {
            if (_failure is null)
            {
                try
                {
                    Deliver(batch);
                }
#pragma warning disable CA1031 // Any failure of the inner sink is rethrown on the analysis thread by Complete.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                }
            }
            Array.Clear(batch);
            _free.Add(batch);
        }
    }

    private void Deliver(Event[] batch)
    {
        foreach (var e in batch)
        {
            switch (e.Kind)
            {
                case Kind.SessionStarted: _sessions.OnSessionStarted((FtpSession)e.Item!); break;
                case Kind.Reply: _sessions.OnReply((ReplyRecord)e.Item!); break;
                case Kind.Command: _sessions.OnCommandCompleted((CommandRecord)e.Item!); break;
                case Kind.Transfer: _sessions.OnTransfer((TransferRecord)e.Item!); break;
                case Kind.SessionEnded: _sessions.OnSessionEnded((FtpSession)e.Item!); break;
                case Kind.Anomaly: _anomalies.Report(e.Anomaly); break;
                default: return; // Kind.None: the end of a short (last) batch
            }
        }
    }
}
