using LayerTools.Core.Store;

namespace LayerTools.Core.Tests.Support;

/// <summary>A real store in a fresh temporary folder, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Parent = Path.Combine(Path.GetTempPath(), "lt-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Parent);
        Root = Path.Combine(Parent, "store");
        Store = LayerStore.Open(Root);
    }

    /// <summary>The folder that holds the store, so tests can check nothing was written beside it.</summary>
    public string Parent { get; }

    public string Root { get; }

    public LayerStore Store { get; }

    /// <summary>Everything a user or another tool could see of the store: index.json bytes and the blob and index file names.</summary>
    public string Snapshot()
    {
        var parts = new List<string> { System.IO.File.ReadAllText(Store.IndexJsonPath) };
        foreach (var dir in new[] { Store.BlobsDir, Store.IndexesDir, Store.TmpDir })
        {
            parts.AddRange(Directory.Exists(dir) ? Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : Array.Empty<string>());
        }

        return string.Join("\n", parts);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Parent, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
