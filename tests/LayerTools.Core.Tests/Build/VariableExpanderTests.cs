using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class VariableExpanderTests
{
    private static readonly Dictionary<string, string> Env = Corpus.Vars(("PWD", "/home"), ("SHELL", "bash"), ("NULL", string.Empty), ("LIST", "a b  c"), ("FILE", "dir/name.tar.gz"));

    [Theory]
    [InlineData("hello", "hello")]
    [InlineData("he'll'o", "hello")]
    [InlineData("he\\'llo", "he'llo")]
    [InlineData("abc\\tdef", "abctdef")]
    [InlineData("\"abc\\tdef\"", "abc\\tdef")]
    [InlineData("'abc\\tdef'", "abc\\tdef")]
    [InlineData("hello\\", "hello")]
    [InlineData("hello\\\\", "hello\\")]
    [InlineData("\"hel'lo\"", "hel'lo")]
    [InlineData("'hello\\'", "hello\\")]
    [InlineData("\"''\"", "''")]
    [InlineData("$.", "$.")]
    [InlineData("he$1x", "hex")]
    [InlineData("he$pwd.", "he.")]
    [InlineData("he$PWD", "he/home")]
    [InlineData("he\\$PWD", "he$PWD")]
    [InlineData("he\\\\$PWD", "he\\/home")]
    [InlineData("\"he\\$PWD\"", "he$PWD")]
    [InlineData("\\${}", "${}")]
    [InlineData("he${hi}xx", "hexx")]
    [InlineData("he${PWD}", "he/home")]
    [InlineData("he${XXX:-000}xx", "he000xx")]
    [InlineData("he${PWD:-000}xx", "he/homexx")]
    [InlineData("he${XXX:-$PWD}xx", "he/homexx")]
    [InlineData("he${XXX:-${YYY:-yyy}}xx", "heyyyxx")]
    [InlineData("he${NULL:-x}", "hex")]
    [InlineData("he${NULL-x}", "he")]
    [InlineData("he${XXX-x}", "hex")]
    [InlineData("he${PWD?}", "he/home")]
    [InlineData("he${NULL?}", "he")]
    [InlineData("he${XXX:+000}xx", "hexx")]
    [InlineData("he${PWD:+000}xx", "he000xx")]
    [InlineData("he${NULL+set}", "heset")]
    [InlineData("he${NULL:+set}", "he")]
    [InlineData("he${PWD:+${SHELL}}xx", "hebashxx")]
    [InlineData("'he${XX}'", "he${XX}")]
    [InlineData("\"he'$PWD'\"", "he'/home'")]
    [InlineData("'$PWD'", "$PWD")]
    [InlineData("he${PWD:+${PWD}:}xx", "he/home:xx")]
    [InlineData("he${XXX:-\\$PWD:}xx", "he$PWD:xx")]
    [InlineData("안'녕'하세요", "안녕하세요")]
    [InlineData("${FILE#*.}", "tar.gz")]
    [InlineData("${FILE##*.}", "gz")]
    [InlineData("${FILE%.*}", "dir/name.tar")]
    [InlineData("${FILE%%.*}", "dir/name")]
    [InlineData("${FILE/a/A}", "dir/nAme.tar.gz")]
    [InlineData("${FILE//a/A}", "dir/nAme.tAr.gz")]
    public void Expands_words_like_docker(string input, string expected)
    {
        Assert.Equal(expected, new VariableExpander().Expand(input, Env).Value);
    }

    [Theory]
    [InlineData("he'llo")]
    [InlineData("he\\\\'llo")]
    [InlineData("\"hello")]
    [InlineData("\"hello\\\"")]
    [InlineData("${}")]
    [InlineData("he${}xx")]
    [InlineData("he${.}")]
    [InlineData("he${XXX:YYY}")]
    [InlineData("he${XXX?}")]
    [InlineData("he${XXX:?}")]
    [InlineData("he${NULL:?}")]
    [InlineData("he${PWD")]
    [InlineData("he${PWD:=000}xx")]
    public void Bad_syntax_is_a_parse_error(string input)
    {
        var ex = Assert.Throws<LayerToolsException>(() => new VariableExpander().Expand(input, Env));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
    }

    [Fact]
    public void Backtick_escape_keeps_backslashes_literal()
    {
        var expander = new VariableExpander('`');
        Assert.Equal("c:\\dir\\$x", expander.Expand("c:\\dir\\`$x", Env).Value);
        Assert.Equal("c:\\/home", expander.Expand("c:\\$PWD", Env).Value);
    }

    [Fact]
    public void Words_split_on_unquoted_whitespace_and_expanded_values()
    {
        var words = new VariableExpander().ExpandWords("x \"a b\" $LIST 'c d'", Env);
        Assert.Equal(["x", "a b", "a", "b", "c", "c d"], words);
    }

    [Fact]
    public void Matched_and_unmatched_names_are_reported()
    {
        var result = new VariableExpander().Expand("${PWD}/${MISSING:-x}/$NULL/'$QUOTED'", Env);
        Assert.Equal("/home/x//$QUOTED", result.Value);
        Assert.Equal(new HashSet<string> { "PWD", "NULL" }, result.Matched);
        Assert.Equal(new HashSet<string> { "MISSING" }, result.Unmatched);
        Assert.Equal(new HashSet<string> { "PWD", "NULL", "MISSING" }, result.Referenced);
    }

    [Fact]
    public void References_are_found_without_values_and_without_failing()
    {
        var expander = new VariableExpander();
        Assert.Equal(new HashSet<string> { "A", "B", "C" }, expander.FindReferences("$A ${B:-$C} '$D' \\$E ${F"));
        Assert.Empty(expander.FindReferences("no variables here"));
        Assert.Equal(new HashSet<string> { "X" }, expander.FindReferences("${X:?must be set}"));
    }

    [Fact]
    public void Unset_variables_can_be_kept_as_written()
    {
        var keep = new VariableExpander { SkipUnsetVariables = true };
        Assert.Equal("/home $X ${Y:-z}", keep.Expand("$PWD $X ${Y:-z}", Env).Value);
    }
}
