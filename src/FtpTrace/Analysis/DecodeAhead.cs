using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;

namespace FtpTrace.Analysis;

/// <summary>
/// Reads and decodes a capture on a thread of its own, ahead of the analysis thread, which then
/// only runs the flow table and what follows it: parsing pcap records, decoding the headers and
/// hashing the 4-tuple depend on nothing downstream, so they can move to the second core without
/// changing any result. Decoded TCP segments travel in batches through a bounded queue, each batch
/// with a copy of its segments' payload (the reader's buffer and the fragment table's datagrams
/// are reused as soon as the next frame is read). Anomalies that the reader and the decoder find
/// travel with the batches, each placed before the segment that followed it, and the analysis
/// thread reports them in that place: anomalies.csv lists them in the same order as when
/// everything runs on one thread. (The reader turns I/O and decompression errors into anomalies
/// itself.) Any exception on the decoding thread reaches the analysis thread after the segments
/// decoded before it, as it would have in line.
/// </summary>
internal sealed class DecodeAhead : IDisposable
{
    /// <summary>Segments per batch (a batch also closes when its payload space is full).</summary>
    private const int BatchSegments = 1024;

    /// <summary>Payload space of a batch; a larger single payload (a reassembled datagram) gets a batch of its own size.</summary>
    private const int BatchPayloadBytes = 256 << 10;

    /// <summary>
    /// Batches decoded and not yet analysed; the decoding thread waits when that many are waiting.
    /// Enough for the analysis to go on while the woken decoding thread waits for its turn on a core
    /// that the report thread holds (with 3 the analysis waited 0.17 s per GiB, with 8 0.05 s); about
    /// 350 KB each.
    /// </summary>
    private const int BatchesAhead = 8;

    private readonly ICaptureReader _reader;
    private readonly PacketDecoder _decoder;
    private readonly Action<IAnomalySink> _redirectReader;
    private readonly IAnomalySink _readerAnomalies;
    private readonly IAnomalySink _decoderAnomalies;
    private readonly BlockingCollection<Batch> _full = new(BatchesAhead);
    private readonly ConcurrentQueue<Batch> _free = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private ExceptionDispatchInfo? _failure;
    // The batch being filled, where anomalies found on the decoding thread are placed (decoding thread only).
    private Batch? _current;
    private bool _disposed;

    private DecodeAhead(ICaptureReader reader, PacketDecoder decoder, IAnomalySink readerAnomalies, Action<IAnomalySink> redirectReader)
    {
        _reader = reader;
        _decoder = decoder;
        _readerAnomalies = readerAnomalies;
        _redirectReader = redirectReader;
        _decoderAnomalies = decoder.Anomalies;
        _thread = new Thread(Produce) { IsBackground = true, Name = "ftptrace decode" };
    }

    /// <summary>
    /// Decoding ahead pays for a capture of some size (over <see cref="ReadAhead.MinimumFileLength"/>,
    /// as the managed reader reads ahead); a small file, or standard input (no length), is decoded
    /// in line. Null when it does not apply.
    /// </summary>
    public static DecodeAhead? For(ICaptureReader reader, PacketDecoder decoder) => reader switch
    {
        ManagedCaptureReader { Length: > ReadAhead.MinimumFileLength } managed => new DecodeAhead(managed, decoder, managed.Anomalies, sink => managed.Anomalies = sink),
        SharpPcapCaptureReader { Length: > ReadAhead.MinimumFileLength } pcap => new DecodeAhead(pcap, decoder, pcap.Anomalies, sink => pcap.Anomalies = sink),
        _ => null,
    };

    /// <summary>The latest frame time seen (the time the capture ends at); valid once every batch was taken.</summary>
    public long LastTimeNs { get; private set; }

    /// <summary>Starts decoding. Until <see cref="Dispose"/>, the reader and the decoder belong to the decoding thread.</summary>
    public void Start()
    {
        _redirectReader(new Collector(this, _readerAnomalies));
        _decoder.Anomalies = new Collector(this, _decoderAnomalies);
        _thread.Start();
    }

    /// <summary>
    /// Every decoded segment, in capture order, into <paramref name="flows"/>, each after the
    /// anomalies found before it (reported to the sinks the reader and the decoder were given), then
    /// the capture's last anomalies (fragments that never completed); <paramref name="progress"/>
    /// after each batch. Rethrows an exception of the decoding thread once the segments decoded
    /// before it are processed.
    /// </summary>
    public void Drain(FlowTable flows, Action<long>? progress)
    {
        // The connection each coming segment is expected on, found by its prefetch stages (a hint).
        var guesses = new TcpConnection?[BatchSegments];
        foreach (var batch in _full.GetConsumingEnumerable())
        {
            int next = 0;
            var found = batch.Anomalies;
            var segments = batch.Segments;
            for (int i = 0; i < batch.Count; i++)
            {
                while (next < found.Count && found[next].Before <= i) Deliver(found[next++]);
                // Prefetch the connections of the coming segments in stages (see FlowTable.Prefetch).
                for (int ahead = FlowTable.PrefetchDistance; ahead >= 1; ahead--)
                {
                    if (i + ahead < batch.Count) flows.Prefetch(segments[i + ahead].Hash, ahead, ref guesses[i + ahead]);
                }
                ref readonly var s = ref segments[i];
                var segment = new TcpSegment
                {
                    Frame = s.Frame,
                    TimestampNs = s.TimestampNs,
                    Source = s.Source,
                    Destination = s.Destination,
                    Sequence = s.Sequence,
                    Acknowledgment = s.Acknowledgment,
                    Flags = s.Flags,
                    Window = s.Window,
                    Payload = batch.Payload.AsSpan(s.PayloadStart, s.PayloadCaptured),
                    PayloadLength = s.PayloadLength,
                };
                flows.Process(ref segment);
            }
            while (next < found.Count) Deliver(found[next++]);
            Array.Clear(guesses, 0, batch.Count);
            progress?.Invoke(batch.Position);
            batch.Clear();
            _free.Enqueue(batch);
        }
        _thread.Join();
        _failure?.Throw();

        void Deliver(in (int Before, Anomaly Anomaly, IAnomalySink Sink) found) => found.Sink.Report(found.Anomaly);
    }

