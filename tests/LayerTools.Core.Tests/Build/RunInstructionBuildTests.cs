using LayerTools.Core.Tests.Run;

namespace LayerTools.Core.Tests.Build;

/// <summary>Builds whose RUN really runs: SHELL changes what RUN uses, ONBUILD triggers run first in the child build.</summary>
[Collection(RunnerCollection.Name)]
public sealed class RunInstructionBuildTests : IClassFixture<BuildFixture>
{
    private readonly BuildFixture _f;

    public RunInstructionBuildTests(BuildFixture fixture) => _f = fixture;

    [Fact]
    public void ShellChangesTheShellRunUses()
    {
        var ctx = _f.Context();
        // With -e the first failing command stops the script: without SHELL the second line would run.
        _f.Build(ctx, """
            FROM busybox:test
            RUN false; echo default-shell-continued > /default
            SHELL ["/bin/sh", "-ec"]
            RUN echo "$0 $-" > /shell-flags
            RUN if false; then :; fi; echo ok > /ok
            """, "shell:1");
        Assert.Equal("default-shell-continued\n", _f.Read("shell:1", "/default"));
        Assert.Contains("e", _f.Read("shell:1", "/shell-flags").Split(' ')[1], StringComparison.Ordinal);
        var history = _f.Catalog.History(_f.Catalog.Resolve("shell:1"));
        Assert.Equal("RUN /bin/sh -ec echo \"$0 $-\" > /shell-flags # buildkit", history[^2].CreatedBy);

        var ex = Assert.Throws<LayerToolsException>(() => _f.Build(ctx, "FROM busybox:test\nSHELL [\"/bin/sh\", \"-ec\"]\nRUN false; echo never > /never\n", "shell:2"));
        Assert.Equal("RunFailed", ex.ErrorId);
        Assert.Contains("Dockerfile:3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnbuildRunTriggersRunBeforeTheChildsOwnSteps()
    {
        var ctx = _f.Context();
        _f.Build(ctx, "FROM busybox:test\nONBUILD RUN echo triggered > /trigger\nCMD [\"sh\"]\n", "onrun-base:1");
        Assert.Null(_f.View("onrun-base:1").Get("trigger"));

        var result = _f.Build(ctx, "FROM onrun-base:1\nRUN cat /trigger > /seen-by-child\n", "onrun-child:1");
        Assert.Equal("triggered\n", _f.Read("onrun-child:1", "/seen-by-child"));
        Assert.Equal("RUN echo triggered > /trigger", result.Steps[1].Instruction);
        Assert.Null(_f.Config("onrun-child:1")["config"]!["OnBuild"]);

        // A grandchild built FROM the child does not run the trigger again.
        var grandchild = _f.Build(ctx, "FROM onrun-child:1\nLABEL g=1\n", "onrun-grandchild:1");
        Assert.DoesNotContain(grandchild.Steps, s => s.Instruction.Contains("triggered", StringComparison.Ordinal));
    }
}
