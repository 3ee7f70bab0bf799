namespace FtpTrace.Diagnostics;

/// <summary>
/// Every limit that bounds memory or work, with its default. Immutable; built once from the
/// command line and handed to the stages that enforce it. When a limit is reached the stage
/// truncates or evicts, reports the matching <see cref="AnomalyKind"/>, and goes on.
/// </summary>
public sealed record FtpTraceLimits
{
    public static readonly FtpTraceLimits Default = new();

    // Capture
    /// <summary>Largest capture record accepted (bytes); larger lengths are treated as corruption.</summary>
    public int MaxRecordLength { get; init; } = 256 * 1024;

    // IPv4 fragments
    public int MaxFragmentedDatagrams { get; init; } = 1024;
    public int MaxFragmentBytes { get; init; } = 16 * 1024 * 1024;
    public long FragmentTimeoutNs { get; init; } = 30L * 1_000_000_000;

    // TCP connections
    public int MaxConnections { get; init; } = 200_000;
    /// <summary>A connection with no packet for this long is released (its buffered data flushed first).</summary>
    public long ConnectionIdleTimeoutNs { get; init; } = 15L * 60 * 1_000_000_000;
    /// <summary>A closed connection (FIN both ways or RST) lingers this long for late retransmissions.</summary>
    public long ClosedConnectionLingerNs { get; init; } = 10L * 1_000_000_000;

    // TCP reassembly
    /// <summary>Out-of-order bytes buffered per direction before the hole is declared a gap.</summary>
    public int MaxBufferedBytesPerDirection { get; init; } = 1024 * 1024;
    /// <summary>Out-of-order segments buffered per direction before the hole is declared a gap.</summary>
    public int MaxBufferedSegmentsPerDirection { get; init; } = 1024;

    // FTP
    public int MaxLineLength { get; init; } = 4096;
    public int MaxPendingCommands { get; init; } = 64;
    /// <summary>Lines kept in one multi-line reply before further lines are dropped (counted).</summary>
    public int MaxReplyLines { get; init; } = 10_000;
    /// <summary>Bytes kept for one multi-line reply's text.</summary>
    public int MaxReplyTextBytes { get; init; } = 1024 * 1024;
}
