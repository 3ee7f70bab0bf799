using System.Net;
using FtpTrace.Analysis;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Reporting.Statistics;
using FtpTrace.Sessions;
using FtpTrace.Tests.Capture;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Analysis;

/// <summary>
/// A large capture is read and decoded on a thread of its own (<see cref="DecodeAhead"/>). The
/// analysis must see exactly what it sees when everything runs on one thread: the same sessions,
/// commands, replies and transfers, and every anomaly in the same place among them (the reader's
/// and the decoder's included: a cut record, malformed packets, fragments, ones that never complete).
/// </summary>
public sealed class DecodeAheadTests
{
    [Fact]
    public void GivesWhatTheAnalysisGivesInLine() =>
        SameAsInLine(LargeCapture(), (path, sink) => new ManagedCaptureReader(path, FtpTraceLimits.Default, sink), checkProgress: true);

    [Fact]
    public void GivesWhatTheAnalysisGivesInLineReadingOnTheDecodingThread() =>
        // As `ftptrace analyze` opens a capture it decodes ahead: no read-ahead thread besides.
        SameAsInLine(LargeCapture(), (path, sink) =>
        {
            var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, sink, readAheadUncompressed: false);
            Assert.False(reader.ReadsAhead);
            return reader;
        }, checkProgress: true);

    [Fact]
    public void GivesWhatTheAnalysisGivesInLineThroughLibpcap()
    {
        Requires.LibPcap();
        // libpcap reads pcapng only when every interface has the same link type: the samples' Ethernet frames.
        SameAsInLine(LargeCapture(ethernetOnly: true), (path, sink) => new SharpPcapCaptureReader(path, FtpTraceLimits.Default, sink), checkProgress: false);
    }

    private static void SameAsInLine(byte[] file, Func<string, IAnomalySink, ICaptureReader> open, bool checkProgress)
    {
        using var temp = new CaptureTestData.TempFile(file, ".pcapng");

        var inLine = new Recorder();
        var inLineStats = new InputStats();
        var inLinePositions = new List<long>();
        using (var opened = open(temp.Path, inLine))
        using (var reader = new InLine(opened))
        {
            CaptureAnalyzer.Analyze(reader, "x", AnalysisOptions.Default, inLine, inLine, inLineStats, inLinePositions.Add);
        }

        var ahead = new Recorder();
        var aheadStats = new InputStats();
        var positions = new List<long>();
        using (var reader = open(temp.Path, ahead))
        {
            using (var probe = DecodeAhead.For(reader, new PacketDecoder(FtpTraceLimits.Default, ahead)))
            {
                Assert.True(probe is not null, "the capture is not one that is decoded ahead");
            }
            CaptureAnalyzer.Analyze(reader, "x", AnalysisOptions.Default, ahead, ahead, aheadStats, positions.Add);
        }

        Assert.True(inLine.Events.Count(e => e.StartsWith("reply", StringComparison.Ordinal)) > 1000, "too few replies to mean anything");
        foreach (string kind in new[] { "TruncatedFrame", "FragmentTimeout" })
        {
            Assert.Contains(inLine.Events, e => e.StartsWith("anomaly " + kind, StringComparison.Ordinal));
        }
        Assert.Equal(inLine.Events.Count, ahead.Events.Count);
        for (int i = 0; i < inLine.Events.Count; i++) Assert.Equal(inLine.Events[i], ahead.Events[i]);
        Assert.Equal(
            (inLineStats.Frames, inLineStats.Ipv4, inLineStats.Ipv6, inLineStats.TcpSegments, inLineStats.Udp, inLineStats.OtherPackets, inLineStats.TcpConnections, inLineStats.Bytes),
            (aheadStats.Frames, aheadStats.Ipv4, aheadStats.Ipv6, aheadStats.TcpSegments, aheadStats.Udp, aheadStats.OtherPackets, aheadStats.TcpConnections, aheadStats.Bytes));
        if (!checkProgress) return;
        // The cut last record (the managed reader reports it; libpcap only stops).
        Assert.Contains(inLine.Events, e => e.StartsWith("anomaly TruncatedFile", StringComparison.Ordinal));
        // Progress moves forward, batch by batch, and ends where reading in line ends.
        Assert.True(positions.Count > 2);
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(inLinePositions[^1], positions[^1]);
    }

    [Fact]
    public void AFailureOfTheAnalysisStopsTheDecodingThread()
    {
        using var temp = new CaptureTestData.TempFile(LargeCapture(), ".pcapng");
        var failing = new Recorder { FailAfterReplies = 50 };
        using var reader = new ManagedCaptureReader(temp.Path, FtpTraceLimits.Default, failing);
        var e = Assert.Throws<InvalidOperationException>(() =>
            CaptureAnalyzer.Analyze(reader, "x", AnalysisOptions.Default, failing, failing, new InputStats()));
        Assert.Equal("stop", e.Message);
        // The reader is usable on this thread again (the decoding thread let it go): reading goes on from where it stopped.
        Assert.True(reader.TryReadNext(out _));
    }

    [Fact]
    public void DamagedCompressionEndsTheInputInTheSamePlace()
    {
        // Damaged compression halfway through a gzip-compressed capture: the reader reports where the
        // input ends, after the frames before the damage, and the analysis closes what was open. The
        // compressed file is read ahead like any other file over 2 MiB.
        byte[] file = CaptureWriter.Gzip(LargeCapture(rounds: 5));
        for (int i = file.Length / 2; i < file.Length / 2 + 64; i++) file[i] = 0xFF;
        using var temp = new CaptureTestData.TempFile(file, ".pcapng.gz");

        var inLine = new Recorder();
        using (var managed = new ManagedCaptureReader(temp.Path, FtpTraceLimits.Default, inLine))
        using (var reader = new InLine(managed))
        {
            CaptureAnalyzer.Analyze(reader, "x", AnalysisOptions.Default, inLine, inLine, new InputStats());
        }

        var ahead = new Recorder();
        using (var reader = new ManagedCaptureReader(temp.Path, FtpTraceLimits.Default, ahead))
        {
            Assert.True(reader.ReadsAhead, "the capture is too small to be decoded ahead");
            CaptureAnalyzer.Analyze(reader, "x", AnalysisOptions.Default, ahead, ahead, new InputStats());
        }

        // Damaged deflate data fails to decompress or decompresses to garbage: either way reading stops there.
        Assert.Contains(inLine.Events, e => e.StartsWith("anomaly TruncatedFile", StringComparison.Ordinal)
            || e.StartsWith("anomaly MalformedCaptureRecord", StringComparison.Ordinal));
        Assert.True(inLine.Events.Count(e => e.StartsWith("reply", StringComparison.Ordinal)) > 1000, "the damage came too early to mean anything");
        Assert.Equal(inLine.Events, ahead.Events);
    }

    /// <summary>
    /// The sample captures twice over (about 4.6 MB, well past the size read ahead), with malformed
    /// packets, a datagram in fragments, a fragment whose datagram never completes, and a last record cut short.
    /// </summary>
    private static byte[] LargeCapture(int rounds = 2, bool ethernetOnly = false)
    {
        var frames = new List<CraftedFrame>();
        long t = 1_700_000_000L * 1_000_000_000;
        var samples = Directory.GetFiles(Path.Combine(Fixture.RepoRoot, "samples"))
            .Where(p => p.EndsWith(".pcap", StringComparison.Ordinal) || p.EndsWith(".pcapng", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(samples);
        // Ethernet carrying 5 bytes of an IPv4 header.
        byte[] malformed = [.. new byte[12], 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00];
        var whole = FrameBuilder.IpTcp(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 40000), new IPEndPoint(IPAddress.Parse("198.51.100.7"), 8080),
            1000, 0, TcpFlags.Ack | TcpFlags.Psh, new byte[3000], ipId: 77);
        var pieces = FrameBuilder.FragmentIpv4(whole, 1480);
        for (int round = 0; round < rounds; round++)
        {
            foreach (string path in samples)
            {
                var read = CaptureTestData.ReadManaged(path, out _);
                if (ethernetOnly && read.TrueForAll(f => f.LinkType != (int)LinkType.Ethernet)) continue;
                long first = read[0].TimestampNs;
                for (int i = 0; i < read.Count; i++)
                {
                    var f = read[i];
                    if (ethernetOnly && f.LinkType != (int)LinkType.Ethernet) continue;
                    frames.Add(new CraftedFrame(t + f.TimestampNs - first, f.LinkType, f.Data, f.OriginalLength));
                    if (i % 97 == 5) frames.Add(new CraftedFrame(t + f.TimestampNs - first, (int)LinkType.Ethernet, malformed));
                }
                t += read[^1].TimestampNs - first + 1_000_000_000;
                foreach (var piece in pieces) frames.Add(new CraftedFrame(t += 1000, (int)LinkType.Ethernet, FrameBuilder.Wrap((int)LinkType.Ethernet, piece).Bytes));
                t += 3600L * 1_000_000_000;
            }
        }
        // The first fragment of a datagram whose rest never comes: reported when the capture ends.
        frames.Add(new CraftedFrame(t += 1000, (int)LinkType.Ethernet, FrameBuilder.Wrap((int)LinkType.Ethernet, pieces[0]).Bytes));
        frames.Add(new CraftedFrame(t += 1000, (int)LinkType.Ethernet, FrameBuilder.Wrap((int)LinkType.Ethernet, whole).Bytes));
        byte[] file = CaptureWriter.Pcapng(frames);
        return CaptureWriter.Cut(file, file.Length - 20);
    }

    /// <summary>A reader seen through another type, so the analysis reads it in line.</summary>
    private sealed class InLine(ICaptureReader reader) : ICaptureReader
    {
        public string Name => reader.Name;
        public long Position => reader.Position;
        public long Length => reader.Length;
        public bool TryReadNext(out CaptureFrame frame) => reader.TryReadNext(out frame);
        public void Dispose() { }
    }

    /// <summary>Everything the analysis reports, in the order it reports it.</summary>
    private sealed class Recorder : IFtpSessionSink, IAnomalySink
    {
        public List<string> Events { get; } = [];

        public int FailAfterReplies { get; init; } = int.MaxValue;

        public void OnSessionStarted(FtpSession session) => Events.Add($"start {session.Id} {session.Client} {session.Server}");

        public void OnReply(ReplyRecord reply)
        {
            Events.Add($"reply {reply.Session.Id} {reply.Reply.Frame} {reply.Reply.Code} {reply.Role} {reply.Command?.Frame} {reply.Reply.Text}");
            if (Events.Count(e => e.StartsWith("reply", StringComparison.Ordinal)) > FailAfterReplies) throw new InvalidOperationException("stop");
        }

        public void OnCommandCompleted(CommandRecord command) =>
            Events.Add($"command {command.Session.Id} {command.Command.Frame} {command.Command.Verb} {command.Command.Argument} {command.FinalReply?.Frame}");

        public void OnTransfer(TransferRecord transfer) =>
            Events.Add($"transfer {transfer.Session.Id} {transfer.Command.Frame} {transfer.Bytes} {transfer.StartNs} {transfer.EndNs} {transfer.Complete}");

        public void OnSessionEnded(FtpSession session) => Events.Add($"end {session.Id} {session.Commands} {session.Replies} {session.EndNs}");

        public void Report(in Anomaly anomaly) => Events.Add($"anomaly {anomaly.Kind} {anomaly.Frame} {anomaly.ConnectionId} {anomaly.Detail}");
    }
}
