using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class DockerfileParserTests
{
    private static readonly Dictionary<string, string> None = new();

    [Fact]
    public void Node_example_parses_into_one_stage_with_lines_and_forms()
    {
        var df = Corpus.Parse("node.Dockerfile");

        Assert.Equal("node.Dockerfile", df.File);
        Assert.Equal('\\', df.EscapeToken);
        Assert.Equal(
            [InstructionKind.From, InstructionKind.Workdir, InstructionKind.Copy, InstructionKind.Run, InstructionKind.Copy, InstructionKind.Cmd],
            df.Instructions.Select(i => i.Kind));
        Assert.Equal([2, 3, 4, 5, 6, 7], df.Instructions.Select(i => i.Location.StartLine));
        Assert.All(df.Instructions, i => Assert.Equal(i.Location.StartLine, i.Location.EndLine));
        Assert.All(df.Instructions, i => Assert.Equal("node.Dockerfile", i.Location.File));

        var stage = Assert.Single(df.Stages);
        Assert.Null(stage.Name);
        Assert.Equal("stage-0", stage.DisplayName);
        Assert.Equal("node:20-alpine", stage.From.Image);
        Assert.Equal(5, stage.Instructions.Count);

        Assert.Equal("/app", ((WorkdirInstruction)df.Instructions[1]).Path);
        var copy = (CopyInstruction)df.Instructions[2];
        Assert.Equal(["package.json"], copy.Sources);
        Assert.Equal(".", copy.Destination);
        Assert.Null(copy.From);
        Assert.Equal("COPY package.json .", copy.Original);

        var run = (RunInstruction)df.Instructions[3];
        Assert.False(run.Command.IsExecForm);
        Assert.Equal(["npm install"], run.Command.Arguments);
        Assert.Equal(["/bin/sh", "-c", "npm install"], run.Command.ToArgv(["/bin/sh", "-c"]));

        var cmd = (CmdInstruction)df.Instructions[5];
        Assert.True(cmd.Command.IsExecForm);
        Assert.Equal(["npm", "start"], cmd.Command.Arguments);
        Assert.Equal("CMD [\"npm\", \"start\"]", cmd.Original);
    }

    [Fact]
    public void Multistage_names_indexes_and_copy_from()
    {
        var df = Corpus.Parse("multistage.Dockerfile");

        var global = Assert.Single(df.GlobalArgs);
        Assert.Equal([new ArgDefinition("GO_VERSION", "1.22")], global.Arguments);
        Assert.Equal(["build", "tools", "test", "final", "debug"], df.Stages.Select(s => s.Name));
        Assert.Equal([0, 1, 2, 3, 4], df.Stages.Select(s => s.Index));
        Assert.Equal([2, 7, 10, 13, 18], df.Stages.Select(s => s.Location.StartLine));
        Assert.Equal("golang:${GO_VERSION}", df.Stages[0].From.Image);

        var final = df.FindStage("FINAL")!;
        Assert.Same(df.Stages[3], final);
        Assert.Same(df.Stages[1], df.FindStage("1"));
        var copies = final.Instructions.OfType<CopyInstruction>().ToArray();
        Assert.Equal(["build", "0"], copies.Select(c => c.From));
        Assert.Equal(["/out/app"], copies[0].Sources);
        Assert.Equal("/app", copies[0].Destination);
        Assert.Equal(15, copies[1].Location.StartLine);
    }

    [Fact]
    public void Heredocs_read_bodies_flags_and_several_per_line()
    {
        var df = Corpus.Parse("heredoc.Dockerfile");
        var runs = df.Instructions.OfType<RunInstruction>().ToArray();

        var first = runs[0];
        Assert.Equal((2, 5), (first.Location.StartLine, first.Location.EndLine));
        var doc = Assert.Single(first.Command.Heredocs);
        Assert.Equal("EOF", doc.Name);
        Assert.Equal("echo hello\necho $HOME\n", doc.Content);
        Assert.True(doc.Expand);
        Assert.False(doc.Chomp);
        Assert.Equal(["<<EOF"], first.Command.Arguments);
        Assert.Equal("RUN <<EOF", first.Original);
        Assert.Equal("RUN <<EOF\necho hello\necho $HOME\nEOF", first.SourceText);

        var chomped = Assert.Single(runs[1].Command.Heredocs);
        Assert.Equal((6, 8), (runs[1].Location.StartLine, runs[1].Location.EndLine));
        Assert.Equal("SCRIPT", chomped.Name);
        Assert.True(chomped.Chomp);
        Assert.False(chomped.Expand);
        Assert.Equal("\techo \"tabs stripped, no expansion: $HOME\"\n", chomped.Content);
        Assert.Equal("echo \"tabs stripped, no expansion: $HOME\"\n", chomped.Text);

        Assert.Equal(["FILE1", "FILE2"], runs[2].Command.Heredocs.Select(h => h.Name));
        Assert.Equal(["first\n", "second\n"], runs[2].Command.Heredocs.Select(h => h.Content));
        Assert.Equal((9, 13), (runs[2].Location.StartLine, runs[2].Location.EndLine));

        var motd = df.Instructions.OfType<CopyInstruction>().First();
        Assert.Empty(motd.Sources);
        var content = Assert.Single(motd.Contents);
        Assert.Equal(("EOF", "Welcome to ${NAME}\n"), (content.Name, content.Content));
        Assert.Equal("/etc/motd", motd.Destination);
        var expanded = motd.Expand(Corpus.Vars(("NAME", "LayerTools")));
        Assert.Equal("Welcome to LayerTools\n", Assert.Single(expanded.Contents).Content);
        Assert.Contains("NAME", motd.ReferencedVariables);

        var two = df.Instructions.OfType<CopyInstruction>().Last();
        Assert.Equal(["a.txt", "b.txt"], two.Contents.Select(c => c.Name));
        Assert.Equal(["A\n", "B\n"], two.Contents.Select(c => c.Content));
        Assert.Equal("/dst/", two.Destination);
        Assert.Equal((17, 21), (two.Location.StartLine, two.Location.EndLine));

        var json = runs[3];
        Assert.Equal(22, json.Location.StartLine);
        Assert.True(json.Command.IsExecForm);
        Assert.Empty(json.Command.Heredocs);
        Assert.Equal(["echo", "<<NOTAHEREDOC"], json.Command.Arguments);
    }

    [Fact]
    public void Escape_directive_backtick_changes_continuation_and_keeps_backslashes()
    {
        var df = Corpus.Parse("escape-backtick.Dockerfile");

        Assert.Equal('`', df.EscapeToken);
        Assert.Equal("`", df.Directives["escape"]);
        Assert.Equal(
            [InstructionKind.From, InstructionKind.Run, InstructionKind.Copy, InstructionKind.Workdir, InstructionKind.Env],
            df.Instructions.Select(i => i.Kind));
        var run = (RunInstruction)df.Instructions[1];
        Assert.Equal((4, 5), (run.Location.StartLine, run.Location.EndLine));
        Assert.Equal(["dir c:\\     && echo done"], run.Command.Arguments);
        var copy = (CopyInstruction)df.Instructions[2];
        Assert.Equal(["testfile.txt"], copy.Sources);
        Assert.Equal("c:\\", copy.Destination);
        Assert.Equal("c:\\", copy.Expand(None).Destination);
        Assert.Equal("c:\\app", ((WorkdirInstruction)df.Instructions[3]).Expand(None).Path);
        var env = ((EnvInstruction)df.Instructions[4]).Expand(None);
        Assert.Equal([new KeyValueArgument("PATH", "c:\\tools;c:\\app"), new KeyValueArgument("ROOT", "c:\\")], env.Variables);
        Assert.Equal((8, 9), (env.Location.StartLine, env.Location.EndLine));
    }

    [Fact]
    public void Args_and_env_substitution_follow_docker()
    {
        var df = Corpus.Parse("args-env.Dockerfile");
        Assert.Equal("docker/dockerfile:1", df.Directives["syntax"]);
        Assert.Equal(2, df.GlobalArgs.Count);
        var stage = Assert.Single(df.Stages);
        Assert.Equal("${BASE}:${TAG:-3.19}", stage.From.Image);
        Assert.Equal("alpine:3.19", stage.From.Expand(Corpus.Vars(("BASE", "alpine"))).Image);
        Assert.Equal("alpine:edge", stage.From.Expand(Corpus.Vars(("BASE", "alpine"), ("TAG", "edge"))).Image);
        Assert.Equal(new HashSet<string> { "BASE", "TAG" }, stage.From.ReferencedVariables);

        var args = stage.Instructions.OfType<ArgInstruction>().ToArray();
        Assert.Equal("/home/${USER_NAME}", args[1].Arguments[0].DefaultValue?.Trim('"'));
        Assert.Equal("/home/app", args[1].ExpandDefault(args[1].Arguments[0], Corpus.Vars(("USER_NAME", "app"))));

        var vars = Corpus.Vars(("USER_NAME", "app"), ("HOME_DIR", "/home/app"));
        var env = (EnvInstruction)stage.Instructions[2];
        Assert.Equal((7, 9), (env.Location.StartLine, env.Location.EndLine));
        Assert.Equal(new HashSet<string> { "HOME_DIR" }, env.ReferencedVariables);
        Assert.Equal(
            [new KeyValueArgument("APP_HOME", "/home/app/srv"), new KeyValueArgument("GREETING", "hello world"), new KeyValueArgument("LITERAL", "$NOT_EXPANDED")],
            env.Expand(vars).Variables);

        var legacy = (EnvInstruction)stage.Instructions[3];
        Assert.Equal([new KeyValueArgument("LEGACY_KEY", "legacy value here", Legacy: true)], legacy.Expand(vars).Variables);

        vars["APP_HOME"] = "/home/app/srv";
        Assert.Equal("/home/app/srv", ((WorkdirInstruction)stage.Instructions[4]).Expand(vars).Path);
        var user = (UserInstruction)stage.Instructions[5];
        Assert.Equal("app:users", user.Expand(vars).User);
        Assert.Equal("app:staff", user.Expand(new Dictionary<string, string>(vars) { ["GROUP"] = "staff" }).User);
        Assert.Equal(new HashSet<string> { "USER_NAME", "GROUP" }, user.ReferencedVariables);

        var label = ((LabelInstruction)stage.Instructions[6]).Expand(vars);
        Assert.Equal(
            [new KeyValueArgument("org.opencontainers.image.title", "My App"), new KeyValueArgument("version", "dev"), new KeyValueArgument("quoted key", "v")],
            label.Labels);
        Assert.Equal(["80/tcp", "8080"], ((ExposeInstruction)stage.Instructions[7]).Expand(vars).Ports);
        Assert.Equal(["80/tcp", "9000", "9001"], ((ExposeInstruction)stage.Instructions[7]).Expand(new Dictionary<string, string>(vars) { ["EXTRA_PORT"] = "9000 9001" }).Ports);
        Assert.Equal(["/home/app/srv/data"], ((VolumeInstruction)stage.Instructions[8]).Expand(vars).Paths);
        Assert.Equal("SIGTERM", ((StopSignalInstruction)stage.Instructions[9]).Expand(vars).Signal);

        var copy = ((CopyInstruction)stage.Instructions[10]).Expand(vars);
        Assert.Equal("app:users", copy.Chown);
        Assert.Equal(["src/"], copy.Sources);
        Assert.Equal("/home/app/srv/", copy.Destination);

        var run = (RunInstruction)stage.Instructions[11];
        Assert.False(run.SupportsExpansion);
        Assert.Same(run, run.Expand(vars));
        Assert.Equal(["echo $GREETING \\$HOME"], run.Command.Arguments);
        Assert.Equal(new HashSet<string> { "GREETING" }, run.ReferencedVariables);
    }

    [Fact]
    public void Onbuild_wraps_a_parsed_trigger()
    {
        var df = Corpus.Parse("onbuild.Dockerfile");
        var onbuilds = df.Instructions.OfType<OnbuildInstruction>().ToArray();
        Assert.Equal(3, onbuilds.Length);

        var copy = Assert.IsType<CopyInstruction>(onbuilds[0].Trigger);
        Assert.Equal("COPY package.json /app/", onbuilds[0].Expression);
        Assert.Equal(["package.json"], copy.Sources);
        Assert.Equal(2, copy.Location.StartLine);
        Assert.Same(onbuilds[0], onbuilds[0].Expand(None));

        Assert.IsType<RunInstruction>(onbuilds[1].Trigger);
        Assert.Equal("RUN npm install", onbuilds[1].Expression);

        var heredocRun = Assert.IsType<RunInstruction>(onbuilds[2].Trigger);
        Assert.Equal("onbuild", onbuilds[2].Keyword);
        Assert.Equal("echo triggered\n", Assert.Single(heredocRun.Command.Heredocs).Content);
        Assert.Equal("run <<EOF\necho triggered\nEOF", onbuilds[2].Expression);
        Assert.Equal((4, 6), (onbuilds[2].Location.StartLine, onbuilds[2].Location.EndLine));
    }

    [Fact]
    public void Healthcheck_flags_durations_and_forms()
    {
        var df = Corpus.Parse("healthcheck.Dockerfile");
        var checks = df.Instructions.OfType<HealthcheckInstruction>().ToArray();

        var shell = checks[0];
        Assert.Equal((2, 3), (shell.Location.StartLine, shell.Location.EndLine));
        Assert.Equal(TimeSpan.FromSeconds(30), shell.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), shell.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(90), shell.StartPeriod);
        Assert.Equal(TimeSpan.FromMilliseconds(500), shell.StartInterval);
        Assert.Equal(3, shell.Retries);
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/ || exit 1"], shell.Test);
        Assert.Equal(["interval", "timeout", "start-period", "start-interval", "retries"], shell.Flags.Select(f => f.Name));

        Assert.Equal(["CMD", "curl", "-f", "http://localhost/"], checks[1].Test);
        Assert.Null(checks[1].Interval);
        Assert.Null(checks[1].Retries);

        Assert.True(checks[2].IsNone);
        Assert.Equal(["NONE"], checks[2].Test);
        Assert.Equal(["stage-0", "exec", "none"], df.Stages.Select(s => s.DisplayName));
    }

    [Fact]
    public void Every_instruction_with_its_flags()
    {
        var df = Corpus.Parse("all-instructions.Dockerfile");
        Assert.Equal("docker/dockerfile:1.7", df.Directives["syntax"]);
        Assert.Equal("skip=JSONArgsRecommended", df.Directives["check"]);
        Assert.Equal(Enum.GetValues<InstructionKind>().OrderBy(k => k), df.Instructions.Select(i => i.Kind).Distinct().OrderBy(k => k));

        var from = df.Stages[0].From;
        Assert.Equal(6, from.Location.StartLine);
        Assert.Equal("linux/amd64", from.Platform);
        Assert.Equal("base", from.StageName);
        Assert.Equal("${REGISTRY}/library/debian:12", from.Image);

        T At<T>(int line) where T : Instruction => Assert.IsType<T>(df.Instructions.Single(i => i.Location.StartLine == line));

        Assert.Equal("Jane Doe <jane@example.com>", At<MaintainerInstruction>(7).Maintainer);
        var label = At<LabelInstruction>(8);
        Assert.Equal((8, 9), (label.Location.StartLine, label.Location.EndLine));
        Assert.Equal(["a=1", "b=two words", "c=3"], label.Expand(None).Labels.Select(l => l.ToString()));
        Assert.Equal(["80", "443/tcp", "53/udp", "8000-8010"], At<ExposeInstruction>(10).Ports);
        Assert.Equal(["A=1", "B=x y"], At<EnvInstruction>(11).Expand(None).Variables.Select(v => v.ToString()));

        var add = At<AddInstruction>(12);
        Assert.Equal("1000:1000", add.Chown);
        Assert.Equal("644", add.Chmod);
        Assert.True(add.Link);
        Assert.Equal("sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d", add.Checksum);
        Assert.Equal(["https://example.com/a.tar.gz"], add.Sources);
        Assert.Equal("/opt/", add.Destination);
        Assert.True(At<AddInstruction>(13).KeepGitDir);
        Assert.Null(At<AddInstruction>(13).Unpack);

        var copy = At<CopyInstruction>(14);
        Assert.Equal("base", copy.From);
        Assert.Equal("app:app", copy.Chown);
        Assert.Equal("755", copy.Chmod);
        Assert.True(copy.Link);
        Assert.True(copy.Parents);
        Assert.Equal(["*.md", "tmp/"], copy.Excludes);
        Assert.Equal(["a", "b"], copy.Sources);
        Assert.Equal("/dst/", copy.Destination);

        var jsonCopy = At<CopyInstruction>(15);
        Assert.True(jsonCopy.IsJson);
        Assert.Equal(["with space.txt"], jsonCopy.Sources);
        Assert.Equal("/dst/with space.txt", jsonCopy.Destination);
        Assert.False(jsonCopy.Link);

        Assert.Equal(["/bin/entry", "--flag"], At<EntrypointInstruction>(16).Command.Arguments);
        Assert.Equal(["echo default"], At<CmdInstruction>(17).Command.Arguments);
        Assert.False(At<CmdInstruction>(17).Command.IsExecForm);
        Assert.Equal(["/data", "/logs"], At<VolumeInstruction>(18).Paths);
        Assert.True(At<VolumeInstruction>(18).IsJson);
        Assert.Equal(["/cache", "/tmp/x"], At<VolumeInstruction>(19).Paths);
        Assert.Equal("app:app", At<UserInstruction>(20).User);
        Assert.Equal("/srv", At<WorkdirInstruction>(21).Path);
        Assert.Equal(["X", "Y=2", "Z=three"], At<ArgInstruction>(22).Expand(None).Arguments.Select(a => a.ToString()));
        Assert.IsType<RunInstruction>(At<OnbuildInstruction>(23).Trigger);
        Assert.Equal("SIGKILL", At<StopSignalInstruction>(24).Signal);
        Assert.Equal(2, At<HealthcheckInstruction>(25).Retries);
        Assert.Equal(["/bin/bash", "-o", "pipefail", "-c"], At<ShellInstruction>(26).Shell);

        var run = At<RunInstruction>(27);
        Assert.Equal((27, 31), (run.Location.StartLine, run.Location.EndLine));
        Assert.Equal(["type=cache,target=/root/.cache", "type=bind,from=base,source=/etc,target=/mnt"], run.Mounts);
        Assert.Equal(["base"], run.MountSources);
        Assert.Equal("none", run.Network);
        Assert.Equal("sandbox", run.Security);
        Assert.Equal(["apt-get update     && apt-get install -y curl"], run.Command.Arguments);
        Assert.DoesNotContain("comment", run.Original, StringComparison.Ordinal);
        Assert.Contains("# a comment inside a continuation is dropped", run.SourceText, StringComparison.Ordinal);

        var lower = At<RunInstruction>(32);
        Assert.Equal("run", lower.Keyword);
        Assert.Equal(["echo   lower-case   keyword"], lower.Command.Arguments);
    }

    [Theory]
    [InlineData("RUN [\"echo\", \"unterminated]", false, "[\"echo\", \"unterminated]")]
    [InlineData("RUN [ \"a\" , \"b\" ]", true, "a|b")]
    [InlineData("CMD [\"a\" \"b\"]", false, "[\"a\" \"b\"]")]
    [InlineData("ENTRYPOINT [ ]", true, "")]
    [InlineData("CMD ['single', 'quotes']", false, "['single', 'quotes']")]
    public void Invalid_json_falls_back_to_shell_form(string line, bool exec, string args)
    {
        var df = DockerfileParser.Parse("FROM scratch\n" + line + "\n");
        var command = df.Instructions[1] switch
        {
            RunInstruction r => r.Command,
            CmdInstruction c => c.Command,
            EntrypointInstruction e => e.Command,
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(exec, command.IsExecForm);
        Assert.Equal(args, string.Join('|', command.Arguments));
    }

    [Fact]
    public void Continuation_with_trailing_whitespace_crlf_bom_and_escaped_escape()
    {
        var text = "\uFEFFFROM scratch\r\nRUN echo a \\  \t\r\n  b\r\nRUN echo c \\\\\nENV X=1\n";
        var df = DockerfileParser.Parse(text, "crlf");
        var run = (RunInstruction)df.Instructions[1];
        Assert.Equal(["echo a   b"], run.Command.Arguments);
        Assert.Equal((2, 3), (run.Location.StartLine, run.Location.EndLine));
        var escaped = (RunInstruction)df.Instructions[2];
        Assert.Equal(["echo c \\\\"], escaped.Command.Arguments);
        Assert.Equal(4, escaped.Location.EndLine);
        Assert.Equal(5, df.Instructions[3].Location.StartLine);
    }

    [Fact]
    public void Directives_only_count_at_the_top()
    {
        var df = DockerfileParser.Parse("# comment first\n# escape=`\nFROM scratch\nRUN a \\\n b\n");
        Assert.Equal('\\', df.EscapeToken);
        Assert.Empty(df.Directives);
        Assert.Equal(["a  b"], ((RunInstruction)df.Instructions[1]).Command.Arguments);

        var spaced = DockerfileParser.Parse("#  ESCAPE = `  \n#syntax=x\nFROM scratch\n");
        Assert.Equal('`', spaced.EscapeToken);
        Assert.Equal("x", spaced.Directives["syntax"]);
    }

    [Fact]
    public void Quotes_in_env_and_label_words_keep_spaces_and_escapes()
    {
        var df = DockerfileParser.Parse("FROM scratch\nENV A=\"a b\" B=a\\ b C='$x \"y\"' D=\"$A\" E=\n");
        var env = ((EnvInstruction)df.Instructions[1]).Expand(Corpus.Vars(("A", "outer")));
        Assert.Equal(["A=a b", "B=a b", "C=$x \"y\"", "D=outer", "E="], env.Variables.Select(v => v.ToString()));
        Assert.Equal(new HashSet<string> { "A" }, df.Instructions[1].ReferencedVariables);
    }

    [Fact]
    public void Flag_values_may_be_quoted_and_double_dash_ends_flags()
    {
        var df = DockerfileParser.Parse("FROM scratch\nCOPY --chown=\"a b\" -- --weird /dst\n");
        var copy = (CopyInstruction)df.Instructions[1];
        Assert.Equal("a b", copy.Chown);
        Assert.Equal(["--weird"], copy.Sources);
    }

    [Fact]
    public void Onbuild_triggers_from_an_image_config_parse_into_instructions()
    {
        var df = Corpus.Parse("onbuild.Dockerfile");
        var stored = df.Instructions.OfType<OnbuildInstruction>().Select(o => o.Expression).ToArray();

        var triggers = DockerfileParser.ParseTriggers(stored, "ONBUILD of node-base");
        Assert.Equal([InstructionKind.Copy, InstructionKind.Run, InstructionKind.Run], triggers.Select(t => t.Kind));
        Assert.Equal("ONBUILD of node-base trigger 3", triggers[2].Location.File);
        Assert.Equal("echo triggered\n", Assert.Single(((RunInstruction)triggers[2]).Command.Heredocs).Content);

        var ex = Assert.Throws<LayerToolsException>(() => DockerfileParser.ParseTriggers(["RUN true", "FROM x"], "img"));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
        Assert.Equal("img trigger 2:1: FROM isn't allowed as an ONBUILD trigger", ex.Message);
    }
}
