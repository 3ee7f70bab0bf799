using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using CsvHelper;
using CsvHelper.Configuration;

namespace FtpTrace.Reporting.Csv;

/// <summary>
/// Writes rows of one type field by field through <see cref="CsvWriter.WriteField(string)"/>, with
/// one compiled getter per column taken from the row's <see cref="ClassMap{TClass}"/> (which stays
/// the single place that names and orders the columns). CsvWriter.WriteRecord builds a record
/// writer for every row; this path costs a delegate call per cell and boxes nothing.
/// </summary>
internal sealed class RowFieldWriter<TRow>
{
    private static readonly System.Buffers.SearchValues<char> QuoteTriggers = System.Buffers.SearchValues.Create(",\"\r\n");
    private readonly Func<TRow, string>[] _getters;

    public RowFieldWriter(ClassMap<TRow> map)
    {
        var members = map.MemberMaps.OrderBy(m => m.Data.Index).ToList();
        _getters = members.Select(m => Compile(m.Data.Member
            ?? throw new InvalidOperationException($"{typeof(TRow).Name}: a column without a member"))).ToArray();
    }

    public void Write(CsvWriter csv, TRow row)
    {
        foreach (var get in _getters)
        {
            string cell = get(row);
            // Quoted exactly when RFC 4180 needs it; deciding here spares CsvHelper a delegate call per cell.
            csv.WriteField(cell, cell.AsSpan().IndexOfAny(QuoteTriggers) >= 0);
        }
        csv.NextRecord();
    }

    private static Func<TRow, string> Compile(MemberInfo member)
    {
        var row = Expression.Parameter(typeof(TRow), "row");
        Expression value = Expression.MakeMemberAccess(row, member);
        Expression text = value.Type switch
        {
            var t when t == typeof(string) => Expression.Coalesce(value, Expression.Constant("")),
            var t when t == typeof(bool) => Expression.Condition(value, Expression.Constant("true"), Expression.Constant("false")),
            var t when t == typeof(int) || t == typeof(long) => Expression.Call(value,
                t.GetMethod(nameof(int.ToString), [typeof(IFormatProvider)])!, Expression.Constant(CultureInfo.InvariantCulture, typeof(IFormatProvider))),
            var t => throw new NotSupportedException($"{typeof(TRow).Name}.{member.Name}: column type {t.Name} has no CSV form here"),
        };
        return Expression.Lambda<Func<TRow, string>>(text, row).Compile();
    }
}
