using FtpTrace.Capture;
using FtpTrace.Diagnostics;
using FtpTrace.LogSources;

namespace FtpTrace.Analysis;

/// <summary>How inputs are analysed. Immutable; built once from the command line.</summary>
public sealed record AnalysisOptions
{
    public static readonly AnalysisOptions Default = new();

    public FtpTraceLimits Limits { get; init; } = FtpTraceLimits.Default;

    /// <summary>Server ports whose connections are FTP control connections without looking (21, plus --port).</summary>
    public IReadOnlySet<ushort> FtpPorts { get; init; } = new HashSet<ushort> { 21 };

    /// <summary>Recognise FTP on any other port by its behaviour (a greeting, then commands).</summary>
    public bool DetectFtpOnOtherPorts { get; init; } = true;

    public CaptureReaderKind Reader { get; init; } = CaptureReaderKind.Auto;

    /// <summary>How server logs are read (time zone, date order, custom formats).</summary>
    public LogOptions Logs { get; init; } = LogOptions.Default;
}
