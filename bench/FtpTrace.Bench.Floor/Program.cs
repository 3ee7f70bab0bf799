using System.Diagnostics;
using System.Globalization;
using FtpTrace.Analysis;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Flows;
using FtpTrace.Sessions;
using SharpPcap;
using SharpPcap.LibPcap;

namespace FtpTrace.Bench.Floor;

/// <summary>
/// The floors ftptrace is measured against, each a bare loop over the same file:
/// <list type="bullet">
/// <item><c>--reader sharppcap</c> (default): SharpPcap's GetNextPacket, touching each packet (length and first byte).</item>
/// <item><c>--reader managed</c>: FtpTrace's ManagedCaptureReader, touching each frame the same way.</item>
/// <item><c>--reader raw</c>: the file read in 1 MiB blocks, nothing parsed (what <c>cat FILE &gt; /dev/null</c> does).</item>
/// </list>
/// and, for a stopwatch breakdown of the pipeline on the managed reader, <c>--stage</c>:
/// <c>decode</c> (+ PacketDecoder), <c>flows</c> (+ FlowTable, connections only counted),
/// <c>ftp</c> (+ reassembly, FTP parsing and sessions, results dropped: everything but the reports).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? path = null;
        string reader = "sharppcap";
        string? stage = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--reader" when i + 1 < args.Length: reader = args[++i]; break;
                case "--stage" when i + 1 < args.Length: stage = args[++i]; break;
                default:
                    if (args[i].StartsWith('-') || path is not null) return Usage();
                    path = args[i];
                    break;
            }
        }
        if (path is null) return Usage();

        var clock = Stopwatch.StartNew();
        (long frames, long check) = stage switch
        {
            null => reader switch
            {
                "sharppcap" or "libpcap" => SharpPcapLoop(path),
                "managed" => ManagedLoop(path),
                "raw" => RawLoop(path),
                _ => (-1, 0),
            },
            "decode" => DecodeLoop(path),
            "flows" => FlowsLoop(path, ftp: false),
            "ftp" => FlowsLoop(path, ftp: true),
            _ => (-1, 0),
        };
        if (frames < 0) return Usage();
        clock.Stop();
        long bytes = new FileInfo(path).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{stage ?? reader}: {frames} frames, {bytes} bytes in {clock.Elapsed.TotalSeconds:F3} s " +
            $"({bytes / clock.Elapsed.TotalSeconds / 1e6:F0} MB/s), check {check}; " +
            $"allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F1} MiB, GCs gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: ftptrace-bench-floor FILE [--reader sharppcap|managed|raw] [--stage decode|flows|ftp]");
        return 2;
    }

    private static (long, long) SharpPcapLoop(string path)
    {
        using var device = new CaptureFileReaderDevice(path);
        device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
        long frames = 0, check = 0;
        while (device.GetNextPacket(out PacketCapture capture) == GetPacketStatus.PacketRead)
        {
            ReadOnlySpan<byte> data = capture.Data;
            frames++;
            check += data.Length + (data.IsEmpty ? 0 : data[0]);
        }
        return (frames, check);
    }

    private static (long, long) ManagedLoop(string path)
    {
        using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, NullAnomalySink.Instance);
        long frames = 0, check = 0;
        while (reader.TryReadNext(out CaptureFrame frame))
        {
            frames++;
            check += frame.Data.Length + (frame.Data.IsEmpty ? 0 : frame.Data[0]);
        }
        return (frames, check);
    }

    private static (long, long) RawLoop(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var buffer = GC.AllocateUninitializedArray<byte>(1 << 20);
        long blocks = 0, check = 0;
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            blocks++;
            check += n;
        }
        return (blocks, check);
    }

    private static (long, long) DecodeLoop(string path)
    {
        using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, NullAnomalySink.Instance);
        using var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        long frames = 0, check = 0;
        while (reader.TryReadNext(out CaptureFrame frame))
        {
            frames++;
            if (decoder.Decode(frame, out TcpSegment segment) == DecodeResult.Tcp) check += segment.Payload.Length;
        }
        return (frames, check);
    }

    private static (long, long) FlowsLoop(string path, bool ftp)
    {
        using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, NullAnomalySink.Instance);
        using var decoder = new PacketDecoder(FtpTraceLimits.Default, NullAnomalySink.Instance);
        var sink = new CountingSessionSink();
        ITcpStreamObserver observer = ftp
            ? new FtpStreamObserver(path, AnalysisOptions.Default, sink, NullAnomalySink.Instance)
            : new NoContentObserver();
        var flows = new FlowTable(FtpTraceLimits.Default, observer, NullAnomalySink.Instance, AnalysisOptions.Default.FtpPorts) { RecycleConnections = true };
        // The analyser's own loop (look-ahead and prefetching included).
        CaptureAnalyzer.Pump(reader, decoder, flows);
        return (decoder.Frames, ftp ? sink.Replies : flows.ConnectionsCreated);
    }

    /// <summary>Wants no connection's content: the flow table only tracks and counts.</summary>
    private sealed class NoContentObserver : ITcpStreamObserver
    {
        public ITcpStreamHandler? OnConnectionOpened(TcpConnection connection) => null;
    }

    private sealed class CountingSessionSink : IFtpSessionSink
    {
        public long Replies { get; private set; }
        public void OnSessionStarted(FtpSession session) { }
        public void OnReply(ReplyRecord reply) => Replies++;
        public void OnCommandCompleted(CommandRecord command) { }
        public void OnSessionEnded(FtpSession session) { }
    }
}
