using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Layers;

/// <summary>How an entry name is cleaned; a name already clean is given back as the same string (no copy per index entry).</summary>
public sealed class TarPathTests
{
    [Theory]
    [InlineData("app/src/f1.js", "app/src/f1.js")]
    [InlineData("/app/src/", "app/src")]
    [InlineData("./app//src/./f1.js", "app/src/f1.js")]
    [InlineData("app/lib/../f1.js", "app/f1.js")]
    [InlineData("./", "")]
    [InlineData("", "")]
    [InlineData(".hidden/..x/x..", ".hidden/..x/x..")]
    public void NamesAreCleaned(string name, string clean) => Assert.Equal(clean, TarPath.Normalize(name));

    [Fact]
    public void ACleanNameIsTheSameStringAndAClimbStillFails()
    {
        var name = string.Concat("app/", "src/f1.js");
        Assert.Same(name, TarPath.Normalize(name));
        Assert.Throws<LayerToolsException>(() => TarPath.Normalize("app/../../etc"));
        Assert.Throws<LayerToolsException>(() => TarPath.Normalize("a\0b"));
    }
}
