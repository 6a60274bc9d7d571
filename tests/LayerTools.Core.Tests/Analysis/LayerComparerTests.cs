using LayerTools.Core.Analysis;
using LayerTools.Core.Files;
using LayerTools.Core.Images;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

public sealed class LayerComparerTests
{
    private static TarBuilder BaseLayer() => new TarBuilder()
        .Dir("etc").File("etc/conf", "alpha")
        .Dir("bin").File("bin/tool", "tool", mode: 0x1ED).File("bin/other", "other")
        .Symlink("link", "bin/tool")
        .File("run.sh", "echo")
        .File("owned", "o")
        .File("grp", "g")
        .File("thing", "t")
        .File("gone", "bye")
        .File("both", "111");

    private static TarBuilder ChangeLayer() => new TarBuilder()
        .File("etc/conf", "bravo")
        .File("etc/new", "new")
        .Whiteout("gone")
        .Symlink("link", "bin/other")
        .File("run.sh", "echo", mode: 0x1ED)
        .File("owned", "o", uid: 1000)
        .File("grp", "g", gid: 50)
        .Dir("thing")
        .File("both", "2222", mode: 0x180);

    private static (IFileTree Reference, IFileTree Difference) TwoImages(LayerStore store)
    {
        TestImages.Add(store, "app:1", BaseLayer());
        TestImages.Add(store, "app:2", BaseLayer(), ChangeLayer());
        return (ComparisonTrees.Image(store, "app:1"), ComparisonTrees.Image(store, "app:2"));
    }

    private static string Summary(IEnumerable<LayerChange> changes) =>
        string.Join("\n", changes.Select(c => $"{c.Path} {c.Change} {c.Details}"));

    [Fact]
    public void ImageAgainstImageReportsEveryChangeKindOrderedByPath()
    {
        using var t = new TempStore();
        var (reference, difference) = TwoImages(t.Store);

        var changes = LayerComparer.Compare(reference, difference);

        Assert.Equal(
            """
            /both Modified Content, Mode
            /etc/conf Modified Content
            /etc/new Added None
            /gone Removed None
            /grp MetadataChanged Gid
            /link MetadataChanged LinkTarget
            /owned MetadataChanged Uid
            /run.sh MetadataChanged Mode
            /thing TypeChanged Type
            """.ReplaceLineEndings("\n"),
            Summary(changes));

        var byPath = changes.ToDictionary(c => c.Path);
        Assert.Equal("mode -rw-r--r-- → -rwxr-xr-x", byPath["/run.sh"].Description);
        Assert.Equal("uid 0 → 1000", byPath["/owned"].Description);
        Assert.Equal("gid 0 → 50", byPath["/grp"].Description);
        Assert.Equal("link target bin/tool → bin/other", byPath["/link"].Description);
        Assert.Equal("file → directory", byPath["/thing"].Description);
        Assert.Equal("content 3 → 4 bytes, mode -rw-r--r-- → -rw-------", byPath["/both"].Description);
        Assert.StartsWith("content sha256:", byPath["/etc/conf"].Description, StringComparison.Ordinal);
        Assert.Equal(EntryType.File, byPath["/thing"].ReferenceType);
        Assert.Equal(EntryType.Directory, byPath["/thing"].DifferenceType);
        Assert.Equal(3, byPath["/gone"].ReferenceSize);
        Assert.Null(byPath["/gone"].DifferenceSize);
        Assert.Null(byPath["/etc/new"].ReferenceSize);
        Assert.Equal(3, byPath["/etc/new"].DifferenceSize);
        Assert.Equal(1, byPath["/both"].SizeDelta);
        Assert.Equal("app:1", byPath["/both"].Reference);
        Assert.Equal("app:2", byPath["/both"].Difference);
        Assert.Equal("/both", byPath["/both"].ToString());

        // The other way round, additions become removals.
        var reverse = LayerComparer.Compare(difference, reference);
        Assert.Equal(LayerChangeKind.Removed, reverse.Single(c => c.Path == "/etc/new").Change);
        Assert.Equal(LayerChangeKind.Added, reverse.Single(c => c.Path == "/gone").Change);
        Assert.Empty(LayerComparer.Compare(reference, reference));

        // A piped LayeredImage is the same side as its name.
        var piped = new ImageCatalog(t.Store).Load(new ImageCatalog(t.Store).Resolve("app:2"));
        var viaObject = ComparisonTrees.Image(t.Store, piped);
        Assert.Equal("app:2", viaObject.Label);
        Assert.Equal(Summary(changes), Summary(LayerComparer.Compare(reference, viaObject)));
    }

