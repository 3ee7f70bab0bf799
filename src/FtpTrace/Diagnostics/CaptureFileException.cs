namespace FtpTrace.Diagnostics;

/// <summary>An input that cannot be read at all (missing, unreadable, not a capture). Names the file and the reason.</summary>
public sealed class CaptureFileException : Exception
{
    public CaptureFileException(string path, string reason, Exception? inner = null)
        : base($"{path}: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }
    public string Reason { get; }
}
