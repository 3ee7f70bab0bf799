namespace FtpTrace.Protocol;

/// <summary>
/// A command line from the client, Telnet sequences removed.
/// </summary>
/// <param name="Verb">The verb exactly as sent (case kept); unknown verbs are kept too.</param>
/// <param name="Argument">Everything after the space that follows the verb, as sent; empty when none.</param>
/// <param name="Frame">Frame that carried the first byte of the line.</param>
/// <param name="TimeNs">Time of that frame, ns since the Unix epoch.</param>
public sealed record FtpCommand(string Verb, string Argument, long Frame, long TimeNs)
{
    /// <summary>The verb in upper case (ASCII), for matching.</summary>
    public string NormalizedVerb { get; } = Verb.ToUpperInvariant();
}

/// <summary>
/// A complete reply from the server: one line, or a whole RFC 959 multi-line block.
/// </summary>
/// <param name="Code">The three-digit code (100-999 as sent; values outside 100..659 are kept if they parsed).</param>
/// <param name="Text">
/// The message: the reply's lines joined with <c>\n</c>, terminators removed, and on each line a
/// leading <c>NNN-</c> or <c>NNN </c> carrying the reply's own code removed; nothing else changed.
/// </param>
/// <param name="LineCount">Number of lines the reply spanned.</param>
/// <param name="Frame">Frame that carried the first byte of the reply.</param>
/// <param name="TimeNs">Time of that frame.</param>
/// <param name="EndFrame">Frame that carried the end of the reply's last line.</param>
/// <param name="EndTimeNs">Time of that frame.</param>
public sealed record FtpReply(int Code, string Text, int LineCount, long Frame, long TimeNs, long EndFrame, long EndTimeNs)
{
    public bool IsMultiline => LineCount > 1;

    /// <summary>1 for 1xx, 2 for 2xx ...</summary>
    public int Class => Code / 100;

    public bool IsPreliminary => Code is >= 100 and < 200;
}

/// <summary>Receives what the control-connection parsers find, in stream order per direction.</summary>
public interface IFtpMessageHandler
{
    void OnCommand(FtpCommand command);
    void OnReply(FtpReply reply);
}
