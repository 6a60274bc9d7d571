using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>
/// The private dockerd and one LayerTools store holding the same base image: a busybox-static root
/// file system made by the tests, put into docker with <c>docker import</c> and into the store from
/// <c>docker save</c>, so both builders start from the very same layer and config.
/// </summary>
public sealed class BuildKitFixture : IDisposable
{
    public const string Base = "busybox:conformance";

    private static readonly string[] MoreApplets = { "chown", "chgrp", "grep", "stat", "find", "sort", "head", "readlink", "test", "printf", "sed", "mknod", "xargs", "tr", "dd" };

    public BuildKitFixture()
    {
        try
        {
            var rootfs = BusyboxBase.Layer();
            foreach (var applet in MoreApplets)
            {
                rootfs.Symlink("bin/" + applet, "busybox");
            }

            var tar = Path.Combine(Temp.Parent, "busybox-rootfs.tar");
            rootfs.Save(tar);
            Docker.Docker("import", tar, Base);
            var saved = Path.Combine(Temp.Parent, "busybox-saved.tar");
            Docker.Docker("save", "-o", saved, Base);
            ImageImporter.Import(Temp.Store, saved, ImageReference.Parse(Base));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public DockerDaemon Docker { get; } = new();

    internal TempStore Temp { get; } = new();

    internal ImageCatalog Catalog => new(Temp.Store);

    /// <summary>Saves a docker image with <c>docker save</c> and imports the archive into the store under <paramref name="tag"/>.</summary>
    internal StoredImage SaveAndImport(string dockerImage, string tag)
    {
        var saved = Path.Combine(Temp.Parent, "saved-" + Guid.NewGuid().ToString("N")[..8] + ".tar");
        Docker.Docker("save", "-o", saved, dockerImage);
        try
        {
            return Assert.Single(ImageImporter.Import(Temp.Store, saved, ImageReference.Parse(tag)));
        }
        finally
        {
            File.Delete(saved);
        }
    }

    public void Dispose()
    {
        Docker.Dispose();
        Temp.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<BuildKitFixture>
{
    public const string Name = "docker";
}
