using LayerTools.Core.Containers;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Tar;
using LayerTools.Core.Tests.Support;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Containers;

/// <summary>A two-layer image with what copy-on-write has to get right: owners, hard links, links that point out of the root, a deep directory.</summary>
internal static class ContainerTestImage
{
    public const string Reference = "base:1";

    public static StoredImage Add(TempStore t, string reference = Reference) => TestImages.Add(
        t.Store,
        reference,
        new TarBuilder()
            .Dir("etc")
            .File("etc/motd", "hello")
            .File("etc/conf", "v1", mode: 0x180)
            .Dir("usr", mode: 0x1C9)
            .Dir("usr/bin")
            .File("usr/bin/tool", "tool v1", mode: 0x1ED)
            .HardLink("usr/bin/tool-link", "usr/bin/tool")
            .Dir("opt")
            .Dir("opt/app", mode: 0x1E8, uid: 1000, gid: 1000)
            .File("opt/app/a", "a", uid: 1000, gid: 1000)
            .File("opt/app/b", "b", uid: 1000, gid: 1000)
            .Dir("opt/app/sub", uid: 1000, gid: 1000)
            .File("opt/app/sub/c", "c", uid: 1000, gid: 1000)
            .Dir("tmp", mode: 0x3FF)
            .Symlink("etc-link", "/etc")
            .Symlink("escape", "../../../../../../tmp")
            .Symlink("abs-escape", "/../../.."),
        new TarBuilder()
            .File("etc/motd", "hello v2")
            .Dir("var")
            .Dir("var/log"));

    public static ContainerView Open(TempStore t, out ContainerStore containers, string? name = null)
    {
        containers = new ContainerStore(t.Store);
        var c = containers.Create(Reference, name);
        return containers.Open(c.Id);
    }

    public static string Text(ContainerView view, string path)
    {
        using var s = view.OpenRead(path);
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    public static void Write(ContainerView view, string path, string text, bool append = false)
    {
        using var s = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        view.WriteFile(path, s, append);
    }

    /// <summary>Digest of every blob file, read from disk.</summary>
    public static Dictionary<string, string> BlobDigests(TempStore t) =>
        Directory.EnumerateFiles(t.Store.BlobsDir).ToDictionary(f => Path.GetFileName(f), f =>
        {
            using var fs = File.OpenRead(f);
            return Digest.Of(fs);
        }, StringComparer.Ordinal);

    /// <summary>Path, type, mode, owner, link target and content digest of everything in a union view.</summary>
    public static List<string> Describe(TempStore t, UnionView view) =>
        view.Walk(string.Empty).Select(n => Line(n.Entry.Path, n.Entry.Type, n.Entry.Mode, n.Entry.Uid, n.Entry.Gid, n.Entry.LinkTarget, n.Entry.Digest)).ToList();

    /// <summary>The same description of a container's view, its file contents hashed as it reads them.</summary>
    public static List<string> Describe(ContainerView view) =>
        view.Walk("/").Select(f =>
        {
            string? digest = null;
            if (f.Type is EntryType.File or EntryType.HardLink)
            {
                using var s = view.OpenRead(f.Path);
                digest = Digest.Of(s);
            }

            return Line(f.Path.TrimStart('/'), f.Type, f.Mode, f.Uid, f.Gid, f.LinkTarget, digest);
        }).ToList();

    private static string Line(string path, EntryType type, int mode, int uid, int gid, string? link, string? digest) =>
        $"{path} {type} {Convert.ToString(mode, 8)} {uid}:{gid} {link} {digest}";
}
