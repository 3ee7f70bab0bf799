using FtpTrace.Decoding;
using FtpTrace.Reporting.Statistics;

namespace FtpTrace.Tests.Reporting;

public sealed class AddressSetTests
{
    private static readonly IpAddress A = IpAddress.FromV4(0x0A000001);
    private static readonly IpAddress B = IpAddress.FromV4(0x0A000002);
    private static readonly IpAddress C = IpAddress.FromV6(new byte[16] { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 });

    [Fact]
    public void CountsDistinctAddresses()
    {
        var set = new AddressSet();
        Assert.Equal(0, set.Count);
        set.Add(A);
        set.Add(A);
        Assert.Equal(1, set.Count);
        set.Add(B);
        set.Add(A);
        Assert.Equal(2, set.Count);
        set.Add(C);
        set.Add(B);
        Assert.Equal(3, set.Count);
    }

    [Fact]
    public void UnionCountsEachAddressOnce()
    {
        var one = new AddressSet();
        one.Add(A);
        var two = new AddressSet();
        two.Add(A);
        two.Add(B);
        var empty = new AddressSet();

        var total = new AddressSet();
        total.UnionWith(empty);
        Assert.Equal(0, total.Count);
        total.UnionWith(one);
        Assert.Equal(1, total.Count);
        total.UnionWith(two);
        Assert.Equal(2, total.Count);
        total.UnionWith(one);
        Assert.Equal(2, total.Count);
    }
}
