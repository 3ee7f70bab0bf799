using System.Buffers.Binary;

namespace FtpTrace.Capture;

/// <summary>The first four bytes of the capture formats FtpTrace reads, and how to recognise them.</summary>
internal static class CaptureMagic
{
    /// <summary>pcap, microsecond timestamps (as read in the writer's byte order).</summary>
    public const uint PcapMicroseconds = 0xA1B2C3D4;
    /// <summary>pcap, nanosecond timestamps.</summary>
    public const uint PcapNanoseconds = 0xA1B23C4D;
    /// <summary>pcapng Section Header Block type (a palindrome: same in both byte orders).</summary>
    public const uint PcapngSectionHeader = 0x0A0D0D0A;
    /// <summary>pcapng byte-order magic inside the Section Header Block.</summary>
    public const uint PcapngByteOrder = 0x1A2B3C4D;

    public const byte Gzip0 = 0x1F;
    public const byte Gzip1 = 0x8B;

    /// <summary>What the first bytes of a file say it is.</summary>
    public static CaptureFormat Identify(ReadOnlySpan<byte> first4)
    {
        if (first4.Length >= 2 && first4[0] == Gzip0 && first4[1] == Gzip1) return CaptureFormat.Gzip;
        if (first4.Length < 4) return CaptureFormat.Unknown;
        uint le = BinaryPrimitives.ReadUInt32LittleEndian(first4);
        uint be = BinaryPrimitives.ReadUInt32BigEndian(first4);
        if (le == PcapngSectionHeader) return CaptureFormat.Pcapng;
        if (le == PcapMicroseconds || be == PcapMicroseconds) return CaptureFormat.PcapMicroseconds;
        if (le == PcapNanoseconds || be == PcapNanoseconds) return CaptureFormat.PcapNanoseconds;
        return CaptureFormat.Unknown;
    }

    /// <summary>True when <paramref name="prefix"/> (shorter than 4 bytes) is the start of a known magic.</summary>
    public static bool IsPrefixOfKnownMagic(ReadOnlySpan<byte> prefix)
    {
        if (prefix.IsEmpty || prefix.Length >= 4) return false;
        Span<byte> candidate = stackalloc byte[4];
        foreach (uint magic in (ReadOnlySpan<uint>)[PcapMicroseconds, PcapNanoseconds, PcapngSectionHeader])
        {
            BinaryPrimitives.WriteUInt32LittleEndian(candidate, magic);
            if (candidate.StartsWith(prefix)) return true;
            BinaryPrimitives.WriteUInt32BigEndian(candidate, magic);
            if (candidate.StartsWith(prefix)) return true;
        }
        return prefix.Length == 1 && prefix[0] == Gzip0;
    }

    /// <summary>The first bytes as hex for error messages, e.g. <c>0x3c68746d</c>.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);
}

/// <summary>The container format found at the start of a file.</summary>
internal enum CaptureFormat
{
    Unknown,
    PcapMicroseconds,
    PcapNanoseconds,
    Pcapng,
    Gzip,
}
