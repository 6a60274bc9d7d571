using LayerTools.Core.Build.Steps;
using LayerTools.Core.Containers;
using LayerTools.Core.Oci;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Containers;

public sealed class ChangeInstructionsTests
{
    private static ImageState Apply(params string[] changes)
    {
        var state = ImageState.Scratch("linux", "amd64");
        state.SetEnv("PATH", "/usr/bin:/bin");
        state.SetEnv("HOME", "/root");
        ChangeInstructions.Apply(state, changes);
        return state;
    }

    [Fact]
    public void VariablesExpandAsInADockerfile()
    {
        var state = Apply(
            "ENV PATH=/opt/bin:$PATH DATA=${HOME}/data",
            "ENV LITERAL='$HOME' ESCAPED=\\$HOME QUOTED=\"$HOME x\"",
            "WORKDIR $HOME",
            "WORKDIR app",
            "LABEL home=$HOME");
        Assert.Equal("/opt/bin:/usr/bin:/bin", state.GetEnv("PATH"));
        Assert.Equal("/root/data", state.GetEnv("DATA"));
        Assert.Equal("$HOME", state.GetEnv("LITERAL"));
        Assert.Equal("$HOME", state.GetEnv("ESCAPED"));
        Assert.Equal("/root x", state.GetEnv("QUOTED"));
        Assert.Equal("/root/app", state.WorkingDir);
        Assert.Equal("/root", JsonDocuments.GetString((System.Text.Json.Nodes.JsonObject)state.RuntimeConfig["Labels"]!, "home"));
    }

    [Fact]
    public void CommandsTakeJsonOrShellFormAndEntrypointResetsAnInheritedCmd()
    {
        var state = Apply("CMD echo $HOME", "ONBUILD RUN make");
        Assert.Equal(new[] { "/bin/sh", "-c", "echo $HOME" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "Cmd"));
        Assert.Equal(new[] { "RUN make" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "OnBuild"));

        ChangeInstructions.Apply(state, new[] { "ENTRYPOINT [\"/app\"]" });
        Assert.Null(JsonDocuments.GetStringArray(state.RuntimeConfig, "Cmd"));

        ChangeInstructions.Apply(state, new[] { "CMD [\"--help\"]", "ENTRYPOINT [\"/app2\"]" });
        Assert.Equal(new[] { "--help" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "Cmd"));
        Assert.Equal(new[] { "/app2" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "Entrypoint"));
    }

    [Fact]
    public void ABrokenJsonFormIsTheShellFormAsInADockerfile()
    {
        var state = Apply("CMD [\"unclosed\"", "ENTRYPOINT [\"/app\", \"x\"]");
        Assert.Equal(new[] { "/app", "x" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "Entrypoint"));
        Assert.Equal(new[] { "/bin/sh", "-c", "[\"unclosed\"" }, JsonDocuments.GetStringArray(state.RuntimeConfig, "Cmd"));
    }

    [Theory]
    [InlineData("RUN make")]
    [InlineData("FROM scratch")]
    [InlineData("CMD")]
    [InlineData("ENV")]
    [InlineData("ENV ONLYKEY")]
    [InlineData("LABEL novalue")]
    [InlineData("ENV A=\"unclosed")]
    [InlineData("ENV A=${B")]
    [InlineData("ONBUILD FROM x")]
    public void WhatADockerfileWouldRefuseIsRefused(string change)
    {
        var ex = LayerAssert.Throws("InvalidChange", () => Apply(change));
        Assert.Contains(change, ex.Message, StringComparison.Ordinal);
    }
}
