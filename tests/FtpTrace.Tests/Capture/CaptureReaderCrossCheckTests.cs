using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;
using static FtpTrace.Tests.Capture.CaptureTestData;

namespace FtpTrace.Tests.Capture;

/// <summary>The managed reader against libpcap (through SharpPcap), frame for frame.</summary>
public sealed class CaptureReaderCrossCheckTests
{
    /// <summary>Valid pcapng that libpcap refuses by design (one link type and snaplen per file, one byte order).</summary>
    private static readonly string[] KnownLibpcapLimitations =
    [
        "different from the type of the first interface",
        "different from the snapshot length of the first interface",
        "sections with different byte orders",
    ];

    public static TheoryData<string> Variants() => new(CraftedVariants().Keys);

    private static Dictionary<string, byte[]> CraftedVariants()
    {
        var eth = Crafted(FtpExchange());
        var built = FtpExchange();
        return new()
        {
            ["pcap µs LE"] = CaptureWriter.Pcap(eth),
            ["pcap µs BE"] = CaptureWriter.Pcap(eth, bigEndian: true),
            ["pcap ns LE"] = CaptureWriter.Pcap(eth, nanoseconds: true),
            ["pcap record with more captured bytes than its original length"] =
                CaptureWriter.Pcap(eth.Select((f, i) => i == 1 ? f with { OriginalLength = f.Data.Length - 10 } : f)),
            ["pcapng packet with more captured bytes than its original length"] = new PcapngBuilder().Section()
                .Interface(1, tsresol: 9).Packet(0, built[0].At(BaseNs) with { OriginalLength = 20 }).Packet(0, built[1].At(BaseNs + 1000)).ToArray(),
            ["pcap ns BE snaplen 64"] = CaptureWriter.Pcap(eth.Select(f => f with { Data = f.Data.Length > 64 ? f.Data[..64] : f.Data }), nanoseconds: true, bigEndian: true, snaplen: 64),
            ["pcapng BE tsresol 2^-20 + offset"] = new PcapngBuilder().Section(bigEndian: true)
                .Interface(1, tsresol: 0x80 | 20, tsOffsetSeconds: 1_000_000_000)
                .Packet(0, built[0].At(1_704_164_645_000_001_000L)).Packet(0, built[1].At(1_704_164_645_500_000_000L)).ToArray(),
            ["pcapng ms, simple and obsolete packet blocks"] = new PcapngBuilder().Section()
                .Interface(1, tsresol: 3).Packet(0, built[0].At(BaseNs)).SimplePacket(built[1].At(0)).ObsoletePacket(0, built[2].At(BaseNs + 5_000_000))
                .RawBlock(4, [0, 0, 0, 0]).ToArray(),
            ["pcapng two LE sections, same link type"] = new PcapngBuilder()
                .Section().Interface(113, tsresol: 9).Packet(0, FtpExchange(113)[0].At(BaseNs))
                .Section().Interface(113, tsresol: 6).Packet(0, FtpExchange(113)[1].At(BaseNs + 1000)).ToArray(),
        };
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void CraftedVariantReadsTheSameWithBothReaders(string variant)
    {
        Requires.LibPcap();
        using var file = new TempFile(CraftedVariants()[variant], variant.StartsWith("pcapng", StringComparison.Ordinal) ? ".pcapng" : ".pcap");

        AssertReadersAgree(file.Path);
    }

    [Fact]
    public void EveryCaptureInTheRepositoryReadsTheSameWithBothReaders()
    {
        Requires.LibPcap();
        var files = Fixture.AllCaptures().ToList();
        Assert.NotEmpty(files);
        foreach (var path in files) AssertReadersAgree(path);
    }

    [Fact]
    public void LibPcapRefusesMixedLinkTypesWhereTheManagedReaderDoesNot()
    {
        Requires.LibPcap();
        var path = Path.Combine(CaptureFixtures.Folder, "ftp_two_sections_mixed_linktypes.pcapng");

        var (_, error) = ReadLibPcap(path);
        var managed = ReadManaged(path, out var anomalies);

        Assert.NotNull(error);
        Assert.Contains("different from the type of the first interface", error, StringComparison.Ordinal);
        Assert.Equal(6, managed.Count);
        Assert.Equal(0, anomalies.Total);
    }

    [Fact]
    public void LibPcapReaderWrapsOpenFailuresInCaptureFileException()
    {
        Requires.LibPcap();
        using var text = new TempFile("not a capture at all"u8.ToArray());

        var e = Assert.Throws<CaptureFileException>(() => new SharpPcapCaptureReader(text.Path, FtpTraceLimits.Default, new AnomalyCollector()));

        Assert.Equal(text.Path, e.Path);
        Assert.StartsWith("libpcap cannot read it", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void LibPcapReaderAppliesABpfFilter()
    {
        Requires.LibPcap();
        using var file = new TempFile(CaptureWriter.Pcap(Crafted(FtpExchange())));
        var anomalies = new AnomalyCollector();

        using var reader = new SharpPcapCaptureReader(file.Path, FtpTraceLimits.Default, anomalies, filter: "tcp src port 21");
        var frames = ReadAll(reader);

        Assert.Equal(3, frames.Count); // SYN-ACK, 220, 331
        Assert.Throws<CaptureFileException>(() => new SharpPcapCaptureReader(file.Path, FtpTraceLimits.Default, anomalies, filter: "tcp port banana"));
    }

    [Fact]
    public void LibPcapReaderReportsATruncatedFile()
    {
        Requires.LibPcap();
        var bytes = CaptureWriter.Pcap(Crafted(FtpExchange()));
        using var file = new TempFile(CaptureWriter.Cut(bytes, bytes.Length - 5));
        var anomalies = new AnomalyCollector();

        using var reader = new SharpPcapCaptureReader(file.Path, FtpTraceLimits.Default, anomalies);
        var frames = ReadAll(reader);

        Assert.Equal(5, frames.Count);
        var a = Assert.Single(anomalies.Items);
        Assert.Equal((AnomalyKind.TruncatedFile, 6L), (a.Kind, a.Frame));
    }

    [Fact]
    public void OpenWithLibPcapKindUsesSharpPcap()
    {
        Requires.LibPcap();
        Assert.True(CaptureReaders.IsLibPcapAvailable);
        using var file = new TempFile(CaptureWriter.Pcap(Crafted(FtpExchange())));
        using var reader = CaptureReaders.Open(file.Path, CaptureReaderKind.LibPcap, FtpTraceLimits.Default, new AnomalyCollector());
        Assert.IsType<SharpPcapCaptureReader>(reader);
    }

    private static (List<ReadFrame> Frames, string? Error) ReadLibPcap(string path)
    {
        try
        {
            using var reader = new SharpPcapCaptureReader(path, FtpTraceLimits.Default, new AnomalyCollector());
            var frames = ReadAll(reader);
            return (frames, reader.LastError);
        }
        catch (CaptureFileException e)
        {
            return ([], e.Reason);
        }
    }

    private static void AssertReadersAgree(string path)
    {
        var managed = ReadManaged(path, out var anomalies);
        var (lib, error) = ReadLibPcap(path);
        string name = Path.GetFileName(path);
        if (error is not null)
        {
            Assert.True(KnownLibpcapLimitations.Any(k => error.Contains(k, StringComparison.Ordinal)), $"{name}: libpcap failed with an unexpected error: {error}");
            Assert.True(anomalies.Total == 0, $"{name}: libpcap refused a file the managed reader reports as damaged");
            Assert.NotEmpty(managed);
            Assert.True(lib.Count < managed.Count, $"{name}: libpcap stopped early but read {lib.Count} of {managed.Count}");
        }
        else
        {
            Assert.True(managed.Count == lib.Count, $"{name}: managed read {managed.Count} frames, libpcap {lib.Count}");
        }
        for (int i = 0; i < lib.Count; i++)
        {
            var (m, l) = (managed[i], lib[i]);
            Assert.True(m.Number == l.Number, $"{name} frame {i + 1}: number {m.Number} vs {l.Number}");
            Assert.True(m.TimestampNs == l.TimestampNs, $"{name} frame {i + 1}: timestamp {m.TimestampNs} vs libpcap {l.TimestampNs}");
            Assert.True(NormalizeLinkType(m.LinkType) == NormalizeLinkType(l.LinkType), $"{name} frame {i + 1}: link type {m.LinkType} vs libpcap {l.LinkType}");
            Assert.True(m.OriginalLength == l.OriginalLength, $"{name} frame {i + 1}: original length {m.OriginalLength} vs libpcap {l.OriginalLength}");
            Assert.True(m.Data.AsSpan().SequenceEqual(l.Data), $"{name} frame {i + 1}: bytes differ");
        }
    }

    /// <summary>libpcap reports raw IP as DLT_RAW (12 on Linux) whatever number the file holds.</summary>
    private static int NormalizeLinkType(int linkType) =>
        linkType is (int)LinkType.RawBsd12 or (int)LinkType.RawBsd14 ? (int)LinkType.Raw : linkType;
}
