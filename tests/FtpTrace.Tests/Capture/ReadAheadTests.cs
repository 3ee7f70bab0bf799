using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Capture;

/// <summary>
/// A capture file is read ahead on a thread of its own in blocks (<see cref="ReadAhead"/>); a stream
/// is read in line. Both must give the same frames and anomalies, whatever the record sizes against
/// the block size and the headroom (records cut by a block boundary, records longer than the headroom).
/// </summary>
public sealed class ReadAheadTests
{
    /// <summary>Frames of every size from tiny to the record limit, in an order that puts boundaries everywhere.</summary>
    private static List<CraftedFrame> Frames()
    {
        var random = new Random(11);
        var frames = new List<CraftedFrame>();
        long t = 1_700_000_000L * 1_000_000_000;
        int total = 0;
        for (int i = 0; total < 5 * ReadAhead.DataSize + 12345; i++)
        {
            int size = (i % 17) switch
            {
                0 => FtpTraceLimits.Default.MaxRecordLength, // longer than the headroom with its header
                1 => ReadAhead.Headroom - 16 - random.Next(0, 3), // just fits the headroom, or not
                2 => random.Next(70_000, 200_000),
                _ => random.Next(1, 1600),
            };
            var data = new byte[size];
            random.NextBytes(data);
            frames.Add(new CraftedFrame(t += 1000, 1, data));
            total += size + 16;
        }
        return frames;
    }

    private static void SameAsInLine(byte[] file, string extension)
    {
        var inLine = CaptureTestData.ReadManaged(file, out var inLineAnomalies);
        using var temp = new CaptureTestData.TempFile(file, extension);
        var readAheadAnomalies = new AnomalyCollector();
        List<ReadFrame> readAhead;
        using (var reader = new ManagedCaptureReader(temp.Path, FtpTraceLimits.Default, readAheadAnomalies))
        {
            Assert.True(reader.ReadsAhead, "the file was not read ahead");
            readAhead = CaptureTestData.ReadAll(reader);
        }
        Assert.True(inLine.Count > 10, "too few frames to cross block boundaries");
        Assert.Equal(inLine.Count, readAhead.Count);
        for (int i = 0; i < inLine.Count; i++)
        {
            Assert.Equal((inLine[i].Number, inLine[i].TimestampNs, inLine[i].LinkType, inLine[i].OriginalLength),
                (readAhead[i].Number, readAhead[i].TimestampNs, readAhead[i].LinkType, readAhead[i].OriginalLength));
            Assert.True(inLine[i].Data.AsSpan().SequenceEqual(readAhead[i].Data), $"frame {i + 1}: different bytes");
        }
        Assert.Equal(inLineAnomalies.Items.Select(a => (a.Kind, a.Frame)), readAheadAnomalies.Items.Select(a => (a.Kind, a.Frame)));
    }

    [Fact]
    public void Pcap_with_records_across_block_boundaries() => SameAsInLine(CaptureWriter.Pcap(Frames()), ".pcap");

    [Fact]
    public void Gzip_compressed_pcap() => SameAsInLine(CaptureWriter.Gzip(CaptureWriter.Pcap(Frames())), ".pcap.gz");

    [Fact]
    public void Pcapng_with_blocks_across_block_boundaries()
    {
        var builder = new PcapngBuilder().Section().Interface(1);
        var random = new Random(5);
        int i = 0;
        foreach (var f in Frames())
        {
            builder.Packet(0, f);
            // Now and then a block longer than a read-ahead block (skipped by the reader, but read whole).
            if (++i % 40 == 0)
            {
                var body = new byte[ReadAhead.DataSize + ReadAhead.Headroom + random.Next(0, 4096) * 4];
                random.NextBytes(body);
                builder.RawBlock(0x0BAD, body);
            }
        }
        SameAsInLine(builder.ToArray(), ".pcapng");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(ReadAhead.DataSize - 7)]
    [InlineData(ReadAhead.DataSize + 100_003)]
    [InlineData(2 * ReadAhead.DataSize + 40)]
    public void A_file_cut_anywhere_ends_the_same_way(int cutFromEnd)
    {
        byte[] file = CaptureWriter.Pcap(Frames());
        SameAsInLine(CaptureWriter.Cut(file, file.Length - cutFromEnd), ".pcap");
    }

    [Fact]
    public void A_small_file_is_read_without_a_thread()
    {
        byte[] file = CaptureWriter.Pcap(Frames().Take(3));
        using var temp = new CaptureTestData.TempFile(file, ".pcap");
        using var reader = new ManagedCaptureReader(temp.Path, FtpTraceLimits.Default, new AnomalyCollector());
        Assert.False(reader.ReadsAhead);
        Assert.Equal(3, CaptureTestData.ReadAll(reader).Count);
    }
}
