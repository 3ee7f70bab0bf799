namespace FtpTrace.Capture;

/// <summary>
/// A pull reader over one capture (pcap or pcapng). Implementations: <c>ManagedCaptureReader</c>
/// (built-in, zero-copy, no native dependency) and <c>SharpPcapCaptureReader</c> (libpcap).
/// </summary>
/// <remarks>
/// Damage inside the file (a record cut short, a nonsensical length) is reported to the
/// <see cref="Diagnostics.IAnomalySink"/> given at open time and ends or skips reading; it is never
/// thrown. Only a file that cannot be used at all throws <see cref="Diagnostics.CaptureFileException"/>, at open.
/// </remarks>
public interface ICaptureReader : IDisposable
{
    /// <summary>The file path, or <c>-</c> for standard input.</summary>
    string Name { get; }

    /// <summary>Bytes of the file consumed so far (for progress); 0 if the reader cannot tell.</summary>
    long Position { get; }

    /// <summary>Total bytes of the input when known (a regular file), else -1.</summary>
    long Length { get; }

    /// <summary>Reads the next frame; false at the end of the capture (clean or cut short).</summary>
    bool TryReadNext(out CaptureFrame frame);
}

/// <summary>Which implementation reads captures.</summary>
public enum CaptureReaderKind
{
    /// <summary>The default: decided by measurement (see bench/README.md).</summary>
    Auto,
    Managed,
    LibPcap,
}
