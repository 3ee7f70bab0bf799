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
    private readonly Column[] _columns;

    public RowFieldWriter(ClassMap<TRow> map)
    {
        var members = map.MemberMaps.OrderBy(m => m.Data.Index).ToList();
        _columns = members.Select(m => m.Data.Member ?? throw new InvalidOperationException($"{typeof(TRow).Name}: a column without a member"))
            .Select(member => new Column(Compile(member), IsText: TypeOf(member) == typeof(string))).ToArray();
    }

    public void Write(CsvWriter csv, TRow row)
    {
        foreach (var column in _columns)
        {
            string cell = column.Get(row);
            // Quoted exactly when RFC 4180 needs it; deciding here spares CsvHelper a delegate call per cell.
            // Numbers and booleans never need it, so only text cells are searched.
            csv.WriteField(cell, column.IsText && cell.AsSpan().IndexOfAny(QuoteTriggers) >= 0);
        }
        csv.NextRecord();
    }

    private readonly record struct Column(Func<TRow, string> Get, bool IsText);

    private static Type TypeOf(MemberInfo member) => member switch
    {
        PropertyInfo p => p.PropertyType,
        FieldInfo f => f.FieldType,
        _ => typeof(object),
    };

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
