namespace FtpTrace;

internal static class Program
{
    private static int Main(string[] args)
    {
        _ = args;
        Console.Error.WriteLine("ftptrace: not wired yet");
        return 2;
    }
}
