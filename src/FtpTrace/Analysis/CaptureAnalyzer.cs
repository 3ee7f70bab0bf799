using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;

namespace FtpTrace.Analysis;

/// <summary>
/// Runs one capture through the pipeline: reader -> decoder -> flow table (with reassembly) ->
/// FTP handlers -> session sinks. The per-packet loop allocates nothing for packets that carry no
/// FTP line.
/// </summary>
public static class CaptureAnalyzer
{
    /// <summary>How often (in frames) progress is reported.</summary>
    private const int ProgressEvery = 1 << 14;

    /// <param name="reader">An open capture.</param>
    /// <param name="label">The name written in the reports' <c>file</c> column.</param>
    /// <param name="options">Analysis options.</param>
    /// <param name="sink">Receives the sessions, commands and replies.</param>
    /// <param name="anomalies">Receives every anomaly.</param>
    /// <param name="stats">Input figures to fill (frames, bytes, connections).</param>
    /// <param name="progress">Called now and then with the reader's position in bytes.</param>
    /// <param name="decodeAhead">
    /// Read and decode a large capture on a thread of its own (<see cref="DecodeAhead"/>): the second
    /// core's work when inputs are analysed one at a time. Off when several are analysed at once.
    /// </param>
    public static void Analyze(ICaptureReader reader, string label, AnalysisOptions options, IFtpSessionSink sink,
        IAnomalySink anomalies, InputStats stats, Action<long>? progress = null, bool decodeAhead = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stats);

        var observer = new FtpStreamObserver(label, options, sink, anomalies);
        using var decoder = new PacketDecoder(options.Limits, anomalies);
        // The FTP stage reads what it needs of a connection by its close, so the table may reuse the objects.
        var flows = new FlowTable(options.Limits, observer, anomalies, options.FtpPorts) { RecycleConnections = true };
        Pump(reader, decoder, flows, progress, decodeAhead);

        stats.Files++;
        stats.Frames += decoder.Frames;
        stats.Ipv4 += decoder.Ipv4;
        stats.Ipv6 += decoder.Ipv6;
        stats.TcpSegments += decoder.Tcp;
        stats.Udp += decoder.Udp;
        stats.OtherPackets += decoder.OtherProtocols;
        stats.TcpConnections += flows.ConnectionsCreated;
        stats.Bytes += reader.Position;
    }

    /// <summary>
    /// The per-packet loop: every frame of <paramref name="reader"/> through <paramref name="decoder"/>
    /// into <paramref name="flows"/>, then the end of the capture (fragments still waiting, streams
    /// closed). Public so the benchmark's stage breakdown measures this very loop.
    /// </summary>
    /// <param name="progress">Called now and then with the reader's position in bytes.</param>
    /// <param name="decodeAhead">Read and decode a large capture on a thread of its own (see <see cref="Analyze"/>).</param>
    public static void Pump(ICaptureReader reader, PacketDecoder decoder, FlowTable flows, Action<long>? progress = null, bool decodeAhead = true)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(flows);
        // A large capture is read and decoded on a thread of its own (see DecodeAhead).
        if (decodeAhead && DecodeAhead.For(reader, decoder) is { } decoding)
        {
            long end;
            using (decoding)
            {
                decoding.Start();
                decoding.Drain(flows, progress);
                end = decoding.LastTimeNs;
            }
            flows.Finish(end);
            progress?.Invoke(reader.Position);
            return;
        }

        long lastTime = 0;
        long frames = 0;

        // The managed reader lets the loop look a few packets ahead in its buffer: the connections of
        // the next packets are prefetched in stages (index slot, connection, reassemblers, handler state:
        // FlowTable.Prefetch) while this one is processed. A packet keeps its slot in a ring (frame
        // number modulo the distance) from the stage that peeks at it to the one before it is processed.
        var lookahead = reader as ManagedCaptureReader;
        const int distance = FlowTable.PrefetchDistance;
        var next = new PrefetchStage[distance];

        while (reader.TryReadNext(out var frame))
        {
            frames++;
            if (lookahead is not null)
            {
                // The slot of this frame, whose stages are done, takes the frame `distance` ahead.
                next[frames % distance] = lookahead.TryPeek(distance, out var ahead, out int linkType)
                    && PacketDecoder.TryPeekTcpEndpoints(linkType, ahead, out var a, out var b)
                    ? new PrefetchStage(true, FlowIndex.Hash(a, b))
                    : default;
                for (int i = distance; i >= 1; i--)
                {
                    ref var stage = ref next[(frames + i) % distance];
                    if (stage.Known) flows.Prefetch(stage.Hash, i, ref stage.Guess);
                }
            }
            if (frame.TimestampNs > lastTime) lastTime = frame.TimestampNs;
            if (decoder.Decode(frame, out var segment) == DecodeResult.Tcp)
                flows.Process(ref segment);
            if (progress is not null && (frames & (ProgressEvery - 1)) == 0) progress(reader.Position);
        }
        // Datagrams still waiting for fragments will never complete: report them before the streams close.
        decoder.Flush(lastTime);
        flows.Finish(lastTime);
        progress?.Invoke(reader.Position);
    }

    /// <summary>The flow hash of a coming packet, when its headers could be read ahead, and the connection its prefetching found.</summary>
    private struct PrefetchStage(bool known, uint hash)
    {
        public readonly bool Known = known;
        public readonly uint Hash = hash;
        public TcpConnection? Guess;
    }
}
