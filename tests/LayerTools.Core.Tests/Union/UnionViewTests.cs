using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Union;

public sealed class UnionViewTests
{
    private static UnionView Stack(params TarBuilder[] layers) => UnionView.Build(layers.Select(l => LayerAssert.Index(l.ToArray())));

    private static string[] Tree(UnionView view) => view.Walk(string.Empty).Select(n => n.Entry.Type == EntryType.Directory ? n.Entry.Path + "/" : n.Entry.Path).ToArray();

    private static string ContentDigestOf(UnionView view, string path) => view.Get(path)!.Entry.Digest!;

    [Fact]
    public void ALayerLaidOnLaterIsReadOnlyWhenTheViewIsAskedAndThenWinsAsIfAppliedAtOnce()
    {
        var lower = LayerAssert.Index(new TarBuilder().Dir("etc").File("etc/motd", "base").File("etc/keep", "k").ToArray());
        var upper = LayerAssert.Index(new TarBuilder().File("etc/motd", "upper").Whiteout("etc/keep").ToArray());
        var view = UnionView.Build([lower]);
        var loads = 0;
        view.ApplyLater(() =>
        {
            loads++;
            return upper;
        });

        Assert.Equal(0, loads);
        Assert.Equal(2, view.LayerCount);
        Assert.Equal(Digests.Digest.Of("upper"), ContentDigestOf(view, "etc/motd"));
        Assert.Equal(1, loads);
        Assert.Equal(Tree(UnionView.Build([lower, upper])), Tree(view));
        Assert.Equal(1, view.Get("etc/motd")!.LayerIndex);
        Assert.Equal(1, loads);
    }

    [Fact]
    public void UpperLayersWin()
    {
        var view = Stack(new TarBuilder().Dir("etc").File("etc/motd", "base"), new TarBuilder().File("etc/motd", "upper"));
        Assert.Equal(Digests.Digest.Of("upper"), ContentDigestOf(view, "etc/motd"));
        Assert.Equal(1, view.Get("etc/motd")!.LayerIndex);
        Assert.Equal(0, view.Get("etc")!.LayerIndex);
    }

    [Fact]
    public void AWhiteoutHidesALowerPathAndEverythingUnderIt()
    {
        var view = Stack(
            new TarBuilder().Dir("opt").Dir("opt/app").File("opt/app/a", "a").File("opt/keep", "k"),
            new TarBuilder().Whiteout("opt/app"));
        Assert.Equal(new[] { "opt/", "opt/keep" }, Tree(view));
        Assert.Null(view.Get("opt/app/a"));
    }

    [Fact]
    public void AnOpaqueDirectoryHidesLowerChildrenButKeepsItsOwnNewOnes()
    {
        var view = Stack(
            new TarBuilder().Dir("var").Dir("var/cache").File("var/cache/old1", "1").Dir("var/cache/sub").File("var/cache/sub/old2", "2"),
            new TarBuilder().Dir("var/cache", mode: 0x1C0).Opaque("var/cache").File("var/cache/new", "n"));
        Assert.Equal(new[] { "var/", "var/cache/", "var/cache/new" }, Tree(view));
        Assert.Equal(0x1C0, view.Get("var/cache")!.Entry.Mode);
    }

    [Fact]
    public void ADirectoryOverADirectoryKeepsTheUpperAttributesAndTheLowerChildren()
    {
        var view = Stack(
            new TarBuilder().Dir("srv", mode: 0x1ED, uid: 0).File("srv/index.html", "hi"),
            new TarBuilder().Dir("srv", mode: 0x1F8, uid: 33, gid: 33));
        var srv = view.Get("srv")!;
        Assert.Equal(0x1F8, srv.Entry.Mode);
        Assert.Equal(33, srv.Entry.Uid);
        Assert.Equal(1, srv.LayerIndex);
        Assert.NotNull(view.Get("srv/index.html"));
    }

    [Fact]
    public void AWhiteoutThenARecreateInAHigherLayerShowsTheNewFile()
    {
        var view = Stack(
            new TarBuilder().Dir("etc").File("etc/conf", "v1"),
            new TarBuilder().Whiteout("etc/conf"),
            new TarBuilder().File("etc/conf", "v3"));
        Assert.Equal(Digests.Digest.Of("v3"), ContentDigestOf(view, "etc/conf"));
        Assert.Equal(2, view.Get("etc/conf")!.LayerIndex);
    }

    [Fact]
    public void AWhiteoutAndARecreateInOneLayerHideOnlyTheLowerPath()
    {
        var view = Stack(
            new TarBuilder().Dir("d").File("d/x", "lower").File("d/x-child", "c"),
            new TarBuilder().Whiteout("d/x").File("d/x", "same layer"));
        Assert.Equal(Digests.Digest.Of("same layer"), ContentDigestOf(view, "d/x"));
    }

    [Fact]
    public void AFileReplacedByADirectoryAndBack()
    {
        var view = Stack(
            new TarBuilder().File("thing", "file"),
            new TarBuilder().Dir("thing").File("thing/inside", "i"),
            new TarBuilder().File("thing", "file again"));
        Assert.Equal(new[] { "thing" }, Tree(view));
        Assert.Equal(EntryType.File, view.Get("thing")!.Entry.Type);
        Assert.Null(view.Get("thing/inside"));

        var middle = Stack(new TarBuilder().File("thing", "file"), new TarBuilder().Dir("thing").File("thing/inside", "i"));
        Assert.Equal(new[] { "thing/", "thing/inside" }, Tree(middle));
    }

    [Fact]
    public void AnOpaqueWhiteoutThenAWhiteoutAndDeeperLayersCombine()
    {
        var view = Stack(
            new TarBuilder().Dir("a").Dir("a/b").File("a/b/1", "1").File("a/2", "2"),
            new TarBuilder().Opaque("a").Dir("a/b").File("a/b/3", "3"),
            new TarBuilder().Whiteout("a/b/3").File("a/4", "4"));
        Assert.Equal(new[] { "a/", "a/4", "a/b/" }, Tree(view));
    }

    [Fact]
    public void ChildrenOfAPathThatIsNoLongerADirectoryAreImpliedAsADirectory()
    {
        var view = Stack(new TarBuilder().File("x", "file"), new TarBuilder().File("x/y", "y"));
        Assert.Equal(EntryType.Directory, view.Get("x")!.Entry.Type);
        Assert.Equal(new[] { "x/", "x/y" }, Tree(view));
    }

    [Fact]
    public void AWhiteoutOfAPathThatDoesNotExistChangesNothing()
    {
        var view = Stack(new TarBuilder().File("a", "a"), new TarBuilder().Whiteout("nope").Opaque("nodir"));
        Assert.Equal(new[] { "a" }, Tree(view));
    }
}
