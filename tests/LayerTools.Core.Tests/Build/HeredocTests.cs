using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class HeredocTests
{
    private static IReadOnlyList<Heredoc> Docs(string body)
    {
        var df = DockerfileParser.Parse("FROM alpine\n" + body);
        return df.Instructions[1] switch
        {
            RunInstruction r => r.Command.Heredocs,
            FileInstruction f => f.Contents,
            OnbuildInstruction { Trigger: RunInstruction r } => r.Command.Heredocs,
            _ => [],
        };
    }

    [Theory]
    [InlineData("RUN <<EMPTY\nEMPTY\n", "EMPTY", "", true, false, 0)]
    [InlineData("RUN 3<<EMPTY2\nEMPTY2\n", "EMPTY2", "", true, false, 3)]
    [InlineData("RUN <<INDENT\n\tfoo\n\tbar\nINDENT\n", "INDENT", "\tfoo\n\tbar\n", true, false, 0)]
    [InlineData("RUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n", "UNINDENT2", "\tbaz\n\tquux\n", true, true, 0)]
    [InlineData("RUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n", "NOEXPAND", "\tdon't expand $NAME\n", false, true, 0)]
    [InlineData("RUN <<COMMENT\n# internal comment\necho x # trailing\nCOMMENT\n", "COMMENT", "# internal comment\necho x # trailing\n", true, false, 0)]
    [InlineData("RUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n", "MOUNT", "echo hello\n", true, false, 0)]
    [InlineData("RUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\n", "COMPLEX", "print('hello world')\n", true, false, 0)]
    [InlineData("RUN <<eo'f'\necho foo\neof\n", "eof", "echo foo\n", false, false, 0)]
    [InlineData("RUN <<eo\\'f\necho foo\neo'f\n", "eo'f", "echo foo\n", true, false, 0)]
    [InlineData("RUN <<'e'o\\'f\necho foo\neo'f\n", "eo'f", "echo foo\n", false, false, 0)]
    [InlineData("RUN <<'one two'\necho bar\none two\n", "one two", "echo bar\n", false, false, 0)]
    [InlineData("RUN <<$EOF\n$EOF\n", "$EOF", "", true, false, 0)]
    [InlineData("RUN <<  EOF  > foo\nEOF\n", "EOF", "", true, false, 0)]
    [InlineData("COPY <<EOF /quotes\n\"foo\"\n'bar'\nEOF\n", "EOF", "\"foo\"\n'bar'\n", true, false, 0)]
    [InlineData("ONBUILD RUN <<X\nx\nX\n", "X", "x\n", true, false, 0)]
    [InlineData("RUN <<CRLF\r\nline\r\nCRLF\r\n", "CRLF", "line\r\n", true, false, 0)]
    public void Heredoc_words_and_bodies(string body, string name, string content, bool expand, bool chomp, int fd)
    {
        var doc = Assert.Single(Docs(body));
        Assert.Equal(new Heredoc(name, content, expand, chomp, fd), doc);
    }

    [Theory]
    [InlineData("USER <<INVALID\n")]
    [InlineData("RUN \"<<NOHEREDOC\"\n")]
    [InlineData("RUN [\"cat\", \"<<EOF\"]\n")]
    [InlineData("RUN echo a<b\n")]
    public void No_heredoc_where_docker_reads_none(string body)
    {
        Assert.Empty(Docs(body));
    }

    [Fact]
    public void Interleaved_terminators_are_read_in_order()
    {
        var docs = Docs("COPY <<X <<Y /dest\nY\nX\nX\nY\n");
        Assert.Equal([("X", "Y\n"), ("Y", "X\n")], docs.Select(d => (d.Name, d.Content)));
    }

    [Fact]
    public void Lines_after_a_heredoc_continue_the_file()
    {
        var df = DockerfileParser.Parse("FROM alpine\nRUN <<EOF\nFROM inside\nEOF\nUSER nobody\n");
        Assert.Equal([InstructionKind.From, InstructionKind.Run, InstructionKind.User], df.Instructions.Select(i => i.Kind));
        Assert.Equal(5, df.Instructions[2].Location.StartLine);
    }

    [Fact]
    public void Run_heredocs_resolve_to_the_argv_buildkit_runs()
    {
        string[] sh = ["/bin/sh", "-c"];
        var df = Corpus.Parse("heredoc.Dockerfile");
        var runs = df.Instructions.OfType<RunInstruction>().ToArray();

        Assert.Equal(["/bin/sh", "-c", "echo hello\necho $HOME\n"], runs[0].ToInvocation(sh).Argv);
        Assert.Equal(["/bin/sh", "-c", "<<-\"SCRIPT\" bash\n\techo \"tabs stripped, no expansion: $HOME\"\nSCRIPT"], runs[1].ToInvocation(sh).Argv);
        Assert.Equal(["/bin/sh", "-c", "<<FILE1 cat > /file1 && <<FILE2 cat > /file2\nfirst\nFILE1\nsecond\nFILE2"], runs[2].ToInvocation(sh).Argv);
        Assert.Equal(["echo", "<<NOTAHEREDOC"], runs[3].ToInvocation(sh).Argv);

        var script = (RunInstruction)DockerfileParser.Parse("FROM alpine\nRUN <<-PY\n\t#!/usr/bin/env python3\n\tprint(1)\nPY\n").Instructions[1];
        var invocation = script.ToInvocation(["/bin/bash", "-c"]);
        Assert.Equal(["/bin/bash", "-c", "/dev/pipes/PY"], invocation.Argv);
        Assert.Equal("/dev/pipes/PY", invocation.ScriptPath);
        Assert.Equal("#!/usr/bin/env python3\nprint(1)\n", invocation.ScriptContent);

        var plain = (RunInstruction)DockerfileParser.Parse("FROM alpine\nRUN npm ci\n").Instructions[1];
        Assert.Equal(["/bin/sh", "-c", "npm ci"], plain.ToInvocation(sh).Argv);
        Assert.Null(plain.ToInvocation(sh).ScriptPath);
    }
}
