using System.Diagnostics;
using System.Runtime.InteropServices;
using LayerTools.Core.Containers;
using LayerTools.Core.Images;
using LayerTools.Core.Layers;
using LayerTools.Core.Tests.Support;
using static LayerTools.Core.Tests.Containers.ContainerTestImage;

namespace LayerTools.Core.Tests.Containers;

/// <summary>The writable layer as other writers leave it: overlayfs (a program ran in the mounted container) and other views or processes.</summary>
public sealed class ContainerInteropTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int setxattr([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nuint size, int flags);

    [Fact]
    public void OverlayWhiteoutsAndOpaqueDirectoriesLeftInUpperAreUnderstood()
    {
        using var t = new TempStore();
        Add(t);
        var containers = new ContainerStore(t.Store);
        var c = containers.Create(Reference, "c");
        var upper = Path.Combine(containers.ContainersDir, c.Id, "upper");

        // What overlayfs leaves after `rm /etc/conf; rm -r /opt/app; mkdir /opt/app; touch /opt/app/fresh`.
        Directory.CreateDirectory(Path.Combine(upper, "etc"));
        using (var p = Process.Start("mknod", new[] { Path.Combine(upper, "etc", "conf"), "c", "0", "0" }))
        {
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        Directory.CreateDirectory(Path.Combine(upper, "opt", "app"));
        Assert.Equal(0, setxattr(Path.Combine(upper, "opt", "app"), "trusted.overlay.opaque", "y"u8.ToArray(), 1, 0));
        File.WriteAllText(Path.Combine(upper, "opt", "app", "fresh"), "fresh");

        var view = containers.Open("c");
        Assert.Null(view.Stat("/etc/conf"));
        Assert.Equal(new[] { "fresh" }, view.List("/opt/app").Select(f => f.Name));
        Assert.Contains("D /etc/conf", view.Changes().Select(x => x.ToString()));
        Assert.Contains("D /opt/app/sub", view.Changes().Select(x => x.ToString()));

        Write(view, "/etc/conf", "again");
        Assert.Equal("again", Text(view, "/etc/conf"));
        Assert.Equal(EntryType.File, HostFile.LStat(Path.Combine(upper, "etc", "conf"))!.Value.Type);

        var image = containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("out:1") });
        var layer = t.Store.ReadLayerIndex(image.Layers[^1]);
        Assert.Contains(layer.Entries, e => e.Type == EntryType.Whiteout && e.Path == "etc/conf");
        Assert.Contains(layer.Entries, e => e.Type == EntryType.OpaqueWhiteout && e.Path == "opt/app");
        Assert.DoesNotContain(layer.Entries, e => e.Type == EntryType.CharDevice);
        Assert.Equal(Describe(view), Describe(t, containers.Catalog.Union(containers.Catalog.Resolve("out:1"))));
    }

    [Fact]
    public void AViewCatchesUpWithWritesFromAnotherViewBeforeItWrites()
    {
        using var t = new TempStore();
        Add(t);
        var containers = new ContainerStore(t.Store);
        containers.Create(Reference, "c");
        var first = containers.Open("c");
        var second = new ContainerStore(t.Store).Open("c");

        Write(first, "/etc/motd", "first");
        Write(first, "/opt/app/new", "n");
        Write(second, "/etc/motd", " second", append: true); // the copy-up already happened: no second copy
        Assert.Equal("first second", Text(first, "/etc/motd"));
        second.Delete("/opt/app", recursive: true);

        first.Refresh();
        Assert.Null(first.Stat("/opt/app/new"));
        Assert.Equal(new[] { "opt/app" }, first.Whiteouts.Deleted);
        Assert.Equal(Describe(first), Describe(containers.Open("c")));
    }
}
