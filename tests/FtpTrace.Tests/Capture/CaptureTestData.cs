using System.Net;
using System.Text;
using FtpTrace.Capture;
using FtpTrace.Decoding;
using FtpTrace.Diagnostics;
using FtpTrace.Tests.TestSupport;

namespace FtpTrace.Tests.Capture;

/// <summary>A frame copied out of a reader, for comparisons.</summary>
public sealed record ReadFrame(long Number, long TimestampNs, int LinkType, int OriginalLength, byte[] Data)
{
    public override string ToString() => $"#{Number} t={TimestampNs} lt={LinkType} orig={OriginalLength} len={Data.Length}";
}

/// <summary>Shared helpers and sample frames for the capture tests.</summary>
internal static class CaptureTestData
{
    public static readonly IPEndPoint Client = new(IPAddress.Parse("192.0.2.10"), 50123);
    public static readonly IPEndPoint Server = new(IPAddress.Parse("198.51.100.20"), 21);
    public static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::10"), 50124);
    public static readonly IPEndPoint Server6 = new(IPAddress.Parse("2001:db8::21"), 21);

    /// <summary>2024-01-02T03:04:05Z plus a nanosecond fraction with every digit set.</summary>
    public const long BaseNs = 1_704_164_645_123_456_789L;

    /// <summary>A short FTP exchange (handshake, greeting, USER, 331) as built frames of the given link type.</summary>
    public static List<BuiltFrame> FtpExchange(int linkType = (int)LinkType.Ethernet, bool ipv6 = false, IReadOnlyList<VlanTag>? vlanTags = null,
        bool nullBigEndian = false)
    {
        var c = ipv6 ? Client6 : Client;
        var s = ipv6 ? Server6 : Server;
        BuiltFrame F(IPEndPoint a, IPEndPoint b, uint seq, uint ack, TcpFlags flags, string text = "") =>
            FrameBuilder.Tcp(a, b, seq, ack, flags, Encoding.ASCII.GetBytes(text), linkType, vlanTags, nullBigEndian: nullBigEndian);
        return
        [
            F(c, s, 1000, 0, TcpFlags.Syn),
            F(s, c, 5000, 1001, TcpFlags.Syn | TcpFlags.Ack),
            F(c, s, 1001, 5001, TcpFlags.Ack),
            F(s, c, 5001, 1001, TcpFlags.Psh | TcpFlags.Ack, "220 FtpTrace test server ready\r\n"),
            F(c, s, 1001, 5033, TcpFlags.Psh | TcpFlags.Ack, "USER anonymous\r\n"),
            F(s, c, 5033, 1017, TcpFlags.Psh | TcpFlags.Ack, "331 Please specify the password.\r\n"),
        ];
    }

    /// <summary>Crafted frames of the FTP exchange, 1.5 ms apart, starting at <see cref="BaseNs"/>.</summary>
    public static List<CraftedFrame> Crafted(IEnumerable<BuiltFrame> frames, long startNs = BaseNs, long stepNs = 1_500_123)
    {
        var list = new List<CraftedFrame>();
        long t = startNs;
        foreach (var f in frames)
        {
            list.Add(f.At(t));
            t += stepNs;
        }
        return list;
    }

    public static List<ReadFrame> ReadAll(ICaptureReader reader)
    {
        var frames = new List<ReadFrame>();
        while (reader.TryReadNext(out var f))
            frames.Add(new ReadFrame(f.Number, f.TimestampNs, f.LinkType, f.OriginalLength, f.Data.ToArray()));
        return frames;
    }

    public static List<ReadFrame> ReadManaged(byte[] file, out AnomalyCollector anomalies, FtpTraceLimits? limits = null, string name = "test.pcap")
    {
        anomalies = new AnomalyCollector();
        using var reader = new ManagedCaptureReader(new MemoryStream(file), name, limits ?? FtpTraceLimits.Default, anomalies);
        return ReadAll(reader);
    }

    public static List<ReadFrame> ReadManaged(string path, out AnomalyCollector anomalies)
    {
        anomalies = new AnomalyCollector();
        using var reader = new ManagedCaptureReader(path, FtpTraceLimits.Default, anomalies);
        return ReadAll(reader);
    }

    /// <summary>A temporary file deleted on dispose.</summary>
    public sealed class TempFile : IDisposable
    {
        public TempFile(byte[] content, string extension = ".pcap")
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ftptrace-{Guid.NewGuid():N}{extension}");
            File.WriteAllBytes(Path, content);
        }

        public string Path { get; }

        public void Dispose() => File.Delete(Path);
    }
}
