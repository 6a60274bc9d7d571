using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Digests;
using LayerTools.Core.Images;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;
using LayerTools.Core.Tests.Support;


namespace LayerTools.Core.Tests.Interchange;

/// <summary>A temporary folder with a real store in it, removed after the test.</summary>
internal sealed class InterchangeFixture : IDisposable
{
    public InterchangeFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "lt-interchange-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
        Store = LayerStore.Open(Path.Combine(Root, "store"));
    }

    public string Root { get; }

    public LayerStore Store { get; }

    public ImageCatalog Catalog => new(Store);

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>A second, empty store in the same folder.</summary>
    public LayerStore OpenStore(string name) => LayerStore.Open(Path.Combine(Root, name));

    /// <summary>Every file of the store with its size and content digest (the lock file aside): equal snapshots mean an unchanged store.</summary>
    public static string Snapshot(LayerStore store) =>
        string.Join('\n', Directory.EnumerateFiles(store.Root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "store.lock")
            .Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(store.Root, f) + " " + Digest.Of(File.ReadAllBytes(f))));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A small image: two layers (the second deletes a file of the first) and a config whose history has an empty-layer entry.</summary>
internal sealed class SampleImage
{
    public SampleImage(string marker = "one")
    {
        Layer1 = new TarBuilder()
            .Dir("etc/")
            .File("etc/hello", "hello " + marker)
            .File("etc/gone", "deleted above")
            .Dir("bin/")
            .File("bin/tool", "#!/bin/sh\necho " + marker + "\n", 0x1ED)
            .Symlink("bin/alias", "tool")
            .ToArray();
        Layer2 = new TarBuilder()
            .Dir("etc/")
            .File("etc/.wh.gone", Array.Empty<byte>())
            .File("etc/added", "added by layer two of " + marker)
            .HardLink("etc/hello-again", "etc/hello")
            .ToArray();
        Config = MakeConfig([Layer1, Layer2], marker);
    }

    public byte[] Layer1 { get; }

    public byte[] Layer2 { get; }

    public byte[] Config { get; }

    public string ConfigDigest => Digest.Of(Config);

    public IReadOnlyList<string> DiffIds => [Digest.Of(Layer1), Digest.Of(Layer2)];

    public static byte[] MakeConfig(IReadOnlyList<byte[]> layers, string marker)
    {
        var config = new JsonObject
        {
            ["architecture"] = HostPlatform.Architecture,
            ["os"] = "linux",
            ["created"] = "2024-05-01T10:00:00Z",
            ["config"] = new JsonObject { ["Env"] = new JsonArray("PATH=/bin", "MARKER=" + marker), ["Cmd"] = new JsonArray("/bin/tool") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode)Digest.Of(l)).ToArray()) },
            ["history"] = new JsonArray(
                new JsonObject { ["created"] = "2024-05-01T10:00:00Z", ["created_by"] = "ADD base.tar /" },
                new JsonObject { ["created"] = "2024-05-01T10:00:01Z", ["created_by"] = "ENV MARKER=" + marker, ["empty_layer"] = true },
                new JsonObject { ["created"] = "2024-05-01T10:00:02Z", ["created_by"] = "RUN rm /etc/gone" }),
            ["x-unknown-field"] = new JsonObject { ["kept"] = true },
        };
        return JsonSerializer.SerializeToUtf8Bytes(config);
    }
}

/// <summary>Builds image archives by hand, the way each tool lays them out.</summary>
internal static class Archives
{
    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    public static string Hex(byte[] data) => Digest.Hex(Digest.Of(data));

