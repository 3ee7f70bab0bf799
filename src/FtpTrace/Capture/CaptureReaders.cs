using System.IO.Compression;
using System.Runtime.InteropServices;
using FtpTrace.Diagnostics;

namespace FtpTrace.Capture;

/// <summary>Opens capture readers and answers questions about capture files.</summary>
public static class CaptureReaders
{
    /// <summary>The path that means standard input.</summary>
    public const string StandardInput = "-";

    private static readonly Lazy<bool> LibPcapProbe = new(ProbeLibPcap);

    /// <summary>True when native libpcap (or Npcap's wpcap) can be loaded; probed once.</summary>
    public static bool IsLibPcapAvailable => LibPcapProbe.Value;

    /// <summary>
    /// Opens a capture. <paramref name="path"/> <c>-</c> reads standard input with the managed
    /// reader whatever <paramref name="kind"/> says. <see cref="CaptureReaderKind.Auto"/> is the
    /// managed reader for now (the benchmark decides later).
    /// </summary>
    /// <exception cref="CaptureFileException">The file cannot be read as a capture, or libpcap was asked for and is missing.</exception>
    /// <param name="decodeAhead">
    /// The analysis will read the capture on a thread of its own (<see cref="FtpTrace.Analysis.DecodeAhead"/>):
    /// an uncompressed file then needs no read-ahead thread besides.
    /// </param>
    public static ICaptureReader Open(string path, CaptureReaderKind kind, FtpTraceLimits limits, IAnomalySink anomalies, bool decodeAhead = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path == StandardInput)
            return new ManagedCaptureReader(Console.OpenStandardInput(), StandardInput, limits, anomalies);
        if (kind == CaptureReaderKind.LibPcap)
        {
            if (!IsLibPcapAvailable) throw new CaptureFileException(path, "libpcap was asked for but is not installed (install libpcap, or use the managed reader)");
            return new SharpPcapCaptureReader(path, limits, anomalies);
        }
        return new ManagedCaptureReader(path, limits, anomalies, readAheadUncompressed: !decodeAhead);
    }

    /// <summary>
    /// True when the file starts with a pcap or pcapng magic number (looking inside gzip
    /// compression). Never throws: an unreadable file is simply not a capture.
    /// </summary>
    public static bool LooksLikeCapture(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            Span<byte> head = stackalloc byte[4];
            int n = file.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            var format = CaptureMagic.Identify(head[..n]);
            if (format != CaptureFormat.Gzip) return format != CaptureFormat.Unknown;
            file.Position = 0;
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            n = gzip.ReadAtLeast(head, 4, throwOnEndOfStream: false);
            format = CaptureMagic.Identify(head[..n]);
            return format is not (CaptureFormat.Unknown or CaptureFormat.Gzip);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    private static bool ProbeLibPcap()
    {
        foreach (var name in (string[])["libpcap.so.1", "libpcap.so.0.8", "libpcap.so", "libpcap.A.dylib", "libpcap.dylib", "wpcap"])
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                NativeLibrary.Free(handle);
                return true;
            }
        }
        return false;
    }
}
