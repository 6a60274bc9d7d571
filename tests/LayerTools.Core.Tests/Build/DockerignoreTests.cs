using System.Text;
using LayerTools.Core.Build.Context;

namespace LayerTools.Core.Tests.Build;

public sealed class DockerignoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lt-dockerignore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertExcluded(string rules, string[] excluded, string[] included)
    {
        var m = DockerignoreMatcher.Parse(rules);
        Assert.All(excluded, p => Assert.True(m.IsExcluded(p), $"{p} should be excluded by:\n{rules}"));
        Assert.All(included, p => Assert.False(m.IsExcluded(p), $"{p} should be included with:\n{rules}"));
    }

    [Fact]
    public void Single_level_wildcards_from_the_docker_reference()
    {
        AssertExcluded("*/temp*", ["somedir/temporary.txt", "somedir/temp", "somedir/temp/x"], ["temp", "temporary.txt", "a/b/temp"]);
        AssertExcluded("*/*/temp*", ["a/b/temp", "a/b/temporary/x"], ["a/temp", "temp"]);
        AssertExcluded("temp?", ["tempa", "tempb", "tempa/inner"], ["temp", "tempab", "dir/tempa"]);
    }

    [Fact]
    public void Double_star_matches_any_number_of_directories_including_none()
    {
        AssertExcluded("**/*.go", ["main.go", "a/b/c.go", "vendor/x/y.go"], ["main.go.txt", "go"]);
        AssertExcluded("docs/**", ["docs/a", "docs/a/b.md"], ["docs2/a"]);
        AssertExcluded("a/**/z", ["a/z", "a/b/z", "a/b/c/z", "a/b/z/inner"], ["b/z", "az"]);
        AssertExcluded("**", ["anything", "a/b/c"], []);
    }

    [Fact]
    public void Exceptions_and_last_match_wins()
    {
        AssertExcluded("*.md\n!README.md", ["CHANGES.md"], ["README.md", "src/x.md"]);
        AssertExcluded("*.md\n!README*.md\nREADME-secret.md", ["CHANGES.md", "README-secret.md"], ["README.md", "README-x.md"]);
        AssertExcluded("*.md\nREADME-secret.md\n!README*.md", ["CHANGES.md"], ["README.md", "README-secret.md"]);
        AssertExcluded("docs\n!docs/keep.txt", ["docs", "docs/a.txt", "docs/sub/b"], ["docs/keep.txt", "other"]);
        AssertExcluded("!keep\nkeep", ["keep"], []);
    }

    [Fact]
    public void Paths_are_cleaned_and_one_leading_slash_dropped()
    {
        AssertExcluded("/abs", ["abs", "abs/file"], ["sub/abs"]);
        AssertExcluded("dir/", ["dir", "dir/file", "dir/sub/x"], ["dir2", "a/dir"]);
        AssertExcluded("./a/../b//c/.", ["b/c", "b/c/d"], ["a", "b"]);
        AssertExcluded("  spaced.txt  ", ["spaced.txt"], []);
    }

    [Fact]
    public void Comments_only_at_byte_zero_bom_and_dot()
    {
        AssertExcluded("# comment\n #notcomment\n\n\t\n.\n", ["#notcomment"], ["comment", "# comment", "x"]);
        AssertExcluded("\uFEFFfirst\r\nsecond\r\n", ["first", "second"], ["\uFEFFfirst"]);
        var m = DockerignoreMatcher.Parse("# a\n\nx\n!y\n");
        Assert.Equal(["x", "!y"], m.Patterns.Select(p => p.ToString()));
        Assert.Equal([3, 4], m.Patterns.Select(p => p.Line));
        Assert.True(m.HasExceptions);
    }

    [Fact]
    public void Character_classes_and_escapes_follow_go()
    {
        AssertExcluded("file[0-9].txt", ["file1.txt", "file9.txt"], ["filea.txt", "file10.txt"]);
        AssertExcluded("[^a]*.log", ["b.log", "xyz.log"], ["a.log", "abc.log"]);
        AssertExcluded("\\*.txt", ["*.txt"], ["a.txt"]);
        AssertExcluded("a\\?", ["a?"], ["ab"]);
        AssertExcluded("[a-c\\]]x", ["bx", "]x"], ["dx"]);
    }

    [Theory]
    [InlineData("ok\n!\n", ".dockerignore:2: illegal exclusion pattern: \"!\" (an exception needs a pattern after '!').")]
    [InlineData("a\nb\n[abc\n", ".dockerignore:3: syntax error in pattern \"[abc\": malformed character class.")]
    [InlineData("[]a\n", ".dockerignore:1: syntax error in pattern \"[]a\": malformed character class.")]
    [InlineData("[a-]\n", ".dockerignore:1: syntax error in pattern \"[a-]\": malformed character range.")]
    [InlineData("[z-a]\n", ".dockerignore:1: syntax error in pattern \"[z-a]\": character range z-a is out of order.")]
    [InlineData("trailing\\\n", ".dockerignore:1: syntax error in pattern \"trailing\\\": a pattern cannot end with an escape character.")]
    public void Bad_lines_are_errors_with_their_line(string rules, string message)
    {
        var ex = Assert.Throws<LayerToolsException>(() => DockerignoreMatcher.Parse(rules));
        Assert.Equal("DockerignoreParseError", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Directories_are_skipped_only_when_no_exception_reaches_inside()
    {
        var m = DockerignoreMatcher.Parse("node_modules\ndocs\n!docs/keep.md\n*.log\n!important/*.log\n");
        Assert.True(m.CanSkipDirectory("node_modules"));
        Assert.True(m.CanSkipDirectory("node_modules/pkg"));
        Assert.False(m.CanSkipDirectory("docs"));
        Assert.True(m.CanSkipDirectory("docs/sub"));
        Assert.False(m.CanSkipDirectory("src"));
        Assert.True(m.CanSkipDirectory("x.log"));
        Assert.False(m.CanSkipDirectory("important"));

        var anywhere = DockerignoreMatcher.Parse("vendor\n!**/*.go\n");
        Assert.False(anywhere.CanSkipDirectory("vendor"));
        Assert.False(anywhere.IsExcluded("vendor/a/b.go"));
        Assert.True(anywhere.IsExcluded("vendor/a/b.c"));

        var earlier = DockerignoreMatcher.Parse("!build/keep\nbuild\n");
        Assert.True(earlier.CanSkipDirectory("build"));
        Assert.True(earlier.IsExcluded("build/keep"));

        Assert.False(DockerignoreMatcher.Empty.CanSkipDirectory("anything"));
        Assert.False(DockerignoreMatcher.Parse("*").IsExcluded(""));
    }

    [Fact]
    public void Load_prefers_the_dockerfile_specific_ignore_file()
    {
        var context = Path.Combine(_dir, "ctx");
        Directory.CreateDirectory(Path.Combine(context, "build"));
        File.WriteAllText(Path.Combine(context, ".dockerignore"), "from-root\n");
        var dockerfile = Path.Combine(context, "build", "Dockerfile.dev");
        File.WriteAllText(dockerfile, "FROM scratch\n");

        var root = DockerignoreMatcher.Load(context, dockerfile);
        Assert.Equal(Path.Combine(context, ".dockerignore"), root.Source);
        Assert.True(root.IsExcluded("from-root"));

        File.WriteAllBytes(dockerfile + ".dockerignore", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("from-dockerfile\n")]);
        var specific = DockerignoreMatcher.Load(context, dockerfile);
        Assert.Equal(dockerfile + ".dockerignore", specific.Source);
        Assert.True(specific.IsExcluded("from-dockerfile"));
        Assert.False(specific.IsExcluded("from-root"));

        var none = DockerignoreMatcher.Load(Path.Combine(context, "build"));
        Assert.Same(DockerignoreMatcher.Empty, none);
    }
}
