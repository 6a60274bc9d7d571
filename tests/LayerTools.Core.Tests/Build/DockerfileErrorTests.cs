using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class DockerfileErrorTests
{
    [Theory]
    [InlineData("FROM scratch\nFOO bar\n", "bad.Dockerfile:2: unknown instruction: FOO")]
    [InlineData("FROM scratch\nRUN echo \\\n  && FROB x\nfrob\n", "bad.Dockerfile:4: unknown instruction: frob")]
    [InlineData("FROM scratch\nUSER\n", "bad.Dockerfile:2: USER requires exactly one argument")]
    [InlineData("FROM scratch\nWORKDIR\n", "bad.Dockerfile:2: WORKDIR requires exactly one argument")]
    [InlineData("FROM scratch\nCOPY onlyone\n", "bad.Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")]
    [InlineData("FROM scratch\n\nADD\n", "bad.Dockerfile:3: ADD requires at least two arguments, but none was provided. Destination could not be determined")]
    [InlineData("FROM scratch\nEXPOSE\n", "bad.Dockerfile:2: EXPOSE requires at least one argument")]
    [InlineData("FROM scratch\nENV\n", "bad.Dockerfile:2: ENV requires at least one argument")]
    [InlineData("FROM scratch\nENV ONLYKEY\n", "bad.Dockerfile:2: ENV must have two arguments: ENV <key>=<value>")]
    [InlineData("FROM scratch\nENV A=1 B\n", "bad.Dockerfile:2: ENV: syntax error - can't find = in \"B\". Must be of the form: name=value")]
    [InlineData("FROM scratch\nLABEL =v\n", "bad.Dockerfile:2: LABEL names can not be blank")]
    [InlineData("FROM scratch\nARG =x\n", "bad.Dockerfile:2: ARG names can not be blank")]
    [InlineData("FROM scratch\nARG\n", "bad.Dockerfile:2: ARG requires at least one argument")]
    [InlineData("FROM scratch\nSHELL /bin/sh -c\n", "bad.Dockerfile:2: SHELL requires the arguments to be in JSON form: SHELL [\"executable\", \"parameters\"]")]
    [InlineData("FROM scratch\nSHELL [\"/bin/sh\", \"-c\"\n", "bad.Dockerfile:2: SHELL requires the arguments to be in JSON form: SHELL [\"executable\", \"parameters\"]")]
    [InlineData("FROM scratch\nSHELL []\n", "bad.Dockerfile:2: SHELL requires at least one argument")]
    [InlineData("FROM scratch\nCMD [\"a\", 1]\n", "bad.Dockerfile:2: CMD: when using JSON array syntax, arrays must be comprised of strings only")]
    [InlineData("FROM scratch\nRUN <<EOF\necho hi\n", "bad.Dockerfile:2: RUN: unterminated heredoc <<EOF (no line 'EOF' closes it)")]
    [InlineData("FROM scratch\nCOPY <<A <<B /x\na\nA\nb\n", "bad.Dockerfile:2: COPY: unterminated heredoc <<B (no line 'B' closes it)")]
    [InlineData("FROM scratch\nCOPY a <<EOF\nx\nEOF\n", "bad.Dockerfile:2: COPY cannot accept a heredoc as a destination")]
    [InlineData("FROM scratch\nCOPY --form=x a b\n", "bad.Dockerfile:2: COPY: unknown flag: --form")]
    [InlineData("FROM scratch\nCOPY --from a b\n", "bad.Dockerfile:2: COPY: missing a value on flag: --from")]
    [InlineData("FROM scratch\nCOPY --link=maybe a b\n", "bad.Dockerfile:2: COPY: expecting boolean value for flag --link, not: maybe")]
    [InlineData("FROM scratch\nCOPY --chown=a --chown=b a b\n", "bad.Dockerfile:2: COPY: duplicate flag specified: --chown")]
    [InlineData("FROM scratch\nADD --from=x a b\n", "bad.Dockerfile:2: ADD: unknown flag: --from")]
    [InlineData("FROM scratch\nWORKDIR --x /a\n", "bad.Dockerfile:2: WORKDIR: unknown flag: --x")]
    [InlineData("FROM --plat=x scratch\n", "bad.Dockerfile:1: FROM: unknown flag: --plat")]
    [InlineData("FROM scratch\nRUN --network=bridge true\n", "bad.Dockerfile:2: RUN: unsupported network mode \"bridge\" (use default, none or host)")]
    [InlineData("FROM scratch\nRUN\n", "bad.Dockerfile:2: RUN requires at least one argument")]
    [InlineData("FROM a b\n", "bad.Dockerfile:1: FROM requires either one or three arguments: FROM <image> [AS <name>]")]
    [InlineData("FROM\n", "bad.Dockerfile:1: FROM requires either one or three arguments: FROM <image> [AS <name>]")]
    [InlineData("FROM a AS 1st\n", "bad.Dockerfile:1: FROM: invalid name for build stage: \"1st\", name can't start with a number or contain symbols")]
    [InlineData("FROM a AS x\nFROM b AS X\n", "bad.Dockerfile:2: FROM: duplicate stage name \"x\"")]
    [InlineData("ARG A\nRUN true\nFROM scratch\n", "bad.Dockerfile:2: RUN: no build stage in current context (only ARG may come before the first FROM)")]
    [InlineData("ARG A\n", "bad.Dockerfile:1: no FROM instruction: a Dockerfile needs at least one stage")]
    [InlineData("# only a comment\n\n", "bad.Dockerfile:2: file with no instructions")]
    [InlineData("", "bad.Dockerfile:1: file with no instructions")]
    [InlineData("FROM scratch\nONBUILD ONBUILD RUN x\n", "bad.Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    [InlineData("FROM scratch\nONBUILD FROM x\n", "bad.Dockerfile:2: FROM isn't allowed as an ONBUILD trigger")]
    [InlineData("FROM scratch\nONBUILD maintainer x\n", "bad.Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger")]
    [InlineData("FROM scratch\nONBUILD\n", "bad.Dockerfile:2: ONBUILD requires at least one argument")]
    [InlineData("FROM scratch\nONBUILD BOGUS x\n", "bad.Dockerfile:2: unknown instruction: BOGUS")]
    [InlineData("FROM scratch\nHEALTHCHECK\n", "bad.Dockerfile:2: HEALTHCHECK requires at least one argument")]
    [InlineData("FROM scratch\nHEALTHCHECK NONE x\n", "bad.Dockerfile:2: HEALTHCHECK NONE takes no arguments")]
    [InlineData("FROM scratch\nHEALTHCHECK CMD\n", "bad.Dockerfile:2: Missing command after HEALTHCHECK CMD")]
    [InlineData("FROM scratch\nHEALTHCHECK RUN x\n", "bad.Dockerfile:2: HEALTHCHECK: unknown type \"RUN\" (try CMD)")]
    [InlineData("FROM scratch\nHEALTHCHECK --interval=5 CMD x\n", "bad.Dockerfile:2: HEALTHCHECK: invalid duration \"5\" for --interval (write e.g. 30s, 1m30s, 500ms)")]
    [InlineData("FROM scratch\nHEALTHCHECK --timeout=1ns CMD x\n", "bad.Dockerfile:2: HEALTHCHECK: interval \"--timeout\" cannot be less than 1ms")]
    [InlineData("FROM scratch\nHEALTHCHECK --retries=-1 CMD x\n", "bad.Dockerfile:2: HEALTHCHECK: --retries cannot be negative (-1)")]
    [InlineData("FROM scratch\nVOLUME [\"\"]\n", "bad.Dockerfile:2: VOLUME specified can not be an empty string")]
    [InlineData("# escape=x\nFROM scratch\n", "bad.Dockerfile:1: invalid escape token 'x' does not match ` or \\")]
    [InlineData("# escape=`\n# escape=\\\nFROM scratch\n", "bad.Dockerfile:2: only one escape parser directive can be used")]
    [InlineData("FROM scratch\nMAINTAINER\n", "bad.Dockerfile:2: MAINTAINER requires exactly one argument")]
    [InlineData("FROM scratch\nSTOPSIGNAL\n", "bad.Dockerfile:2: STOPSIGNAL requires exactly one argument")]
    public void Broken_dockerfiles_name_file_line_and_instruction(string text, string message)
    {
        var ex = Assert.Throws<LayerToolsException>(() => DockerfileParser.Parse(text, "bad.Dockerfile"));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("FROM scratch\nENV A=\"unterminated\n", "bad.Dockerfile:2: ENV: failed to process \"\"unterminated\": unexpected end of statement while looking for matching double-quote")]
    [InlineData("FROM scratch\nWORKDIR ${X:?is required}\n", "bad.Dockerfile:2: WORKDIR: failed to process \"${X:?is required}\": X: is required")]
    [InlineData("FROM scratch\nUSER ${X\n", "bad.Dockerfile:2: USER: failed to process \"${X\": syntax error: missing '}'")]
    [InlineData("FROM scratch\nLABEL a=${}\n", "bad.Dockerfile:2: LABEL: failed to process \"${}\": syntax error: bad substitution")]
    [InlineData("FROM scratch\nCOPY ${X:#y} /d\n", "bad.Dockerfile:2: COPY: failed to process \"${X:#y}\": unsupported modifier (:#) in substitution")]
    public void Expansion_errors_carry_the_instruction_location(string text, string message)
    {
        var df = DockerfileParser.Parse(text, "bad.Dockerfile");
        var ex = Assert.Throws<LayerToolsException>(() => df.Instructions[1].Expand(new Dictionary<string, string>()));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Missing_file_is_reported_as_not_found()
    {
        var ex = Assert.Throws<LayerToolsException>(() => DockerfileParser.ParseFile(Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid(), "Dockerfile")));
        Assert.Equal("DockerfileNotFound", ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
    }
}
