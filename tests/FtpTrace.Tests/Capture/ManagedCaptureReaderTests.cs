using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;
using static FtpTrace.Tests.Capture.CaptureTestData;

namespace FtpTrace.Tests.Capture;

public sealed class ManagedCaptureReaderTests
{
    private static readonly List<CraftedFrame> Exchange = Crafted(FtpExchange());

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void PcapRoundTripsInEveryByteOrderAndResolution(bool nanoseconds, bool bigEndian)
    {
        var frames = ReadManaged(CaptureWriter.Pcap(Exchange, nanoseconds, bigEndian), out var anomalies);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal(Exchange.Count, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            Assert.Equal(i + 1, frames[i].Number);
            // µs files drop the last three digits: ...123456789 -> ...123456000.
            long expected = nanoseconds ? Exchange[i].TimestampNs : Exchange[i].TimestampNs / 1000 * 1000;
            Assert.Equal(expected, frames[i].TimestampNs);
            Assert.Equal((int)LinkType.Ethernet, frames[i].LinkType);
            Assert.Equal(Exchange[i].OriginalLength, frames[i].OriginalLength);
            Assert.Equal(Exchange[i].Data, frames[i].Data);
        }
        Assert.Equal(nanoseconds ? 1_704_164_645_123_456_789L : 1_704_164_645_123_456_000L, frames[0].TimestampNs);
    }

    [Fact]
    public void PcapKeepsTheOriginalLengthOfFramesCutBySnaplen()
    {
        var cut = FtpExchange()[3].At(BaseNs, snaplen: 60);
        var frames = ReadManaged(CaptureWriter.Pcap([cut], snaplen: 60), out var anomalies);

        Assert.Equal(0, anomalies.Total);
        var f = Assert.Single(frames);
        Assert.Equal(60, f.Data.Length);
        Assert.Equal(14 + 20 + 20 + 32, f.OriginalLength); // Ethernet + IPv4 + TCP + "220 FtpTrace test server ready\r\n"
    }

    [Fact]
    public void PcapngReadsEnhancedSimpleAndObsoletePacketBlocksAndSkipsOtherBlocks()
    {
        var built = FtpExchange();
        var file = new PcapngBuilder()
            .Section()
            .RawBlock(4, [0, 0, 0, 0])                         // name resolution block: skipped
            .Interface((int)LinkType.Ethernet, tsresol: 9)
            .Packet(0, built[0].At(BaseNs))
            .SimplePacket(built[1].At(0))
            .RawBlock(5, new byte[20])                         // interface statistics: skipped
            .ObsoletePacket(0, built[2].At(BaseNs + 2000))
            .RawBlock(0x4000_0BAD, [1, 2, 3, 4, 5])            // custom block: skipped
            .Packet(0, built[3].At(BaseNs + 3000))
            .ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal([1L, 2, 3, 4], frames.Select(f => f.Number));
        Assert.Equal([BaseNs, 0, BaseNs + 2000, BaseNs + 3000], frames.Select(f => f.TimestampNs));
        for (int i = 0; i < 4; i++) Assert.Equal(built[i].Bytes, frames[i].Data);
    }

