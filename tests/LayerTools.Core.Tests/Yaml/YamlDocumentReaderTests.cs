using System.Text.Json.Nodes;
using LayerTools.Yaml;

namespace LayerTools.Core.Tests.Yaml;

public sealed class YamlDocumentReaderTests
{
    [Fact]
    public void NodesComeBackAsJsonWithTheirLines()
    {
        const string yaml = "stages:\n  - name: build\n    from: busybox:1\n    steps:\n      - run: echo hi\n      - copy: {src: a, dest: /b, chmod: 755}\n";
        var root = YamlDocumentReader.Read(yaml, out var lines)!;
        var stage = root["stages"]![0]!;
        Assert.Equal("build", (string?)stage["name"]);
        Assert.Equal("echo hi", (string?)stage["steps"]![0]!["run"]);
        Assert.Equal(755L, stage["steps"]![1]!["copy"]!["chmod"]!.GetValue<long>());
        Assert.Equal(3, lines["/stages/0/from"]);
        Assert.Equal(6, lines["/stages/0/steps/1/copy/dest"]);
    }

    [Fact]
    public void QuotedScalarsStayStrings()
    {
        var root = YamlDocumentReader.Read("a: '0755'\nb: \"true\"\nc: true\nd: ~\n", out _)!;
        Assert.Equal("0755", (string?)root["a"]);
        Assert.Equal("true", (string?)root["b"]);
        Assert.True(root["c"]!.GetValue<bool>());
        Assert.Null(root["d"]);
    }

    [Theory]
    [InlineData("a: [1, 2\nb: 3\n", "line ")]
    [InlineData("a: 1\na: 2\n", "line 2: key 'a' appears twice")]
    [InlineData("a: *nope\n", "line 1: unknown alias")]
    public void BadYamlNamesTheLine(string yaml, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => YamlDocumentReader.Read(yaml, out _));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnchorsAndAliasesAreCopies()
    {
        var root = YamlDocumentReader.Read("base: &b {from: x}\nother: *b\n", out _)!;
        Assert.Equal("x", (string?)root["other"]!["from"]);
        Assert.NotSame(root["base"], root["other"]);
        Assert.IsType<JsonObject>(root["other"]);
    }
}
