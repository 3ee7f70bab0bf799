using System.IO.Compression;
using System.Text;

namespace FtpTrace.LogSources;

/// <summary>
/// Opens a log file (plain or gzip-compressed, recognised by its magic bytes, whatever its name)
/// and reads it line by line: LF or CR LF ends a line, a line longer than
/// <see cref="MaxLineChars"/> is cut there (the rest is skipped), bytes that are not UTF-8 are
/// read as Latin-1 (Windows servers write their code page), a UTF-8 byte order mark is skipped.
/// </summary>
internal sealed class LogFile : IDisposable
{
    /// <summary>Longest line kept, in bytes.</summary>
    public const int MaxLineChars = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _raw;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;
    private readonly MemoryStream _long = new();

    private LogFile(Stream raw, Stream stream)
    {
        _raw = raw;
        _stream = stream;
    }

    /// <summary>The 1-based number of the last line returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Compressed bytes read from the file so far.</summary>
    public long Position => _raw.CanSeek ? _raw.Position : 0;

    /// <summary>True when the last line returned was cut at <see cref="MaxLineChars"/>.</summary>
    public bool LastLineCut { get; private set; }

    /// <exception cref="IOException">The file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be opened.</exception>
    public static LogFile Open(string path)
    {
        var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        try
        {
            return new LogFile(raw, Decompressing(raw));
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    /// <summary>The stream, decompressed when it starts with the gzip magic; seekable streams only.</summary>
    public static Stream Decompressing(Stream raw)
    {
        Span<byte> head = stackalloc byte[2];
        int n = raw.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        raw.Position = 0;
        return n == 2 && head[0] == 0x1F && head[1] == 0x8B ? new GZipStream(raw, CompressionMode.Decompress) : raw;
    }

    /// <summary>Reads the next line; false at the end of the file.</summary>
    /// <exception cref="IOException">Reading failed.</exception>
    /// <exception cref="InvalidDataException">The gzip stream is damaged.</exception>
    public bool TryReadLine(out string line)
    {
        _long.SetLength(0);
        LastLineCut = false;
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                line = Finish(_buffer.AsSpan(_start, nl - _start));
                _start = nl + 1;
                return true;
            }
            if (_eof)
            {
                if (_start == _end && _long.Length == 0)
                {
                    line = "";
                    return false;
                }
                line = Finish(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                return true;
            }
            // Keep the partial line, refill.
            if (_start > 0)
            {
                if (_start == _end) _start = _end = 0;
                else if (_end == _buffer.Length)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
            }
            if (_end == _buffer.Length)
            {
                // The whole buffer is one unfinished line: set it aside (up to the cap).
                Keep(_buffer.AsSpan(_start, _end - _start));
                _start = _end = 0;
            }
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _eof = true;
            else _end += read;
        }
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        int room = MaxLineChars - (int)_long.Length;
        if (bytes.Length > room)
        {
            LastLineCut = true;
            bytes = bytes[..Math.Max(0, room)];
        }
        _long.Write(bytes);
    }

    private string Finish(ReadOnlySpan<byte> tail)
    {
        LineNumber++;
        ReadOnlySpan<byte> bytes;
        if (_long.Length > 0)
        {
            Keep(tail);
            bytes = _long.GetBuffer().AsSpan(0, (int)_long.Length);
        }
        else
        {
            if (tail.Length > MaxLineChars)
            {
                LastLineCut = true;
                tail = tail[..MaxLineChars];
            }
            bytes = tail;
        }
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        if (LineNumber == 1 && bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        return Decode(bytes);
    }

    /// <summary>UTF-8 when valid, else Latin-1 (every byte one character).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return StrictUtf8.GetString(bytes);
        return Encoding.Latin1.GetString(bytes);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _raw.Dispose();
        _long.Dispose();
    }
}