    [Fact]
    public void PcapngSectionsInBothByteOrdersRestartInterfaceNumbering()
    {
        var eth = FtpExchange()[3];
        var raw = FtpExchange((int)LinkType.Raw)[4];
        var sll2 = FtpExchange((int)LinkType.LinuxSll2)[5];
        var nul = FtpExchange((int)LinkType.Null, ipv6: true)[0];
        var file = new PcapngBuilder()
            .Section(bigEndian: false)
            .Interface((int)LinkType.Ethernet, tsresol: 9)
            .Interface((int)LinkType.Raw)                      // default µs
            .Packet(1, raw.At(BaseNs))
            .Packet(0, eth.At(BaseNs + 1))
            .Section(bigEndian: true)
            .Interface((int)LinkType.LinuxSll2, tsresol: 3)    // ms
            .Interface((int)LinkType.Null, tsresol: 0x80 | 20) // 2^-20 s
            .Packet(0, sll2.At(BaseNs + 2_000_000_000))
            .Packet(1, nul.At(1_704_164_645_000_000_000L + (1_953_125L * 3)))
            .ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal([1L, 2, 3, 4], frames.Select(f => f.Number));
        Assert.Equal([(int)LinkType.Raw, (int)LinkType.Ethernet, (int)LinkType.LinuxSll2, (int)LinkType.Null], frames.Select(f => f.LinkType));
        Assert.Equal(
            [
                1_704_164_645_123_456_000L,  // µs: sub-µs digits were not stored
                1_704_164_645_123_456_790L,  // ns: exact
                1_704_164_647_123_000_000L,  // ms
                1_704_164_645_005_859_375L,  // 2^-20: 3 * 2^11 ticks = 3 * 1953125 ns exactly
            ],
            frames.Select(f => f.TimestampNs));
        Assert.Equal([raw.Bytes, eth.Bytes, sll2.Bytes, nul.Bytes], frames.Select(f => f.Data));
    }

    [Theory]
    [InlineData((byte)3, 1_704_164_645_123_456_789L, 1_704_164_645_123_000_000L)]        // 10^-3: milliseconds
    [InlineData((byte)9, 1_704_164_645_123_456_789L, 1_704_164_645_123_456_789L)]        // 10^-9: exact
    [InlineData((byte)6, 1_704_164_645_123_456_789L, 1_704_164_645_123_456_000L)]        // 10^-6: the default value written explicitly
    [InlineData((byte)(0x80 | 20), 1_704_164_645_000_001_000L, 1_704_164_645_000_000_953L)] // 2^-20: 1000 ns = 1.048576 ticks -> 1 tick = 953.67 ns, truncated
    [InlineData((byte)(0x80 | 20), 1_704_164_645_500_000_000L, 1_704_164_645_500_000_000L)] // 2^-20: half a second is exact
    public void PcapngTimestampResolutionsConvertToNanoseconds(byte tsresol, long written, long expected)
    {
        var frame = FtpExchange()[0].At(written);
        var file = new PcapngBuilder().Section().Interface((int)LinkType.Ethernet, tsresol).Packet(0, frame).ToArray();

        var f = Assert.Single(ReadManaged(file, out var anomalies));

        Assert.Equal(0, anomalies.Total);
        Assert.Equal(expected, f.TimestampNs);
    }

    [Fact]
    public void PcapngTimestampOffsetIsAddedInSeconds()
    {
        var frame = FtpExchange()[0].At(BaseNs);
        var file = new PcapngBuilder().Section().Interface((int)LinkType.Ethernet, tsresol: 9, tsOffsetSeconds: 1_700_000_000).Packet(0, frame).ToArray();

        // The file stores BaseNs - 1_700_000_000 s; the reader adds the offset back.
        var f = Assert.Single(ReadManaged(file, out _));
        Assert.Equal(BaseNs, f.TimestampNs);
    }

    [Fact]
    public void PcapCutAtEveryByteNeverThrowsAndYieldsTheCompleteRecords()
    {
        var file = CaptureWriter.Pcap(Exchange.Take(3));
        var boundaries = new List<int> { 24 };
        foreach (var f in Exchange.Take(3)) boundaries.Add(boundaries[^1] + 16 + f.Data.Length);

        AssertEveryCut(file, boundaries);
    }

