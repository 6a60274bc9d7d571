using System.Text.RegularExpressions;
using LayerTools.Core.Containers;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Containers;

public sealed class ContainerStoreTests
{
    [Fact]
    public void CreateWritesTheRecordAndAnEmptyWritableLayer()
    {
        using var t = new TempStore();
        var image = ContainerTestImage.Add(t);
        var containers = new ContainerStore(t.Store);
        var c = containers.Create("base:1", "web");

        Assert.Matches("^[0-9a-f]{64}$", c.Id);
        Assert.Equal("web", c.Name);
        Assert.Equal("base:1", c.Image);
        Assert.Equal(containers.Catalog.ConfigDigestOf(image), c.ImageId);
        Assert.Equal(image.Manifest.Digest, c.ManifestDigest);
        Assert.Equal(0, c.Size);
        Assert.Equal(0, c.Changes);
        var dir = Path.Combine(t.Store.DataDir, "containers", c.Id);
        Assert.True(File.Exists(Path.Combine(dir, "container.json")));
        Assert.True(File.Exists(Path.Combine(dir, "whiteouts.json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(dir, "upper")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(t.Store.TmpDir));
    }

    [Fact]
    public void TheUpperDirectoryTakesTheImageRootsAttributesForMounting()
    {
        using var t = new TempStore();
        TestImages.Add(t.Store, "rooted:1", new TarBuilder().Dir(".", mode: 0x1E8, uid: 5, gid: 6).File("f", "f"));
        var containers = new ContainerStore(t.Store);
        var c = containers.Create("rooted:1");
        var upper = HostFile.LStat(Path.Combine(containers.ContainersDir, c.Id, "upper"))!.Value;
        Assert.Equal((0x1E8, 5, 6), (upper.Mode, upper.Uid, upper.Gid));
        Assert.Equal(0x1E8, containers.Open(c.Id).Stat("/")!.Mode);
    }

    [Fact]
    public void NamesAreGeneratedDockerStyleAndAreUnique()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var containers = new ContainerStore(t.Store);
        var names = Enumerable.Range(0, 30).Select(_ => containers.Create("base:1").Name).ToList();
        Assert.All(names, n => Assert.Matches(new Regex("^[a-z]+_[a-z]+[0-9]?$"), n));
        Assert.Equal(names.Count, names.Distinct().Count());

        containers.Create("base:1", "mine");
        var ex = LayerAssert.Throws("ContainerNameInUse", () => containers.Create("base:1", "mine"));
        Assert.Contains("mine", ex.Message, StringComparison.Ordinal);
        LayerAssert.Throws("InvalidContainerName", () => containers.Create("base:1", "-bad/name"));
        Assert.Equal(31, containers.List().Count);
    }

    [Fact]
    public void GetFindsByNameIdAndUniqueIdPrefix()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var containers = new ContainerStore(t.Store);
        // Names that are not hex, so no name can also be read as an ID prefix.
        var a = containers.Create("base:1", "web");
        var b = containers.Create("base:1", "worker");
        Assert.Equal(a.Id, containers.Get("web").Id);
        Assert.Equal(b.Id, containers.Get(b.Id).Id);
        Assert.Equal(a.Id, containers.Get(a.Id[..12]).Id);
        LayerAssert.Throws("ContainerNotFound", () => containers.Get("nope"));

        // Seventeen IDs over sixteen hex digits: two of them always share their first digit.
        var ids = new List<string> { a.Id, b.Id };
        for (var i = 0; i < 15; i++)
        {
            ids.Add(containers.Create("base:1", "w" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Id);
        }

        var shared = ids.GroupBy(id => id[..1]).First(g => g.Count() > 1);
        var common = CommonPrefix(shared.First(), shared.Last());
        LayerAssert.Throws("AmbiguousContainerId", () => containers.Get(common));
    }

    [Fact]
    public void RemoveDeletesTheContainersFolderAndNothingElse()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var blobs = ContainerTestImage.BlobDigests(t);
        var containers = new ContainerStore(t.Store);
        var keep = containers.Create("base:1", "keep");
        var gone = containers.Create("base:1", "gone");
        var view = containers.Open("gone");
        ContainerTestImage.Write(view, "/etc/motd", "changed");
        view.Delete("/opt/app", recursive: true);
        ContainerTestImage.Write(containers.Open("keep"), "/etc/new", "kept");
        var before = t.Snapshot();

        Assert.True(containers.Remove(gone.Name));

        Assert.False(Directory.Exists(Path.Combine(containers.ContainersDir, gone.Id)));
        Assert.Equal(before, t.Snapshot());
        Assert.Equal(blobs, ContainerTestImage.BlobDigests(t));
        Assert.Equal(new[] { "keep" }, containers.List().Select(c => c.Name));
        Assert.Equal("kept", ContainerTestImage.Text(containers.Open(keep.Id), "/etc/new"));
        LayerAssert.Throws("ContainerNotFound", () => containers.Remove(gone.Id));
    }

    [Fact]
    public void ListReportsSizeAndChanges()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var containers = new ContainerStore(t.Store);
        containers.Create("base:1", "c");
        var view = containers.Open("c");
        ContainerTestImage.Write(view, "/etc/new", "12345");
        view.Delete("/etc/conf");

        var c = containers.List().Single();
        Assert.Equal(5, c.Size);
        Assert.Equal(3, c.Changes); // C /etc, A /etc/new, D /etc/conf
        Assert.Equal(c.Changes, view.Changes().Count);
    }

    [Fact]
    public void CreatingManyContainersAtOnceKeepsNamesUnique()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var results = new System.Collections.Concurrent.ConcurrentBag<string>();
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            try
            {
                results.Add(new ContainerStore(t.Store).Create("base:1", "same").Id);
            }
            catch (LayerToolsException ex)
            {
                errors.Add(ex.ErrorId);
            }
        });
        Assert.Single(results);
        Assert.Equal(7, errors.Count);
        Assert.All(errors, e => Assert.Equal("ContainerNameInUse", e));
    }

    [Fact]
    public void CollectKeepsTheImageAContainerStandsOnAfterItsTagIsGone()
    {
        using var t = new TempStore();
        var image = ContainerTestImage.Add(t);
        var containers = new ContainerStore(t.Store);
        containers.Create("base:1", "c");
        var blobs = ContainerTestImage.BlobDigests(t);
        Assert.True(containers.Catalog.Untag(image));
        Assert.Empty(containers.Catalog.List());

        var result = LayerTools.Core.Maintenance.StoreMaintenance.Collect(t.Store, whatIf: false);

        Assert.Empty(result.Blobs);
        Assert.Equal(blobs, ContainerTestImage.BlobDigests(t));
        Assert.Equal("hello v2", ContainerTestImage.Text(containers.Open("c"), "/etc/motd"));
        Assert.Contains(image.Manifest.Digest, containers.ImagesInUse());
        Assert.Single(containers.UsersOf(containers.Get("c").ImageId));

        containers.Remove("c");
        Assert.NotEmpty(LayerTools.Core.Maintenance.StoreMaintenance.Collect(t.Store, whatIf: false).Blobs);
    }

    private static string CommonPrefix(string a, string b)
    {
        var i = 0;
        while (i < a.Length && a[i] == b[i])
        {
            i++;
        }

        return a[..i];
    }
}
