using LayerTools.Core.Analysis;
using LayerTools.Core.Files;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Containers;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

/// <summary>A side whose files carry no digest (a host folder, a container's writes) is asked for one only where the comparison needs it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UndigestedFileTests
{
    [Fact]
    public void FilesWithoutDigestsAreHashedOnlyWhenTheirSizeMatchesTheOtherSide()
    {
        using var t = new TempStore();
        var image = TestImages.Add(t.Store, "c:1", new TarBuilder().File("same", "1234").File("edited", "abcd").File("grown", "x"));
        var upper = Path.Combine(t.Parent, "upper");
        Directory.CreateDirectory(upper);
        File.WriteAllText(Path.Combine(upper, "same"), "1234");
        File.WriteAllText(Path.Combine(upper, "edited"), "abce");
        File.WriteAllText(Path.Combine(upper, "grown"), "xxxxxx");
        foreach (var n in new[] { "same", "edited", "grown" })
        {
            File.SetUnixFileMode(Path.Combine(upper, n), (UnixFileMode)0x1A4);
        }

        var box = new HashedPaths(new HostFolderTree(upper), "box");

        var changes = LayerComparer.Compare(ComparisonTrees.Image(t.Store, image), box);

        Assert.Equal("/edited Modified Content|/grown Modified Content", string.Join("|", changes.Select(c => $"{c.Path} {c.Change} {c.Details}")));
        Assert.Equal("box", changes[0].Difference);
        Assert.Equal(new[] { "edited", "same" }, box.Hashed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AContainersWritesAreHashedThroughItsTreeAndNamedAsTheContainer()
    {
        using var t = new TempStore();
        ContainerTestImage.Add(t);
        var view = ContainerTestImage.Open(t, out var containers, "box");
        ContainerTestImage.Write(view, "/etc/motd", "hello v3"); // same size as the image's "hello v2"
        ContainerTestImage.Write(view, "/etc/conf", "v1"); // rewritten, same bytes

        var changes = LayerComparer.Compare(ComparisonTrees.Image(t.Store, ContainerTestImage.Reference), ComparisonTrees.Container(containers, "box"), CompareProperty.Content);

        var change = Assert.Single(changes);
        Assert.Equal("/etc/motd", change.Path);
        Assert.Equal(ChangeDetails.Content, change.Details);
        Assert.Equal("container box", change.Difference);
    }

    /// <summary>A real host folder's tree under another label, noting each file it is asked to hash.</summary>
    private sealed class HashedPaths(HostFolderTree tree, string label) : IFileTree
    {
        public List<string> Hashed { get; } = new();

        public string Label => label;

        public LayerFile? Item(string path) => tree.Item(path);

        public bool IsDirectory(string path) => tree.IsDirectory(path);

        public IReadOnlyList<LayerFile> Children(string path) => tree.Children(path);

        public string Resolve(string path, bool followLast) => tree.Resolve(path, followLast);

        public Stream OpenRead(string path) => tree.OpenRead(path);

        public string? Digest(string path)
        {
            Hashed.Add(path);
            return tree.Digest(path);
        }
    }
}