    [Fact]
    public void PcapngCutAtEveryByteNeverThrowsAndYieldsTheCompleteRecords()
    {
        var built = FtpExchange();
        var b = new PcapngBuilder();
        var boundaries = new List<int>();
        b.Section(); boundaries.Add((int)b.Length);
        b.Interface((int)LinkType.Ethernet, tsresol: 9); boundaries.Add((int)b.Length);
        b.Packet(0, built[0].At(BaseNs)); boundaries.Add((int)b.Length);
        b.Interface((int)LinkType.Raw); boundaries.Add((int)b.Length);
        b.Packet(1, FtpExchange((int)LinkType.Raw)[1].At(BaseNs)); boundaries.Add((int)b.Length);
        b.SimplePacket(built[2].At(0)); boundaries.Add((int)b.Length);
        var file = b.ToArray();

        // Packets end at boundaries 2, 4 and 5; the other boundaries close non-packet blocks.
        AssertEveryCut(file, boundaries, packetBoundaryIndexes: [2, 4, 5]);
    }

    /// <param name="boundaries">Byte offsets where a block or record ends.</param>
    /// <param name="packetBoundaryIndexes">Indexes into <paramref name="boundaries"/> that end a packet (null: all but the first).</param>
    private static void AssertEveryCut(byte[] file, List<int> boundaries, int[]? packetBoundaryIndexes = null)
    {
        var packetEnds = packetBoundaryIndexes is null ? boundaries.Skip(1).ToList() : packetBoundaryIndexes.Select(i => boundaries[i]).ToList();
        for (int cut = 1; cut <= file.Length; cut++)
        {
            var frames = ReadManaged(CaptureWriter.Cut(file, cut), out var anomalies);
            int complete = packetEnds.Count(end => end <= cut);
            Assert.True(complete == frames.Count, $"cut at {cut}: {frames.Count} frames, expected {complete}");
            bool atBoundary = boundaries.Contains(cut);
            if (atBoundary)
            {
                Assert.True(anomalies.Total == 0, $"cut at boundary {cut}: {anomalies.Total} anomalies");
                continue;
            }
            var a = Assert.Single(anomalies.Items);
            Assert.Equal(AnomalyKind.TruncatedFile, a.Kind);
            Assert.Equal(complete + 1, a.Frame);
            Assert.Contains($"file ends at byte {cut}", a.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PcapRecordLongerThanTheLimitEndsTheCaptureWithAnAnomaly()
    {
        var file = CaptureWriter.Pcap(Exchange.Take(2));
        var damaged = file.Concat(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0 }).Concat(new byte[100]).ToArray();

        var frames = ReadManaged(damaged, out var anomalies);

        Assert.Equal(2, frames.Count);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.MalformedCaptureRecord, a.Kind);
        Assert.Equal(3, a.Frame);
        Assert.Contains("4294967295 captured bytes", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void InACompressedCaptureARecordIsPlacedInTheDecompressedBytes()
    {
        // Not by how far the compressed input has been read (which depends on reading ahead).
        var odd = Exchange[1] with { OriginalLength = Exchange[1].Data.Length - 10 };
        ReadManaged(CaptureWriter.Gzip(CaptureWriter.Pcap([Exchange[0], odd, Exchange[2]])), out var anomalies, name: "test.pcap.gz");

        var a = Assert.Single(anomalies.Items);
        Assert.StartsWith($"record at byte {24 + 16 + Exchange[0].Data.Length} of the decompressed capture holds ", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapRecordWithMoreCapturedBytesThanItsOriginalLengthIsReportedAndReadAsCaptured()
    {
        var odd = Exchange[1] with { OriginalLength = Exchange[1].Data.Length - 10 };
        var frames = ReadManaged(CaptureWriter.Pcap([Exchange[0], odd, Exchange[2]]), out var anomalies);

        Assert.Equal(3, frames.Count);
        Assert.Equal(Exchange[1].Data, frames[1].Data);
        Assert.Equal(Exchange[1].Data.Length - 10, frames[1].OriginalLength);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.MalformedCaptureRecord, 2L), (a.Kind, a.Frame));
        Assert.Equal($"record at byte {24 + 16 + Exchange[0].Data.Length} holds {Exchange[1].Data.Length} captured bytes, more than the packet's original length {Exchange[1].Data.Length - 10}; read as captured", a.Detail);
    }

    [Fact]
    public void PcapngPacketWithMoreCapturedBytesThanItsOriginalLengthIsReportedAndReadAsCaptured()
    {
        var odd = Exchange[0] with { OriginalLength = 20 };
        var file = new PcapngBuilder().Section().Interface(1, tsresol: 9).Packet(0, odd).Packet(0, Exchange[1]).ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Equal(2, frames.Count);
        Assert.Equal(Exchange[0].Data, frames[0].Data);
        Assert.Equal(20, frames[0].OriginalLength);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.MalformedCaptureRecord, 1L), (a.Kind, a.Frame));
        Assert.Contains("enhanced packet block", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapZeroLengthRecordIsAnEmptyFrame()
    {
        var frames = ReadManaged(CaptureWriter.Pcap([new CraftedFrame(BaseNs, 1, [], 0), Exchange[0]]), out var anomalies);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal(2, frames.Count);
        Assert.Empty(frames[0].Data);
        Assert.Equal(Exchange[0].Data, frames[1].Data);
    }

    [Theory]
    [InlineData(0u, "impossible length 0")]
    [InlineData(8u, "impossible length 8")]
    [InlineData(30u, "impossible length 30")]
    [InlineData(0x7FFF_FFF0u, "impossible length 2147483632")]
    public void PcapngImpossibleBlockLengthEndsTheCaptureWithAnAnomaly(uint length, string expectedDetail)
    {
        var good = new PcapngBuilder().Section().Interface(1).Packet(0, Exchange[0]).ToArray();
        var bad = new byte[32];
        BitConverter.TryWriteBytes(bad.AsSpan(0), 6u);
        BitConverter.TryWriteBytes(bad.AsSpan(4), length);
        var file = good.Concat(bad).Concat(new PcapngBuilder().Section().Interface(1).Packet(0, Exchange[1]).ToArray()).ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Single(frames);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.MalformedCaptureRecord, a.Kind);
        Assert.Equal(2, a.Frame);
        Assert.Contains(expectedDetail, a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapngTrailingLengthMismatchEndsTheCapture()
    {
        var file = new PcapngBuilder().Section().Interface(1).Packet(0, Exchange[0]).Packet(0, Exchange[1]).ToArray();
        file[^1] ^= 0x40; // damage the last block's trailing length

        var frames = ReadManaged(file, out var anomalies);

        Assert.Single(frames);
        Assert.Equal(AnomalyKind.MalformedCaptureRecord, Assert.Single(anomalies.Items).Kind);
    }

    [Fact]
    public void PcapngPacketWithCapturedLengthBeyondItsBlockIsSkippedAndReadingGoesOn()
    {
        var file = new PcapngBuilder().Section().Interface(1)
            .Packet(0, Exchange[0])
            .Packet(0, Exchange[1], capturedLengthField: 5000)
            .Packet(0, Exchange[2])
            .ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Equal([1L, 3], frames.Select(f => f.Number));
        Assert.Equal(Exchange[2].Data, frames[1].Data);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.MalformedCaptureRecord, a.Kind);
        Assert.Equal(2, a.Frame);
        Assert.Contains("claims 5000 captured bytes", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PcapngPacketOnAnUndescribedInterfaceIsReportedAndSkipped()
    {
        var file = new PcapngBuilder().Section().Interface(1)
            .Packet(0, Exchange[0])
            .Packet(3, Exchange[1])
            .Section()                       // the new section has no interface yet
            .SimplePacket(Exchange[2])
            .Interface(1)
            .Packet(0, Exchange[3])
            .ToArray();

        var frames = ReadManaged(file, out var anomalies);

        Assert.Equal([1L, 4], frames.Select(f => f.Number));
        Assert.Equal([AnomalyKind.UnknownInterface, AnomalyKind.UnknownInterface], anomalies.Items.Select(a => a.Kind));
        Assert.Equal([2L, 3], anomalies.Items.Select(a => a.Frame));
    }

    [Fact]
    public void PcapngLaterSectionWithBadByteOrderMagicEndsTheCapture()
    {
        var file = new PcapngBuilder().Section().Interface(1).Packet(0, Exchange[0]).ToArray();
        var second = new PcapngBuilder().Section().ToArray();
        second[8] = 0x99;

        var frames = ReadManaged([.. file, .. second], out var anomalies);

        Assert.Single(frames);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.MalformedCaptureRecord, a.Kind);
        Assert.Contains("byte-order magic", a.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void NotACaptureThrowsCaptureFileExceptionNamingTheFile()
    {
        using var file = new TempFile("<html>hello</html>"u8.ToArray(), ".pcap");

        var e = Assert.Throws<CaptureFileException>(() => new ManagedCaptureReader(file.Path, FtpTraceLimits.Default, new AnomalyCollector()));

        Assert.Equal(file.Path, e.Path);
        Assert.Equal("not a pcap or pcapng file (starts with 0x3c68746d)", e.Reason);
        Assert.StartsWith(file.Path + ": ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileThrowsNoSuchFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "ftptrace-does-not-exist.pcap");
        var e = Assert.Throws<CaptureFileException>(() => new ManagedCaptureReader(path, FtpTraceLimits.Default, new AnomalyCollector()));
        Assert.Equal("no such file", e.Reason);
    }

    [Fact]
    public void EmptyFileThrowsEmptyFile()
    {
        using var file = new TempFile([]);
        var e = Assert.Throws<CaptureFileException>(() => new ManagedCaptureReader(file.Path, FtpTraceLimits.Default, new AnomalyCollector()));
        Assert.Equal("empty file", e.Reason);
    }

    [Fact]
    public void NonSeekableStreamDeliveringSmallChunksReadsEveryFrame()
    {
        // ~3 MB: several refills and compactions of the 1 MiB buffer.
        var many = Enumerable.Range(0, 3000).Select(i => new CraftedFrame(BaseNs + i, 1, Enumerable.Repeat((byte)i, 1000).ToArray())).ToList();
        var file = CaptureWriter.Pcap(many, nanoseconds: true);
        var anomalies = new AnomalyCollector();

        using var reader = new ManagedCaptureReader(new TrickleStream(file, 777), "-", FtpTraceLimits.Default, anomalies);
        var frames = ReadAll(reader);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal(3000, frames.Count);
        Assert.Equal(-1, reader.Length);
        Assert.Equal(file.Length, reader.Position);
        for (int i = 0; i < 3000; i++)
        {
            Assert.Equal(BaseNs + i, frames[i].TimestampNs);
            Assert.Equal(many[i].Data, frames[i].Data);
        }
    }

    [Fact]
    public void RecordLargerThanTheBufferGrowsTheBuffer()
    {
        var big = new CraftedFrame(BaseNs, 1, Enumerable.Range(0, 3 << 20).Select(i => (byte)(i * 7)).ToArray());
        var file = CaptureWriter.Pcap([Exchange[0], big, Exchange[1]], nanoseconds: true);
        var limits = FtpTraceLimits.Default with { MaxRecordLength = 4 << 20 };

        var frames = ReadManaged(file, out var anomalies, limits);

        Assert.Equal(0, anomalies.Total);
        Assert.Equal(3, frames.Count);
        Assert.Equal(big.Data, frames[1].Data);
        Assert.Equal(Exchange[1].Data, frames[2].Data);
    }

    [Fact]
    public void GzipCompressedCaptureIsReadTransparentlyFromFileAndStream()
    {
        var pcapng = CaptureWriter.Pcapng(Exchange);
        var gz = CaptureWriter.Gzip(pcapng);
        using var file = new TempFile(gz, ".pcapng.gz");

        var fromFile = ReadManaged(file.Path, out var a1);
        var anomalies = new AnomalyCollector();
        using var reader = new ManagedCaptureReader(new TrickleStream(gz, 100), "-", FtpTraceLimits.Default, anomalies);
        var fromStream = ReadAll(reader);

        Assert.Equal(0, a1.Total + anomalies.Total);
        Assert.Equal(Exchange.Select(f => f.Data), fromFile.Select(f => f.Data));
        Assert.Equal(Exchange.Select(f => f.TimestampNs), fromStream.Select(f => f.TimestampNs));
        Assert.True(CaptureReaders.LooksLikeCapture(file.Path));
    }

    [Fact]
    public void TruncatedGzipCaptureReportsTruncatedFile()
    {
        var gz = CaptureWriter.Gzip(CaptureWriter.Pcap(Exchange));

        var frames = ReadManaged(gz[..(gz.Length * 2 / 3)], out var anomalies);

        Assert.True(frames.Count < Exchange.Count);
        Assert.Equal(AnomalyKind.TruncatedFile, Assert.Single(anomalies.Items).Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0xD4 })]
    [InlineData(new byte[] { 0xD4, 0xC3, 0xB2 })]
    [InlineData(new byte[] { 0x0A, 0x0D })]
    public void FileHoldingOnlyPartOfAKnownMagicReportsTruncatedFile(byte[] content)
    {
        var frames = ReadManaged(content, out var anomalies);

        Assert.Empty(frames);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal(AnomalyKind.TruncatedFile, a.Kind);
        Assert.Equal(1, a.Frame);
    }

    [Fact]
    public void PcapShorterThanItsHeaderReportsTruncatedFile()
    {
        var frames = ReadManaged(CaptureWriter.Cut(CaptureWriter.Pcap(Exchange), 20), out var anomalies);

        Assert.Empty(frames);
        Assert.Equal(AnomalyKind.TruncatedFile, Assert.Single(anomalies.Items).Kind);
    }

    [Fact]
    public void FileLengthAndPositionAreReportedForARegularFile()
    {
        var bytes = CaptureWriter.Pcap(Exchange);
        using var file = new TempFile(bytes);
        using var reader = new ManagedCaptureReader(file.Path, FtpTraceLimits.Default, new AnomalyCollector());

        Assert.Equal(bytes.Length, reader.Length);
        Assert.True(reader.TryReadNext(out var first));
        Assert.Equal(24 + 16 + first.Data.Length, reader.Position);
        Assert.Equal(1, reader.FirstLinkType);
    }

    [Fact]
    public void LooksLikeCaptureRecognisesTheMagicNumbers()
    {
        using var pcap = new TempFile(CaptureWriter.Pcap(Exchange, nanoseconds: true, bigEndian: true));
        using var pcapng = new TempFile(CaptureWriter.Pcapng(Exchange), ".pcapng");
        using var text = new TempFile("USER anonymous\r\n"u8.ToArray(), ".txt");
        using var gzText = new TempFile(CaptureWriter.Gzip("hello"u8.ToArray()), ".gz");

        Assert.True(CaptureReaders.LooksLikeCapture(pcap.Path));
        Assert.True(CaptureReaders.LooksLikeCapture(pcapng.Path));
        Assert.False(CaptureReaders.LooksLikeCapture(text.Path));
        Assert.False(CaptureReaders.LooksLikeCapture(gzText.Path));
        Assert.False(CaptureReaders.LooksLikeCapture(Path.Combine(Path.GetTempPath(), "ftptrace-no-such-file")));
    }

    [Fact]
    public void OpenWithAutoUsesTheManagedReader()
    {
        using var file = new TempFile(CaptureWriter.Pcap(Exchange));
        using var reader = CaptureReaders.Open(file.Path, CaptureReaderKind.Auto, FtpTraceLimits.Default, new AnomalyCollector());

        Assert.IsType<ManagedCaptureReader>(reader);
        Assert.Equal(Exchange.Count, ReadAll(reader).Count);
    }

    /// <summary>A non-seekable stream that returns at most <c>chunk</c> bytes per read, like a pipe.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }
    }
}
