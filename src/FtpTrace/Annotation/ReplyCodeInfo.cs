namespace FtpTrace.Annotation;

/// <summary>Where a reply code's meaning comes from.</summary>
public enum ReplyCodeSource
{
    /// <summary>The reference table (shared/seeds/ftp-reply-codes.md), word for word.</summary>
    Table,
    /// <summary>A series line of the reference table (1xx ... 6xx, 10000).</summary>
    Series,
    /// <summary>Not in the table: derived from the digits per RFC 959 section 4.2.</summary>
    Derived,
}

/// <summary>A reply code and its documented meaning.</summary>
public sealed record ReplyCodeInfo(int Code, string Meaning, ReplyCodeSource Source);
