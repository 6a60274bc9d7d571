using LayerTools.Core.Build.Planning;
using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Tests.Build;

public class StageScopeTests
{
    private static (StageScope Scope, List<Instruction> Expanded) Run(Dockerfile df, IReadOnlyDictionary<string, string>? buildArgs = null, IEnumerable<string>? baseEnv = null, string? target = null)
    {
        var plan = StagePlanner.Plan(df, target, buildArgs);
        var scope = StageScope.Start(plan.Target, plan, baseEnv, buildArgs);
        var expanded = new List<Instruction>();
        foreach (var instruction in plan.Target.Stage.Instructions)
        {
            (scope, var e) = scope.Apply(instruction);
            expanded.Add(e);
        }

        return (scope, expanded);
    }

    [Fact]
    public void Args_and_env_flow_through_a_stage()
    {
        var df = Corpus.Parse("args-env.Dockerfile");
        var (scope, expanded) = Run(df, Corpus.Vars(("USER_NAME", "bob")), ["PATH=/usr/bin", "HOME=/root"]);

        Assert.Equal(["USER_NAME=bob"], ((ArgInstruction)expanded[0]).Arguments.Select(a => a.ToString()));
        Assert.Equal(["HOME_DIR=/home/bob"], ((ArgInstruction)expanded[1]).Arguments.Select(a => a.ToString()));
        Assert.Equal("/home/bob/srv", ((WorkdirInstruction)expanded[4]).Path);
        Assert.Equal("bob:users", ((UserInstruction)expanded[5]).User);
        Assert.Equal("/home/bob/srv/", ((CopyInstruction)expanded[10]).Destination);

        Assert.Equal(
            ["PATH=/usr/bin", "HOME=/root", "APP_HOME=/home/bob/srv", "GREETING=hello world", "LITERAL=$NOT_EXPANDED", "LEGACY_KEY=legacy value here"],
            scope.ImageEnv);
        Assert.Equal("bob", scope.Variables["USER_NAME"]);
        Assert.Equal(new Dictionary<string, string> { ["USER_NAME"] = "bob", ["HOME_DIR"] = "/home/bob" }, scope.Args);

        var stage = df.Stages[0].Instructions;
        Assert.Equal(new Dictionary<string, string> { ["USER_NAME"] = "bob" }, scope.UsedArgs(stage[5]));
        Assert.Empty(scope.UsedArgs(stage[4]));
        Assert.Equal(2, scope.UsedArgs(stage[11]).Count);
    }

    [Fact]
    public void Global_args_reach_a_stage_only_when_redeclared()
    {
        var df = DockerfileParser.Parse("ARG V=1\nFROM scratch\nENV BEFORE=\"[$V]\"\nARG V\nENV AFTER=$V\n");
        var (scope, _) = Run(df);
        Assert.Equal(["BEFORE=[]", "AFTER=1"], scope.ImageEnv);

        var (overridden, _) = Run(df, Corpus.Vars(("V", "2")));
        Assert.Equal(["BEFORE=[]", "AFTER=2"], overridden.ImageEnv);
    }

    [Fact]
    public void One_env_instruction_sees_the_values_before_it()
    {
        var df = DockerfileParser.Parse("FROM scratch\nENV A=old\nENV A=new B=$A\nARG X=1 Y=${X}2\nENV C=$Y\n");
        var (scope, _) = Run(df);
        Assert.Equal(["A=new", "B=old", "C=12"], scope.ImageEnv);
    }

    [Fact]
    public void Arg_without_value_stays_unset_and_run_is_not_expanded()
    {
        var df = DockerfileParser.Parse("FROM scratch\nARG NOVALUE\nRUN echo $NOVALUE\n");
        var (scope, expanded) = Run(df);
        Assert.Empty(scope.Args);
        Assert.Equal(["NOVALUE"], ((ArgInstruction)expanded[0]).Arguments.Select(a => a.ToString()));
        Assert.Same(df.Stages[0].Instructions[1], expanded[1]);
    }
}
