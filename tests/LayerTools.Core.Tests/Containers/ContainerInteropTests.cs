using System.Diagnostics;
using System.Runtime.InteropServices;
using LayerTools.Core.Containers;
using LayerTools.Core.Images;
using LayerTools.Core.Tar;
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

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {err}");
    }

    [Fact]
    public void TheWritableLayerMountsAsAnOverlayUpperdirAndWhatProgramsDoThereIsTheContainers()
    {
        using var t = new TempStore();
        Add(t);
        var containers = new ContainerStore(t.Store);
        var c = containers.Create(Reference, "c");
        containers.Create(Reference, "pristine");
        var view = containers.Open("c");
        Write(view, "/etc/motd", "mine");
        view.Delete("/etc/conf");
        view.Delete("/opt/app", recursive: true);
        view.CreateDirectory("/opt/app");
        Write(view, "/opt/app/new", "n");
        view.WriteOverlayWhiteouts();
        Assert.Equal(EntryType.CharDevice, HostFile.LStat(Path.Combine(view.UpperDir, "etc", "conf"))!.Value.Type);
        Assert.True(HostFile.IsOverlayOpaque(Path.Combine(view.UpperDir, "opt", "app")));
        Assert.Equal(Describe(view), Describe(containers.Open("c"))); // both forms read as the same deletions

        // The image's files as a lower directory, the container's upper/ as the upperdir.
        var lower = ContainerCopy.FromContainer(containers.Open("pristine"), "/", t.Parent, recurse: true);
        var work = Path.Combine(containers.ContainersDir, c.Id, "work");
        var mount = Path.Combine(t.Parent, "mnt");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={view.UpperDir},workdir={work}", mount);
        try
        {
            Assert.Equal("mine", File.ReadAllText(Path.Combine(mount, "etc", "motd")));
            Assert.False(File.Exists(Path.Combine(mount, "etc", "conf")));
            Assert.Equal(new[] { "new" }, Directory.EnumerateFileSystemEntries(Path.Combine(mount, "opt", "app")).Select(Path.GetFileName));

            // A program works in the mounted container.
            File.Delete(Path.Combine(mount, "etc", "motd"));
            File.WriteAllText(Path.Combine(mount, "usr", "bin", "added"), "added");
            Directory.Delete(Path.Combine(mount, "var"), recursive: true);
            File.AppendAllText(Path.Combine(mount, "usr", "bin", "tool"), " run");
            Assert.True(ContainerStore.IsMounted(Path.Combine(containers.ContainersDir, c.Id)));
            LayerAssert.Throws("ContainerMounted", () => containers.Remove("c"));
        }
        finally
        {
            Run("umount", mount);
        }

        var after = containers.Open("c");
        Assert.Null(after.Stat("/etc/motd"));
        Assert.Null(after.Stat("/var"));
        Assert.Equal("added", Text(after, "/usr/bin/added"));
        Assert.Equal("tool v1 run", Text(after, "/usr/bin/tool"));
        Assert.Contains("D /var", after.Changes().Select(x => x.ToString()));

        containers.Commit("c", new CommitOptions { Tag = ImageReference.Parse("mounted:1") });
        var committed = containers.Catalog.Union(containers.Catalog.Resolve("mounted:1"));
        Assert.Null(committed.Get("etc/motd"));
        Assert.Null(committed.Get("var"));
        Assert.Equal(new[] { "new" }, committed.List("opt/app").Select(n => TarPath.Name(n.Entry.Path)));
        Assert.Equal(Describe(after), Describe(t, committed));
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
