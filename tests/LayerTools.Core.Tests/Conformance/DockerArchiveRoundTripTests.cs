using System.Text.Json.Nodes;
using LayerTools.Core.Interchange;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>Archives written by the real <c>docker save</c> imported, compared with what docker says, exported and loaded back.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerArchiveRoundTripTests
{
    private readonly BuildKitFixture _f;

    public DockerArchiveRoundTripTests(BuildKitFixture f) => _f = f;

    [Fact]
    public void DockerSave_ImportsWithDockersIdLayersAndFiles_AndLoadsBackAsTheSameImage()
    {
        var context = Path.Combine(_f.Temp.Parent, "ctx-roundtrip");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "app.txt"), "app\n");
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM busybox:conformance
            COPY app.txt /srv/
            RUN rm /etc/motd && mkdir -p /var/lib/x && echo 1 > /var/lib/x/one && ln -s /srv/app.txt /app
            USER app
            CMD ["cat", "/srv/app.txt"]
            """);
        _f.Docker.Docker("build", "--network=host", "-q", "-t", "conformance/roundtrip", context);
        var inspect = JsonNode.Parse(_f.Docker.Docker("inspect", "conformance/roundtrip"))![0]!;

        var imported = _f.SaveAndImport("conformance/roundtrip", "buildkit/roundtrip:1");
        var loaded = _f.Catalog.Load(imported);
        Assert.Equal((string)inspect["Id"]!, loaded.Id);
        Assert.Equal(inspect["RootFS"]!["Layers"]!.AsArray().Select(l => (string)l!), loaded.Layers);
        var view = _f.Catalog.Union(imported);
        Assert.Null(view.Lookup("etc/motd"));
        Assert.Equal("/srv/app.txt", view.Lookup("app")!.LinkTarget);
        Assert.Equal(2, view.Lookup("var/lib/x/one")!.Size);

        var archive = Path.Combine(_f.Temp.Parent, "roundtrip-export.tar");
        ImageExporter.Export(_f.Temp.Store, [imported], archive, ExportFormat.DockerArchive, LayerCompression.None);
        _f.Docker.Docker("rmi", "conformance/roundtrip");
        _f.Docker.Docker("load", "-i", archive);
        Assert.Equal((string)inspect["Id"]!, _f.Docker.Docker("inspect", "--format", "{{.Id}}", "buildkit/roundtrip:1").Trim());
        Assert.Equal("app\n", _f.Docker.Docker("run", "--rm", "--network=none", "buildkit/roundtrip:1"));
    }
}
