using LayerTools.Core.Build.Copy;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Build;

public sealed class PathMatchTests
{
    [Theory]
    [InlineData("*.json", "package.json", true)]
    [InlineData("*.json", "src/package.json", false)]
    [InlineData("src/*.js", "src/a.js", true)]
    [InlineData("src/*", "src/sub/a.js", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "a/c", false)]
    [InlineData("[a-c]x", "bx", true)]
    [InlineData("[^a-c]x", "bx", false)]
    [InlineData("[^a-c]x", "dx", true)]
    [InlineData("\\*", "*", true)]
    [InlineData("\\*", "a", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "axxbyyc", true)]
    [InlineData("a*b*c", "axxbyy", false)]
    public void MatchesAsGoFilepathMatch(string pattern, string name, bool expected) => Assert.Equal(expected, PathMatch.IsMatch(pattern, name));

    [Theory]
    [InlineData("[")]
    [InlineData("[a-")]
    [InlineData("x\\")]
    [InlineData("[]a]")]
    public void BadPatternsAreErrors(string pattern) => LayerAssert.Throws("InvalidPattern", () => PathMatch.IsMatch(pattern, "a"));
}
