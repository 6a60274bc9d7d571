using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class StagePlannerTests
{
    [Fact]
    public void Last_stage_needs_its_chain_only()
    {
        var plan = StagePlanner.Plan(Corpus.Parse("multistage.Dockerfile"));

        Assert.Equal("debug", plan.Target.Stage.Name);
        Assert.Equal(["build", "tools", "final", "debug"], plan.Stages.Select(s => s.Stage.Name));
        Assert.False(plan.IsNeeded(plan.Dockerfile.FindStage("test")!));
        Assert.Equal("golang:1.22", plan.Stages[0].BaseImage);
        Assert.Equal(new HashSet<string> { "GO_VERSION" }, plan.Stages[0].UsedGlobalArgs);
        Assert.Equal("1.22", plan.GlobalArgs["GO_VERSION"]);

        var debug = plan.Target;
        Assert.Equal("final", debug.BaseStage?.Name);
        Assert.Equal(["tools", "final"], debug.Dependencies.Select(d => d.Name));
        Assert.Equal(["build"], plan.Find(plan.Dockerfile.FindStage("final")!)!.Dependencies.Select(d => d.Name));
    }

    [Fact]
    public void Target_prunes_stages_it_does_not_need()
    {
        var df = Corpus.Parse("multistage.Dockerfile");

        Assert.Equal(["build", "final"], StagePlanner.Plan(df, "final").Stages.Select(s => s.Stage.Name));
        Assert.Equal(["build", "test"], StagePlanner.Plan(df, "TEST").Stages.Select(s => s.Stage.Name));
        Assert.Equal(["tools"], StagePlanner.Plan(df, "tools").Stages.Select(s => s.Stage.Name));
        Assert.Null(StagePlanner.Plan(df, "tools").Target.BaseStage);
    }

    [Fact]
    public void Build_args_override_global_defaults_in_from()
    {
        var df = Corpus.Parse("multistage.Dockerfile");
        var plan = StagePlanner.Plan(df, "build", Corpus.Vars(("GO_VERSION", "1.23")));
        Assert.Equal("golang:1.23", plan.Target.BaseImage);

        var args = Corpus.Parse("args-env.Dockerfile");
        Assert.Equal("alpine:3.19", StagePlanner.Plan(args).Target.BaseImage);
        Assert.Equal("debian:12", StagePlanner.Plan(args, null, Corpus.Vars(("BASE", "debian"), ("TAG", "12"))).Target.BaseImage);
        Assert.False(StagePlanner.Plan(args).GlobalArgs.ContainsKey("TAG"));
    }

    [Fact]
    public void Global_defaults_see_earlier_globals()
    {
        var df = DockerfileParser.Parse("ARG A=x\nARG B=${A}y\nFROM img:$B\n");
        Assert.Equal("img:xy", StagePlanner.Plan(df).Target.BaseImage);
        Assert.Equal("img:zy", StagePlanner.Plan(df, null, Corpus.Vars(("A", "z"))).Target.BaseImage);
    }

    [Fact]
    public void Copy_from_an_unknown_name_is_an_external_image()
    {
        var df = DockerfileParser.Parse("FROM scratch AS a\nCOPY --from=nginx:latest /etc/nginx /nginx\nRUN --mount=type=bind,from=busybox,target=/b true\n");
        var plan = StagePlanner.Plan(df);
        Assert.Equal(["nginx:latest", "busybox"], plan.Target.ExternalImages);
        Assert.Empty(plan.Target.Dependencies);
    }

    [Theory]
    [InlineData("FROM a AS one\nFROM b\nCOPY --from=2 /x /y\n", "bad:3: COPY: invalid stage index 2: the Dockerfile has 2 stage(s)")]
    [InlineData("FROM a AS one\nCOPY --from=0 /x /y\n", "bad:2: COPY: cannot copy from stage 0, it needs to be defined before current stage one")]
    [InlineData("FROM a\nCOPY --from=later /x /y\nFROM b AS later\n", "bad:2: COPY: cannot copy from stage \"later\", it needs to be defined before current stage stage-0")]
    [InlineData("ARG S=one\nFROM a AS one\nFROM b\nCOPY --from=${S} /x /y\n", "bad:4: COPY: variable expansion is not supported for --from (${S}); define a stage with FROM using a global ARG instead")]
    [InlineData("ARG EMPTY\nFROM ${EMPTY}\n", "bad:2: FROM: base name (${EMPTY}) should not be blank")]
    public void Bad_stage_references_are_errors_at_their_line(string text, string message)
    {
        var df = DockerfileParser.Parse(text, "bad");
        var ex = Assert.Throws<LayerToolsException>(() => StagePlanner.Plan(df));
        Assert.Equal("DockerfileParseError", ex.ErrorId);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Unknown_target_lists_the_stages()
    {
        var ex = Assert.Throws<LayerToolsException>(() => StagePlanner.Plan(Corpus.Parse("multistage.Dockerfile"), "nope"));
        Assert.Equal("BuildTargetNotFound", ex.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, ex.Kind);
        Assert.Contains("build, tools, test, final, debug", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void From_a_later_stage_name_is_an_image()
    {
        var df = DockerfileParser.Parse("FROM later AS first\nFROM alpine AS later\n");
        var plan = StagePlanner.Plan(df, "first");
        Assert.Null(plan.Target.BaseStage);
        Assert.Equal("later", plan.Target.BaseImage);
        Assert.Single(plan.Stages);
    }
}