    [Fact]
    public void PropertyContentIgnoresMetadataAndMetadataIgnoresContent()
    {
        using var t = new TempStore();
        var (reference, difference) = TwoImages(t.Store);

        Assert.Equal(
            """
            /both Modified Content
            /etc/conf Modified Content
            /etc/new Added None
            /gone Removed None
            /thing TypeChanged Type
            """.ReplaceLineEndings("\n"),
            Summary(LayerComparer.Compare(reference, difference, CompareProperty.Content)));

        Assert.Equal(
            """
            /both MetadataChanged Mode
            /etc/new Added None
            /gone Removed None
            /grp MetadataChanged Gid
            /link MetadataChanged LinkTarget
            /owned MetadataChanged Uid
            /run.sh MetadataChanged Mode
            /thing TypeChanged Type
            """.ReplaceLineEndings("\n"),
            Summary(LayerComparer.Compare(reference, difference, CompareProperty.Metadata)));
    }

    [Theory]
    [InlineData("/etc", "/etc/conf /etc/new")]
    [InlineData("etc/", "/etc/conf /etc/new")]
    [InlineData("/etc/n*", "/etc/new")]
    [InlineData("*.sh", "/run.sh")]
    [InlineData("/g?ne", "/gone")]
    [InlineData("[gr]*", "/gone /grp /run.sh")]
    [InlineData("/ETC", "")]
    [InlineData("/nothing-here", "")]
    public void PathWildcardSelectsPathsAndWhatLiesBeneathThem(string pattern, string expected)
    {
        using var t = new TempStore();
        var (reference, difference) = TwoImages(t.Store);

        var changes = LayerComparer.Compare(reference, difference, CompareProperty.All, pattern);

        Assert.Equal(expected, string.Join(" ", changes.Select(c => c.Path)));
    }

    [Fact]
    public void AnUnclosedBracketInThePatternIsAnError()
    {
        using var t = new TempStore();
        var (reference, difference) = TwoImages(t.Store);
        LayerAssert.Throws("InvalidPathPattern", () => LayerComparer.Compare(reference, difference, CompareProperty.All, "/etc/[ab"));
        Assert.Empty(LayerComparer.Compare(reference, difference, CompareProperty.All, "/etc/`[ab"));
    }

