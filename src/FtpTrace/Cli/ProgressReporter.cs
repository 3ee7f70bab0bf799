using System.Diagnostics;
using System.Globalization;
using FtpTrace.Reporting;

namespace FtpTrace.Cli;

/// <summary>
/// One status line on standard error while a long run goes on: files done, bytes read, rate and
/// time left. Shown only when standard error is a terminal; silent when it is redirected.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private static readonly long IntervalTicks = Stopwatch.Frequency / 4;
    private readonly TextWriter _out;
    private readonly bool _enabled;
    private readonly long _totalBytes;
    private readonly int _totalFiles;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw;
    private long _doneBytes;
    private int _doneFiles;
    private bool _drawn;

    public ProgressReporter(TextWriter output, bool enabled, int totalFiles, long totalBytes)
    {
        _out = output;
        _enabled = enabled;
        _totalFiles = totalFiles;
        _totalBytes = totalBytes;
    }

    /// <summary>Position inside the current file.</summary>
    public void Update(long positionInFile)
    {
        if (!_enabled) return;
        long now = _clock.ElapsedTicks;
        if (now - _lastDraw < IntervalTicks) return;
        _lastDraw = now;
        Draw(_doneBytes + positionInFile);
    }

    public void FileDone(long fileBytes)
    {
        _doneFiles++;
        _doneBytes += Math.Max(0, fileBytes);
    }

    public void Dispose()
    {
        if (_enabled && _drawn) _out.Write("\r\u001b[K");
    }

    private void Draw(long bytes)
    {
        double seconds = Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        double rate = bytes / seconds;
        string left = _totalBytes > 0 && rate > 0 && bytes < _totalBytes
            ? $", {TimeSpan.FromSeconds((_totalBytes - bytes) / rate):hh\\:mm\\:ss} left"
            : "";
        string text = string.Create(CultureInfo.InvariantCulture,
            $"  {_doneFiles}/{_totalFiles} files, {Formats.Bytes(bytes)}{(_totalBytes > 0 ? " of " + Formats.Bytes(_totalBytes) : "")}, {Formats.Bytes((long)rate)}/s{left}");
        _out.Write("\r\u001b[K" + text);
        _drawn = true;
    }
}
