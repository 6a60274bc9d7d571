using LayerTools.Core.Images;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>Get-ImageHistory's records against <c>docker history</c> of the same BuildKit image, saved by docker and imported.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerHistoryTests
{
    private readonly BuildKitFixture _f;

    public DockerHistoryTests(BuildKitFixture f) => _f = f;

    [Fact]
    public void History_ShowsDockersImageIdAndContentSizes()
    {
        var context = Path.Combine(_f.Temp.Parent, "ctx-history");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "payload.txt"), new string('x', 76) + "\n");
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM busybox:conformance
            COPY payload.txt /srv/
            RUN printf 'ab\n' > /three && ln -s /srv/payload.txt /link && ln /three /three-again
            ENV A=1
            """);
        _f.Docker.Docker("build", "--network=host", "-q", "-t", "conformance/history", context);
        var imported = _f.SaveAndImport("conformance/history", "buildkit/history:1");

        var docker = _f.Docker.Docker("history", "--no-trunc", "--human=false", "--format", "{{.ID}}|{{.Size}}|{{.CreatedBy}}", "conformance/history")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ours = _f.Catalog.History(imported).Reverse().Select(h => $"{h.ImageId}|{h.Size}|{h.CreatedBy}").ToArray();

        // The base row is left out: docker counted that layer when `docker import` unpacked it, which
        // adds symbolic links' target lengths; BuildKit's layers (and LayerTools) count regular files.
        Assert.Equal(docker.Length, ours.Length);
        Assert.Equal(docker[..^1], ours[..^1]);
        Assert.Equal(docker[^1].Split('|')[0], ours[^1].Split('|')[0]);
        Assert.Equal("<missing>|77|COPY payload.txt /srv/ # buildkit", ours[2]);
        Assert.StartsWith(_f.Catalog.ConfigDigestOf(imported) + "|0|ENV A=1", ours[0], StringComparison.Ordinal);
    }
}