    /// <summary>Docker 1.10–24's docker save: &lt;id&gt;/layer.tar, &lt;config hex&gt;.json, manifest.json, repositories.</summary>
    public static TarBuilder PlainDockerArchive(SampleImage image, string[] repoTags, Func<byte[], byte[]>? compress = null)
    {
        compress ??= b => b;
        var id1 = Hex(Encoding.UTF8.GetBytes("v1-" + image.ConfigDigest + "-1"));
        var id2 = Hex(Encoding.UTF8.GetBytes("v1-" + image.ConfigDigest + "-2"));
        var manifest = new JsonArray(new JsonObject
        {
            ["Config"] = Hex(image.Config) + ".json",
            ["RepoTags"] = new JsonArray(repoTags.Select(t => (JsonNode)t).ToArray()),
            ["Layers"] = new JsonArray(id1 + "/layer.tar", id2 + "/layer.tar"),
        });
        return new TarBuilder()
            .Dir(id1 + "/").File(id1 + "/VERSION", "1.0").File(id1 + "/json", "{\"id\":\"" + id1 + "\"}").File(id1 + "/layer.tar", compress(image.Layer1))
            .Dir(id2 + "/").File(id2 + "/VERSION", "1.0").File(id2 + "/json", "{\"id\":\"" + id2 + "\",\"parent\":\"" + id1 + "\"}").File(id2 + "/layer.tar", compress(image.Layer2))
            .File(Hex(image.Config) + ".json", image.Config)
            .File("manifest.json", manifest.ToJsonString());
    }

    /// <summary>An OCI layout (as umoci or skopeo write it) with gzip layers and the given index.json entries.</summary>
    public static void OciLayout(string dir, SampleImage image, params string[] refNames)
    {
        var (manifest, _) = WriteOciImage(dir, image, gzip: true);
        WriteIndex(dir, refNames.Select(r => Describe(manifest, MediaTypes.OciManifest, r)).ToArray());
    }

    /// <summary>Writes the blobs of one image into a layout; returns the manifest bytes and layer blobs.</summary>
    public static (byte[] Manifest, byte[][] Layers) WriteOciImage(string dir, SampleImage image, bool gzip)
    {
        var layers = new[] { image.Layer1, image.Layer2 }.Select(l => gzip ? Gzip(l) : l).ToArray();
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = Describe(image.Config, MediaTypes.OciConfig),
            ["layers"] = new JsonArray(layers.Select(l => (JsonNode)Describe(l, gzip ? MediaTypes.OciLayerGzip : MediaTypes.OciLayer)).ToArray()),
        };
        var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
        foreach (var blob in layers.Append(image.Config).Append(manifestBytes))
        {
            WriteBlob(dir, blob);
        }

        return (manifestBytes, layers);
    }

    public static void WriteBlob(string dir, byte[] blob)
    {
        var blobs = Path.Combine(dir, "blobs", "sha256");
        System.IO.Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, Hex(blob)), blob);
    }

    public static void WriteIndex(string dir, params JsonObject[] manifests)
    {
        System.IO.Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = MediaTypes.OciIndex, ["manifests"] = new JsonArray(manifests.Select(m => (JsonNode)m).ToArray()) };
        File.WriteAllText(Path.Combine(dir, "index.json"), index.ToJsonString());
    }

    public static JsonObject Describe(byte[] blob, string mediaType, string? refName = null, JsonObject? platform = null)
    {
        var d = new JsonObject { ["mediaType"] = mediaType, ["digest"] = Digest.Of(blob), ["size"] = blob.Length };
        if (refName is not null)
        {
            d["annotations"] = new JsonObject { [MediaTypes.RefNameAnnotation] = refName };
        }

        if (platform is not null)
        {
            d["platform"] = platform;
        }

        return d;
    }

    /// <summary>A tar of a folder's files (relative names, sorted), as `tar -C dir -c .` would make.</summary>
    public static void TarFolder(string dir, string tarPath)
    {
        var builder = new TarBuilder();
        foreach (var file in System.IO.Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            builder.File(Path.GetRelativePath(dir, file).Replace('\\', '/'), File.ReadAllBytes(file));
        }

        builder.Save(tarPath);
    }
}

/// <summary>Runs the real container tools the tests compare against.</summary>
internal static class Tool
{
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 120 s.");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {p.ExitCode}:\n{stderr.Result}\n{stdout.Result}");
        }

        return stdout.Result;
    }
}
