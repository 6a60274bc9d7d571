using System.Globalization;
using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Tests.Conformance;

/// <summary>
/// What the suite compares of an image, read from the store: each path of the root file system as one
/// line (type, mode, owner, size, link target, content digest, xattrs, hard-link group), the runtime
/// config's fields, the history (created_by, empty_layer) and the number of layers.
/// </summary>
internal sealed class ImageFacts
{
    public static readonly string[] ConfigFields =
    {
        "Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels", "ExposedPorts", "Volumes", "StopSignal", "Healthcheck", "Shell", "OnBuild",
    };

    private ImageFacts(SortedDictionary<string, string> tree, JsonObject config, List<string> history, int layers)
    {
        Tree = tree;
        Config = config;
        History = history;
        Layers = layers;
    }

    public SortedDictionary<string, string> Tree { get; }

    public JsonObject Config { get; }

    public List<string> History { get; }

    public int Layers { get; }

    public static ImageFacts Of(ImageCatalog catalog, StoredImage image)
    {
        var json = catalog.ReadConfig(catalog.ConfigDigestOf(image)).Json;
        var runtime = json["config"] as JsonObject ?? new JsonObject();
        var history = (json["history"] as JsonArray ?? new JsonArray())
            .Select(h => $"{(string?)h!["created_by"]} | empty_layer={(bool?)h["empty_layer"] ?? false}")
            .ToList();
        var layers = (json["rootfs"]!["diff_ids"] as JsonArray)!.Count;
        return new ImageFacts(Describe(catalog.Union(image)), runtime, history, layers);
    }

    /// <summary>
    /// BuildKit's image with the differences docs/builds.md lists as deliberate taken out, so that
    /// only an unlisted difference fails: (1) RUN leaves the mount points runc made (/dev, /proc,
    /// /sys: empty, 755, root) when the base had none, LayerTools leaves no stub; (2) Docker 20.10's
    /// HEALTHCHECK history text has three durations, current BuildKit's (and LayerTools') four;
    /// (3) WORKDIR of a folder that exists adds a layer holding only that folder again in BuildKit,
    /// none in LayerTools.
    /// </summary>
    public static ImageFacts WithoutDeliberateDifferences(ImageCatalog catalog, StoredImage image, SortedDictionary<string, string> baseTree)
    {
        var facts = Of(catalog, image);
        foreach (var stub in new[] { "dev", "proc", "sys" })
        {
            if (!baseTree.ContainsKey(stub) && facts.Tree.GetValueOrDefault(stub) == "Directory 755 0:0" && !facts.Tree.Keys.Any(k => k.StartsWith(stub + "/", StringComparison.Ordinal)))
            {
                facts.Tree.Remove(stub);
            }
        }

        var config = catalog.ReadConfig(catalog.ConfigDigestOf(image));
        var below = new UnionView();
        var layer = 0;
        var layers = facts.Layers;
        for (var i = 0; i < facts.History.Count; i++)
        {
            facts.History[i] = System.Text.RegularExpressions.Regex.Replace(facts.History[i], "^(HEALTHCHECK &\\{\\[.*\\] \"[^\"]*\" \"[^\"]*\" \"[^\"]*\") ('.*'\\})", "$1 \"0s\" $2");
            if (facts.History[i].EndsWith("| empty_layer=True", StringComparison.Ordinal) || layer >= config.DiffIds.Count)
            {
                continue;
            }

            var index = catalog.Store.ReadLayerIndex(config.DiffIds[layer++]);
            var unchanged = index.Entries.All(e => e.Type == EntryType.Directory && below.Lookup(e.Path) is { Type: EntryType.Directory } d && d.Mode == e.Mode && d.Uid == e.Uid && d.Gid == e.Gid);
            if (facts.History[i].StartsWith("WORKDIR ", StringComparison.Ordinal) && unchanged)
            {
                facts.History[i] = facts.History[i].Replace("| empty_layer=False", "| empty_layer=True", StringComparison.Ordinal);
                layers--;
            }

            below.Apply(index);
        }

        return new ImageFacts(facts.Tree, facts.Config, facts.History, layers);
    }