    [Fact]
    public void TheLastTwoLayersOfAnImageCompareAsTheirOwnEntriesWithWhiteouts()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "layers:1",
            new TarBuilder().File("base", "b"),
            new TarBuilder().Dir("app").File("app/a", "1").File("app/b", "2").File("app/c", "x"),
            new TarBuilder().Dir("app").File("app/a", "11").Whiteout("app/b").File("app/d", "d").Opaque("opq"));
        var lastTwo = new ImageCatalog(t.Store).Layers(stored).TakeLast(2).ToList();

        var changes = LayerComparer.Compare(ComparisonTrees.Layer(t.Store, lastTwo[0]), ComparisonTrees.Layer(t.Store, lastTwo[1]));

        Assert.Equal(
            """
            /app/.wh.b Added None
            /app/a Modified Content
            /app/b Removed None
            /app/d Added None
            /opq/.wh..wh..opq Added None
            """.ReplaceLineEndings("\n"),
            Summary(changes));
        Assert.Equal("file removed (whiteout)", changes.Single(c => c.Path == "/app/b").Description);
        Assert.Equal(EntryType.Whiteout, changes[0].DifferenceType);
        Assert.Equal(EntryType.OpaqueWhiteout, changes[^1].DifferenceType);
        Assert.Equal("whiteout added", changes[0].Description);
        Assert.Equal("layer 1 of layers:1", changes[0].Reference);
        Assert.Equal("layer 2 of layers:1", changes[0].Difference);

        // A layer against the image it tops: the whiteout is a whiteout on one side, absent on the other.
        var layerVsImage = LayerComparer.Compare(ComparisonTrees.Layer(t.Store, lastTwo[1].DiffId), ComparisonTrees.Image(t.Store, stored));
        Assert.Contains(layerVsImage, c => c.Path == "/app/.wh.b" && c.Change == LayerChangeKind.Removed);
        Assert.Contains(layerVsImage, c => c.Path == "/app/c" && c.Change == LayerChangeKind.Added);
        Assert.Contains(layerVsImage, c => c.Path == "/base" && c.Change == LayerChangeKind.Added);
        Assert.DoesNotContain(layerVsImage, c => c.Path is "/app/a" or "/app/d" or "/app");
    }

    [Fact]
    public void ALayerHidesWhatItWhitesOutMakesOpaqueOrReplacesAndNothingElse()
    {
        using var t = new TempStore();
        var stored = TestImages.Add(t.Store, "hide:1",
            new TarBuilder().Dir("keep").File("keep/x", "x").Dir("gone").File("gone/y", "y").Dir("opq").File("opq/z", "z").Dir("was-dir").File("was-dir/w", "w"),
            new TarBuilder().Whiteout("gone").Opaque("opq").File("opq/new", "n").File("was-dir", "now a file").File("top", "t"));
        var layers = new ImageCatalog(t.Store).Layers(stored).ToList();

        var changes = LayerComparer.Compare(ComparisonTrees.Layer(t.Store, layers[0]), ComparisonTrees.Layer(t.Store, layers[1]));

        Assert.Equal(
            """
            /.wh.gone Added None
            /gone Removed None
            /gone/y Removed None
            /opq/.wh..wh..opq Added None
            /opq/new Added None
            /opq/z Removed None
            /top Added None
            /was-dir TypeChanged Type
            /was-dir/w Removed None
            """.ReplaceLineEndings("\n"),
            Summary(changes));
        Assert.Equal("file removed (opaque directory /opq)", changes.Single(c => c.Path == "/opq/z").Description);
        Assert.Equal("file removed (/was-dir replaced)", changes.Single(c => c.Path == "/was-dir/w").Description);
        Assert.DoesNotContain(changes, c => c.Path.StartsWith("/keep", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownLayersImagesAndDirectoriesAreReportedAsNotFound()
    {
        using var t = new TempStore();
        LayerAssert.Throws("LayerNotFound", () => ComparisonTrees.Layer(t.Store, "sha256:" + new string('0', 64)));
        LayerAssert.Throws("LayerNotFound", () => ComparisonTrees.Layer(t.Store, "not-a-digest"));
        LayerAssert.Throws("ImageNotFound", () => ComparisonTrees.Image(t.Store, "nope:1"));
        LayerAssert.Throws("DirectoryNotFound", () => ComparisonTrees.Directory(Path.Combine(t.Parent, "missing")));
    }

    [Fact]
    public void DevicesCompareByTheirNumbersAsContent()
    {
        using var t = new TempStore();
        static TarBuilder Dev(int minor) => new TarBuilder().Dir("dev").Entry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.CharacterDevice, "dev/null")
        {
            DeviceMajor = 1,
            DeviceMinor = minor,
            Mode = (UnixFileMode)0x1B6,
            ModificationTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
        });
        TestImages.Add(t.Store, "dev:1", Dev(3));
        TestImages.Add(t.Store, "dev:2", Dev(5));

        var change = Assert.Single(LayerComparer.Compare(ComparisonTrees.Image(t.Store, "dev:1"), ComparisonTrees.Image(t.Store, "dev:2")));

        Assert.Equal("/dev/null", change.Path);
        Assert.Equal(LayerChangeKind.Modified, change.Change);
        Assert.Equal(ChangeDetails.Device, change.Details);
        Assert.Equal("device 1,3 → 1,5", change.Description);
        Assert.Empty(LayerComparer.Compare(ComparisonTrees.Image(t.Store, "dev:1"), ComparisonTrees.Image(t.Store, "dev:2"), CompareProperty.Metadata));
    }
}
