namespace FtpTrace.Capture;

/// <summary>
/// One frame as read from a capture. <see cref="Data"/> points into the reader's buffer and is
/// valid only until the next read: copy what must outlive it.
/// </summary>
public readonly ref struct CaptureFrame
{
    public CaptureFrame(long number, long timestampNs, int linkType, int originalLength, ReadOnlySpan<byte> data)
    {
        Number = number;
        TimestampNs = timestampNs;
        LinkType = linkType;
        OriginalLength = originalLength;
        Data = data;
    }

    /// <summary>1-based position of the frame in its file (across all pcapng sections).</summary>
    public long Number { get; }

    /// <summary>Capture time in nanoseconds since the Unix epoch (UTC).</summary>
    public long TimestampNs { get; }

    /// <summary>The LINKTYPE_ value of the frame's interface (see <see cref="Capture.LinkType"/>).</summary>
    public int LinkType { get; }

    /// <summary>The length of the frame on the wire; larger than <c>Data.Length</c> when the snapshot length cut it.</summary>
    public int OriginalLength { get; }

    /// <summary>The captured bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }
}
