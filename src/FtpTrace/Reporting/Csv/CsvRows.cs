using CsvHelper.Configuration;

namespace FtpTrace.Reporting.Csv;

// One row type and one map per CSV file. Column names and order live in the maps; the columns
// the README documents come first, in that order, and extra columns only ever follow them.

public sealed record ReplyRow(string File, long Session, long Frame, string Time, string Client, string Server,
    int Code, string Meaning, string Text, string Command, string Argument, string LatencyMs,
    string Role, string CommandFrame, string Unexpected, int Lines, long EndFrame);

public sealed class ReplyRowMap : ClassMap<ReplyRow>
{
    public ReplyRowMap()
    {
        int i = 0;
        Map(r => r.File).Index(i++).Name("file");
        Map(r => r.Session).Index(i++).Name("session");
        Map(r => r.Frame).Index(i++).Name("frame");
        Map(r => r.Time).Index(i++).Name("time");
        Map(r => r.Client).Index(i++).Name("client");
        Map(r => r.Server).Index(i++).Name("server");
        Map(r => r.Code).Index(i++).Name("code");
        Map(r => r.Meaning).Index(i++).Name("meaning");
        Map(r => r.Text).Index(i++).Name("text");
        Map(r => r.Command).Index(i++).Name("command");
        Map(r => r.Argument).Index(i++).Name("argument");
        Map(r => r.LatencyMs).Index(i++).Name("latency_ms");
        Map(r => r.Role).Index(i++).Name("role");
        Map(r => r.CommandFrame).Index(i++).Name("command_frame");
        Map(r => r.Unexpected).Index(i++).Name("unexpected");
        Map(r => r.Lines).Index(i++).Name("lines");
        Map(r => r.EndFrame).Index(i).Name("end_frame");
    }
}

public sealed record CommandRow(string File, long Session, long Frame, string Time, string Client, string Server,
    string Command, string Argument, string ReplyCode, string LatencyMs, int PreliminaryReplies, string ReplyFrame);

public sealed class CommandRowMap : ClassMap<CommandRow>
{
    public CommandRowMap()
    {
        int i = 0;
        Map(r => r.File).Index(i++).Name("file");
        Map(r => r.Session).Index(i++).Name("session");
        Map(r => r.Frame).Index(i++).Name("frame");
        Map(r => r.Time).Index(i++).Name("time");
        Map(r => r.Client).Index(i++).Name("client");
        Map(r => r.Server).Index(i++).Name("server");
        Map(r => r.Command).Index(i++).Name("command");
        Map(r => r.Argument).Index(i++).Name("argument");
        Map(r => r.ReplyCode).Index(i++).Name("reply_code");
        Map(r => r.LatencyMs).Index(i++).Name("latency_ms");
        Map(r => r.PreliminaryReplies).Index(i++).Name("preliminary_replies");
        Map(r => r.ReplyFrame).Index(i).Name("reply_frame");
    }
}

public sealed record SessionRow(string File, long Session, string Client, string Server, string Start, string End,
    string User, string Login, long Commands, long Replies, long Errors, string Encrypted, long Anomalies,
    string Anonymous, string EncryptedFromFrame, long EncryptedBytes, int LoginsOk, int LoginsFailed, string LastDirectory);

public sealed class SessionRowMap : ClassMap<SessionRow>
{
    public SessionRowMap()
    {
        int i = 0;
        Map(r => r.File).Index(i++).Name("file");
        Map(r => r.Session).Index(i++).Name("session");
        Map(r => r.Client).Index(i++).Name("client");
        Map(r => r.Server).Index(i++).Name("server");
        Map(r => r.Start).Index(i++).Name("start");
        Map(r => r.End).Index(i++).Name("end");
        Map(r => r.User).Index(i++).Name("user");
        Map(r => r.Login).Index(i++).Name("login");
        Map(r => r.Commands).Index(i++).Name("commands");
        Map(r => r.Replies).Index(i++).Name("replies");
        Map(r => r.Errors).Index(i++).Name("errors");
        Map(r => r.Encrypted).Index(i++).Name("encrypted");
        Map(r => r.Anomalies).Index(i++).Name("anomalies");
        Map(r => r.Anonymous).Index(i++).Name("anonymous");
        Map(r => r.EncryptedFromFrame).Index(i++).Name("encrypted_from_frame");
        Map(r => r.EncryptedBytes).Index(i++).Name("encrypted_bytes");
        Map(r => r.LoginsOk).Index(i++).Name("logins_ok");
        Map(r => r.LoginsFailed).Index(i++).Name("logins_failed");
        Map(r => r.LastDirectory).Index(i).Name("last_directory");
    }
}

public sealed record CodeRow(int Code, string Meaning, long Count, string Source);

public sealed class CodeRowMap : ClassMap<CodeRow>
{
    public CodeRowMap()
    {
        Map(r => r.Code).Index(0).Name("code");
        Map(r => r.Meaning).Index(1).Name("meaning");
        Map(r => r.Count).Index(2).Name("count");
        Map(r => r.Source).Index(3).Name("meaning_source");
    }
}

