using LayerTools.Core.Store;
using LayerTools.Core.Tar;

namespace LayerTools.Core.Tests.Support;

/// <summary>A tiny real base image: the host's static busybox, applets as symlinks, root and app (uid 1000) users.</summary>
internal static class BusyboxBase
{
    public const string Passwd = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n";
    public const string Group = "root:x:0:\napp:x:1000:\nstaff:x:50:app\n";

    private static readonly string[] Applets = { "sh", "echo", "rm", "mkdir", "id", "cat", "ls", "pwd", "env", "hostname", "sleep", "touch", "chmod", "ln", "true", "false", "mv", "cp", "wc" };

    private static readonly Lazy<byte[]> Busybox = new(() => System.IO.File.ReadAllBytes("/usr/bin/busybox"));

    public static TarBuilder Layer()
    {
        var tar = new TarBuilder()
            .Dir("bin")
            .File("bin/busybox", Busybox.Value, mode: 0x1ED);
        foreach (var applet in Applets)
        {
            tar.Symlink("bin/" + applet, "busybox");
        }

        return tar
            .Dir("etc")
            .File("etc/passwd", Passwd)
            .File("etc/group", Group)
            .File("etc/motd", "welcome\n")
            .File("etc/resolv.conf", string.Empty)
            .Dir("home")
            .Dir("home/app", uid: 1000, gid: 1000)
            .Dir("tmp", mode: 0x3FF)
            .Dir("root", mode: 0x1C0);
    }

    /// <summary>Adds layers to the store (committed, no image) and returns their DiffIDs, base first.</summary>
    public static IReadOnlyList<string> AddLayers(LayerStore store, params TarBuilder[] layers)
    {
        using var staging = store.BeginStaging();
        var view = new LayerTools.Core.Union.UnionView();
        var ids = new List<string>();
        foreach (var layer in layers)
        {
            using var tar = layer.ToStream();
            var index = staging.AddLayer(tar, "layer" + ids.Count, view);
            view.Apply(index);
            ids.Add(index.DiffId);
        }

        staging.Commit(null);
        return ids;
    }

    /// <summary>The tree of a union view as "path[/] type mode uid:gid digest" lines.</summary>
    public static List<string> Describe(LayerTools.Core.Union.UnionView view) =>
        view.Walk(string.Empty).Select(n => Line(n.Entry.Path, n.Entry.Type, n.Entry.Mode, n.Entry.Uid, n.Entry.Gid, n.Entry.Type == EntryType.File ? n.Entry.Digest : n.Entry.LinkTarget)).ToList();

    public static string Line(string path, EntryType type, int mode, int uid, int gid, string? detail) =>
        $"{path}{(type == EntryType.Directory ? "/" : string.Empty)} {type} {Convert.ToString(mode, 8)} {uid}:{gid} {detail}";
}
