using FtpTrace.Diagnostics;
using SharpPcap;
using SharpPcap.LibPcap;

namespace FtpTrace.Capture;

/// <summary>
/// Reads a capture file through native libpcap (SharpPcap's <see cref="CaptureFileReaderDevice"/>,
/// pull loop, nanosecond timestamps). The reference reader, and the way to BPF filters.
/// </summary>
/// <remarks>
/// <para>libpcap reports DLT_ values, not the LINKTYPE_ values stored in the file; they are the same
/// for every link type FtpTrace decodes except raw IP, which libpcap on Linux reports as DLT_RAW = 12
/// whatever the file says (101, 12): this reader reports 12 as <see cref="LinkType.Raw"/> (101).</para>
/// <para>libpcap refuses some valid pcapng files: a section whose interfaces differ in link type or
/// snapshot length, or sections in different byte orders. It stops at that point; this reader then
/// reports <see cref="AnomalyKind.MalformedCaptureRecord"/> with libpcap's message (kept in
/// <see cref="LastError"/>) and ends. A cut-off file reports <see cref="AnomalyKind.TruncatedFile"/>.
/// SharpPcap allocates a small header object per packet; the managed reader does not.</para>
/// </remarks>
public sealed class SharpPcapCaptureReader : ICaptureReader
{
    private readonly CaptureFileReaderDevice _device;
    private IAnomalySink _anomalies;
    private readonly int _linkType;
    private long _lastFrame;
    private bool _done;

    /// <summary>Opens <paramref name="path"/> with libpcap.</summary>
    /// <param name="path">A capture file (libpcap cannot read standard input through SharpPcap).</param>
    /// <param name="limits">Limits (libpcap enforces its own record limit of 256 KiB).</param>
    /// <param name="anomalies">Receives a cut-off or damaged file.</param>
    /// <param name="filter">An optional BPF filter (tcpdump syntax); only matching frames are read.</param>
    /// <exception cref="CaptureFileException">The file cannot be opened, libpcap is missing, or the filter does not compile.</exception>
    public SharpPcapCaptureReader(string path, FtpTraceLimits limits, IAnomalySink anomalies, string? filter = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(anomalies);
        Name = path;
        _anomalies = anomalies;
        if (Directory.Exists(path)) throw new CaptureFileException(path, "is a directory, not a capture file");
        if (!File.Exists(path)) throw new CaptureFileException(path, "no such file");
        Length = new FileInfo(path).Length;
        if (Length == 0) throw new CaptureFileException(path, "empty file");
        _device = new CaptureFileReaderDevice(path);
        try
        {
            _device.Open(new DeviceConfiguration { TimestampResolution = TimestampResolution.Nanosecond });
            int dlt = (int)_device.LinkType;
            _linkType = dlt == (int)Capture.LinkType.RawBsd12 ? (int)Capture.LinkType.Raw : dlt;
        }
        catch (Exception e) when (e is PcapException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            _device.Dispose();
            string reason = e is PcapException
                ? $"libpcap cannot read it ({e.Message.Replace("Unable to open offline adapter: ", "", StringComparison.Ordinal)})"
                : $"libpcap is not available ({e.GetBaseException().Message})";
            throw new CaptureFileException(path, reason, e);
        }
        if (filter is not null)
        {
            try
            {
                _device.Filter = filter;
            }
            catch (PcapException e)
            {
                _device.Dispose();
                throw new CaptureFileException(path, $"invalid BPF filter \"{filter}\" ({e.Message})", e);
            }
        }
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    /// <remarks>libpcap does not tell: always 0.</remarks>
    public long Position => 0;

    /// <inheritdoc/>
    public long Length { get; }

    /// <summary>Where libpcap's errors are reported; see <see cref="FtpTrace.Analysis.DecodeAhead"/>.</summary>
    internal IAnomalySink Anomalies
    {
        get => _anomalies;
        set => _anomalies = value;
    }

    /// <summary>libpcap's message when it stopped on an error; null otherwise.</summary>
    public string? LastError { get; private set; }

    /// <inheritdoc/>
    public bool TryReadNext(out CaptureFrame frame)
    {
        frame = default;
        if (_done) return false;
        var status = _device.GetNextPacket(out PacketCapture capture);
        if (status == GetPacketStatus.PacketRead)
        {
            long ns = (long)(capture.Header.Timeval.Value * 1_000_000_000m);
            int original = capture.Header is PcapHeader h ? (int)Math.Min(h.PacketLength, int.MaxValue) : capture.Data.Length;
            frame = new CaptureFrame(++_lastFrame, ns, _linkType, original, capture.Data);
            return true;
        }
        _done = true;
        if (status == GetPacketStatus.Error)
        {
            LastError = _device.LastError;
            var kind = LastError.Contains("truncated", StringComparison.OrdinalIgnoreCase)
                ? AnomalyKind.TruncatedFile
                : AnomalyKind.MalformedCaptureRecord;
            _anomalies.Report(new Anomaly(kind, _lastFrame + 1, 0, 0, $"libpcap stopped: {LastError}"));
        }
        return false;
    }

    public void Dispose() => _device.Dispose();
}