    /// <summary>Each path of a union view as one line; hard links are described by the file they share and their group.</summary>
    public static SortedDictionary<string, string> Describe(UnionView view)
    {
        var nodes = view.Walk(string.Empty).Select(n => n.Entry).ToList();
        var groups = nodes.Where(e => e.Type == EntryType.HardLink && e.LinkTarget is not null)
            .Select(e => (Member: e.Path, Root: HardLinkRoot(view, e.Path)))
            .Concat(nodes.Where(e => e.Type == EntryType.HardLink && e.LinkTarget is not null).Select(e => (Member: HardLinkRoot(view, e.Path), Root: HardLinkRoot(view, e.Path))))
            .GroupBy(x => x.Root)
            .ToDictionary(g => g.Key, g => string.Join(",", g.Select(x => x.Member).Distinct().Order(StringComparer.Ordinal)), StringComparer.Ordinal);
        var tree = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in nodes)
        {
            var self = e.Type == EntryType.HardLink ? view.Lookup(HardLinkRoot(view, e.Path)) ?? e : e;
            var type = e.Type == EntryType.HardLink ? EntryType.File : e.Type;
            var line = $"{type} {Convert.ToString(self.Mode, 8)} {self.Uid}:{self.Gid}";
            line += type switch
            {
                EntryType.File => $" {self.Size} {self.Digest}",
                EntryType.SymbolicLink => " -> " + e.LinkTarget,
                EntryType.CharDevice or EntryType.BlockDevice => $" {e.DevMajor},{e.DevMinor}",
                _ => string.Empty,
            };
            if (self.Xattrs is { Count: > 0 } x)
            {
                line += " xattrs=" + string.Join(",", x.Select(kv => kv.Key + "=" + kv.Value));
            }

            if (groups.TryGetValue(e.Type == EntryType.HardLink ? HardLinkRoot(view, e.Path) : e.Path, out var group))
            {
                line += " links=" + group;
            }

            tree[e.Path] = line;
        }

        return tree;
    }

    private static string HardLinkRoot(UnionView view, string path)
    {
        for (var hops = 0; hops < 64; hops++)
        {
            var entry = view.Lookup(path);
            if (entry is null || entry.Type != EntryType.HardLink || entry.LinkTarget is null)
            {
                return path;
            }

            path = entry.LinkTarget;
        }

        return path;
    }

    /// <summary>Every way <paramref name="actual"/> (LayerTools) differs from <paramref name="expected"/> (BuildKit), one line each.</summary>
    public static List<string> Differences(ImageFacts expected, ImageFacts actual)
    {
        var diffs = new List<string>();
        foreach (var path in expected.Tree.Keys.Union(actual.Tree.Keys).Order(StringComparer.Ordinal))
        {
            var e = expected.Tree.GetValueOrDefault(path, "(absent)");
            var a = actual.Tree.GetValueOrDefault(path, "(absent)");
            if (e != a)
            {
                diffs.Add($"/{path}: buildkit {e} | layertools {a}");
            }
        }

        foreach (var field in ConfigFields)
        {
            var e = expected.Config[field];
            var a = actual.Config[field];
            if (!JsonNode.DeepEquals(e, a))
            {
                diffs.Add($"config.{field}: buildkit {e?.ToJsonString() ?? "null"} | layertools {a?.ToJsonString() ?? "null"}");
            }
        }

        for (var i = 0; i < Math.Max(expected.History.Count, actual.History.Count); i++)
        {
            var e = i < expected.History.Count ? expected.History[i] : "(absent)";
            var a = i < actual.History.Count ? actual.History[i] : "(absent)";
            if (e != a)
            {
                diffs.Add($"history[{i.ToString(CultureInfo.InvariantCulture)}]: buildkit {e} | layertools {a}");
            }
        }

        if (expected.Layers != actual.Layers)
        {
            diffs.Add($"layers: buildkit {expected.Layers} | layertools {actual.Layers}");
        }

        return diffs;
    }
}
