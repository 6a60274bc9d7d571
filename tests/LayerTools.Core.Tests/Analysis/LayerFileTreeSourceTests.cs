using LayerTools.Core.Analysis;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;

namespace LayerTools.Core.Tests.Analysis;

public sealed class LayerFileTreeSourceTests
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
        var files = new[] { "same", "edited", "grown" }
            .Select(n => new LayerFile { Path = "/" + n, Type = EntryType.File, Mode = 0x1A4, Size = new FileInfo(Path.Combine(upper, n)).Length })
            .Append(new LayerFile { Path = "/", Type = EntryType.Directory, Mode = 0x1ED })
            .ToList();
        var opened = new List<string>();
        Stream Open(string path)
        {
            opened.Add(path);
            return File.OpenRead(Path.Combine(upper, path.TrimStart('/')));
        }

        var changes = LayerComparer.Compare(FileTreeSources.Image(t.Store, image), new LayerFileTreeSource(() => files, "box", Open));

        Assert.Equal("/edited Modified Content|/grown Modified Content", string.Join("|", changes.Select(c => $"{c.Path} {c.Change} {c.Details}")));
        Assert.Equal("box", changes[0].Difference);
        Assert.Equal(new[] { "/edited", "/same" }, opened.Order(StringComparer.Ordinal));
    }
}