public sealed record AnomalyRow(string File, string Session, string Frame, string Time, string Kind, string Detail);

public sealed class AnomalyRowMap : ClassMap<AnomalyRow>
{
    public AnomalyRowMap()
    {
        Map(r => r.File).Index(0).Name("file");
        Map(r => r.Session).Index(1).Name("session");
        Map(r => r.Frame).Index(2).Name("frame");
        Map(r => r.Time).Index(3).Name("time");
        Map(r => r.Kind).Index(4).Name("kind");
        Map(r => r.Detail).Index(5).Name("detail");
    }
}

public sealed record CommandSummaryRow(string Command, long Count, long Replies1xx, long Replies2xx, long Replies3xx,
    long Replies4xx, long Replies5xx, string P50, string P90, string P99, string Max, long WithoutReply);

public sealed class CommandSummaryRowMap : ClassMap<CommandSummaryRow>
{
    public CommandSummaryRowMap()
    {
        int i = 0;
        Map(r => r.Command).Index(i++).Name("command");
        Map(r => r.Count).Index(i++).Name("count");
        Map(r => r.Replies1xx).Index(i++).Name("replies_1xx");
        Map(r => r.Replies2xx).Index(i++).Name("replies_2xx");
        Map(r => r.Replies3xx).Index(i++).Name("replies_3xx");
        Map(r => r.Replies4xx).Index(i++).Name("replies_4xx");
        Map(r => r.Replies5xx).Index(i++).Name("replies_5xx");
        Map(r => r.P50).Index(i++).Name("latency_p50_ms");
        Map(r => r.P90).Index(i++).Name("latency_p90_ms");
        Map(r => r.P99).Index(i++).Name("latency_p99_ms");
        Map(r => r.Max).Index(i++).Name("latency_max_ms");
        Map(r => r.WithoutReply).Index(i).Name("without_reply");
    }
}

public sealed record UserRow(string User, long Clients, long Sessions, long LoginsOk, long LoginsFailed, long Commands, long Errors);

public sealed class UserRowMap : ClassMap<UserRow>
{
    public UserRowMap()
    {
        int i = 0;
        Map(r => r.User).Index(i++).Name("user");
        Map(r => r.Clients).Index(i++).Name("clients");
        Map(r => r.Sessions).Index(i++).Name("sessions");
        Map(r => r.LoginsOk).Index(i++).Name("logins_ok");
        Map(r => r.LoginsFailed).Index(i++).Name("logins_failed");
        Map(r => r.Commands).Index(i++).Name("commands");
        Map(r => r.Errors).Index(i).Name("errors");
    }
}

public sealed record TransferRow(string File, long Session, string Command, string Path, string Direction, long Bytes, string Start, string End,
    string DurationMs, string ThroughputBps, string ReplyCode, string Complete, string DataClient, string DataServer,
    string Mode, long Rest, string AnnouncedSize, string Encrypted, string Type, string Aborted, long MissingBytes, string Unannounced,
    string DataConnection, long CommandFrame, string ReplyFrame);

public sealed class TransferRowMap : ClassMap<TransferRow>
{
    public TransferRowMap()
    {
        int i = 0;
        Map(r => r.File).Index(i++).Name("file");
        Map(r => r.Session).Index(i++).Name("session");
        Map(r => r.Command).Index(i++).Name("command");
        Map(r => r.Path).Index(i++).Name("path");
        Map(r => r.Direction).Index(i++).Name("direction");
        Map(r => r.Bytes).Index(i++).Name("bytes");
        Map(r => r.Start).Index(i++).Name("start");
        Map(r => r.End).Index(i++).Name("end");
        Map(r => r.DurationMs).Index(i++).Name("duration_ms");
        Map(r => r.ThroughputBps).Index(i++).Name("throughput_bps");
        Map(r => r.ReplyCode).Index(i++).Name("reply_code");
        Map(r => r.Complete).Index(i++).Name("complete");
        Map(r => r.DataClient).Index(i++).Name("data_client");
        Map(r => r.DataServer).Index(i++).Name("data_server");
        Map(r => r.Mode).Index(i++).Name("mode");
        Map(r => r.Rest).Index(i++).Name("rest");
        Map(r => r.AnnouncedSize).Index(i++).Name("announced_size");
        Map(r => r.Encrypted).Index(i++).Name("encrypted");
        Map(r => r.Type).Index(i++).Name("type");
        Map(r => r.Aborted).Index(i++).Name("aborted");
        Map(r => r.MissingBytes).Index(i++).Name("missing_bytes");
        Map(r => r.Unannounced).Index(i++).Name("unannounced");
        Map(r => r.DataConnection).Index(i++).Name("data_connection");
        Map(r => r.CommandFrame).Index(i++).Name("command_frame");
        Map(r => r.ReplyFrame).Index(i).Name("reply_frame");
    }
}
