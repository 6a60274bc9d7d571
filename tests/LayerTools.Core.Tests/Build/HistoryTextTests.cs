using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public sealed class HistoryTextTests
{
    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(5L, "500ns")]
    [InlineData(15L, "1.5µs")]
    [InlineData(5_000_000L, "500ms")]
    [InlineData(15_000_000L, "1.5s")]
    [InlineData(900_000_000L, "1m30s")]
    [InlineData(36_000_000_000L, "1h0m0s")]
    [InlineData(36_610_000_000L, "1h1m1s")]
    public void DurationsReadAsGoPrintsThem(long ticks, string expected) =>
        Assert.Equal(expected, HistoryText.GoDuration(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData(0, "'\\x00'")]
    [InlineData(3, "'\\x03'")]
    [InlineData(10, "'\\n'")]
    [InlineData(65, "'A'")]
    [InlineData(39, "'\\''")]
    public void RetriesReadAsGoQuotesAnInt(int value, string expected) =>
        Assert.Equal(expected, HistoryText.GoRune(value));
}