    private void Produce()
    {
        Batch? filling = null;
        try
        {
            filling = Take(0);
            long lastTime = 0;
            while (!_stop.IsCancellationRequested && _reader.TryReadNext(out var frame))
            {
                if (frame.TimestampNs > lastTime) lastTime = frame.TimestampNs;
                if (_decoder.Decode(frame, out var segment) != DecodeResult.Tcp) continue;
                int captured = segment.Payload.Length;
                if (filling.Count == BatchSegments || filling.PayloadUsed + captured > filling.Payload.Length)
                {
                    var full = filling;
                    filling = null;
                    Publish(full);
                    filling = Take(captured);
                }
                segment.Payload.CopyTo(filling.Payload.AsSpan(filling.PayloadUsed));
                filling.Segments[filling.Count++] = new DecodedSegment(segment, filling.PayloadUsed, FlowIndex.Hash(segment.Source, segment.Destination));
                filling.PayloadUsed += captured;
            }
            // Datagrams still waiting for fragments will never complete: reported before the streams close.
            _decoder.Flush(lastTime);
            LastTimeNs = lastTime;
        }
        catch (OperationCanceledException)
        {
            // The analysis stopped first (Dispose): nothing more is wanted.
        }
        catch (Exception e)
        {
            // Reaches the analysis thread after the batches read before it, as it would have in line.
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            try
            {
                if (filling is not null && !_stop.IsCancellationRequested) Publish(filling);
            }
            catch (OperationCanceledException)
            {
                // The analysis stopped first: nobody takes batches any more.
            }
            _full.CompleteAdding();
        }
    }

    private void Publish(Batch batch)
    {
        batch.Position = _reader.Position;
        _full.Add(batch, _stop.Token);
        _current = null;
    }

    private Batch Take(int payload)
    {
        if (!_free.TryDequeue(out var batch)) batch = new Batch();
        if (batch.Payload.Length < payload) batch.Payload = new byte[payload];
        _current = batch;
        return batch;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        if (_thread.IsAlive)
        {
            // Unblock a decoding thread waiting for room, then wait for it to stop.
            while (_full.TryTake(out _)) { }
            _thread.Join();
        }
        _redirectReader(_readerAnomalies);
        _decoder.Anomalies = _decoderAnomalies;
        _full.Dispose();
        _stop.Dispose();
    }

    /// <summary>Keeps anomalies found on the decoding thread in the batch being filled, at the place they were found.</summary>
    private sealed class Collector(DecodeAhead owner, IAnomalySink target) : IAnomalySink
    {
        public void Report(in Anomaly anomaly)
        {
            if (Thread.CurrentThread != owner._thread)
            {
                target.Report(anomaly);
                return;
            }
            // On the decoding thread there is always a batch being filled (Produce takes the next
            // one right after handing one over); never report from here to the analysis' sinks.
            var batch = owner._current ?? throw new InvalidOperationException("an anomaly between two batches");
            batch.Anomalies.Add((batch.Count, anomaly, target));
        }
    }

    private sealed class Batch
    {
        public readonly DecodedSegment[] Segments = new DecodedSegment[BatchSegments];
        public byte[] Payload = new byte[BatchPayloadBytes];
        public readonly List<(int Before, Anomaly Anomaly, IAnomalySink Sink)> Anomalies = [];
        public int Count;
        public int PayloadUsed;
        public long Position;

        public void Clear()
        {
            Count = 0;
            PayloadUsed = 0;
            Anomalies.Clear();
        }
    }

    /// <summary>A <see cref="TcpSegment"/> with its payload as a place in its batch, and its flow hash.</summary>
    private readonly struct DecodedSegment(in TcpSegment segment, int payloadStart, uint hash)
    {
        public readonly long Frame = segment.Frame;
        public readonly long TimestampNs = segment.TimestampNs;
        public readonly Endpoint Source = segment.Source;
        public readonly Endpoint Destination = segment.Destination;
        public readonly uint Sequence = segment.Sequence;
        public readonly uint Acknowledgment = segment.Acknowledgment;
        public readonly int PayloadStart = payloadStart;
        public readonly int PayloadCaptured = segment.Payload.Length;
        public readonly int PayloadLength = segment.PayloadLength;
        public readonly uint Hash = hash;
        public readonly ushort Window = segment.Window;
        public readonly TcpFlags Flags = segment.Flags;
    }
}
