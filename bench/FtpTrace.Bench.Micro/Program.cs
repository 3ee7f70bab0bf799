using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FtpTrace.Bench;

/// <summary>
/// Micro-benchmarks of the hot stages: <c>dotnet run -c Release --project bench/FtpTrace.Bench.Micro -- --filter '*' [--job short]</c>.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(new BytesPerNsColumn());
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}

/// <summary>
/// Bytes processed per nanosecond: the benchmark class's static <c>BytesPerOperation</c> entry for
/// the method, divided by the mean time per operation. "-" where bytes are not the measure.
/// </summary>
internal sealed class BytesPerNsColumn : IColumn
{
    public string Id => nameof(BytesPerNsColumn);
    public string ColumnName => "Bytes/ns";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Bytes processed per nanosecond (bytes per operation / mean time per operation)";

    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var field = benchmarkCase.Descriptor.Type.GetField("BytesPerOperation", BindingFlags.Public | BindingFlags.Static);
        if (field?.GetValue(null) is not IReadOnlyDictionary<string, double> table
            || !table.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out double bytes))
            return "-";
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || statistics.Mean <= 0) return "?";
        return (bytes / statistics.Mean).ToString("F2", CultureInfo.InvariantCulture);
    }
}
