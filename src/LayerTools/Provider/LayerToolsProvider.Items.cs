using System.Management.Automation.Provider;
using System.Management.Automation;
using LayerTools.Core.Containers;
using LayerTools.Core.Layers;
using LayerTools.Core.Tar;
using LayerTools.Core;
using static LayerTools.Provider.DriveTrees;

namespace LayerTools.Provider;

/// <summary>The provider's changes (Container: only) and content: PowerShell's side of them; <see cref="ContainerItems"/> does the work.</summary>
public sealed partial class LayerToolsProvider
{
    // ------------------------------------------------------------------ changes (Container: only)

    protected override void NewItem(string path, string itemTypeName, object newItemValue) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.Kind == DriveKind.Container && p.IsTop && TreeOf(p) is null)
        {
            throw new LayerToolsException("UseNewContainerLayer", ErrorKind.InvalidOperation, $"New-Item does not make containers; New-ContainerLayer <image> -Name {p.Top} does.", path);
        }

        var items = Writable(p, "create items in");
        var kind = (itemTypeName ?? string.Empty).Trim().ToLowerInvariant();
        if (!ShouldProcess(p.Display, $"New {(kind.Length == 0 ? "file" : kind)}"))
        {
            return;
        }

        var value = newItemValue is PSObject ps ? ps.BaseObject : newItemValue;
        var target = ItemValues.Text(value);
        var linkTarget = kind == "hardlink" && target is not null ? ItemValues.InnerTarget(target) : target;
        var created = items.New(p.Inner, itemTypeName ?? string.Empty, ItemValues.Content(value), linkTarget, Force, p.Display);
        WriteFile(created, path, created.Type == EntryType.Directory);
    });

    protected override void RemoveItem(string path, bool recurse) => Guard(path, () =>
    {
        var p = Parse(path);
        if (p.Kind == DriveKind.Container && p.IsTop)
        {
            throw new LayerToolsException("UseRemoveContainerLayer", ErrorKind.InvalidOperation, $"Remove-Item does not remove containers; Remove-ContainerLayer {p.Top} does.", path);
        }

        var items = Writable(p, "remove items from");
        if (ShouldProcess(p.Display, "Remove (a whiteout when the path comes from the image)"))
        {
            items.Remove(p.Inner, recurse);
        }
    });

    protected override void RenameItem(string path, string newName) => Guard(path, () =>
    {
        var p = Parse(path);
        var items = Writable(p, "rename items in");
        var destination = items.RenameTarget(p.Inner, newName, p.Display);
        if (ShouldProcess(p.Display, $"Rename to {newName}"))
        {
            var renamed = items.Rename(p.Inner, destination);
            WriteFile(renamed, MakePath(GetParentPath(path, string.Empty), newName), renamed.Type == EntryType.Directory);
        }
    });

    protected override void CopyItem(string path, string copyPath, bool recurse) => Guard(path, () =>
    {
        var source = Parse(path);
        var target = Parse(copyPath);
        var items = Writable(target, "copy items into");
        var from = RequireTree(source);
        if (source.IsRoot || from.Item(source.Inner) is null)
        {
            throw NotFound(source);
        }

        if (ShouldProcess(source.Display, $"Copy to {target.Display}"))
        {
            var destination = items.CopyIn(from, source.Inner, target.Inner, recurse, SameStore(source, target), WriteWarning, () => Stopping);
            WriteCopied(items, target, destination);
        }
    });

    protected override void MoveItem(string path, string destination) => Guard(path, () =>
    {
        var source = Parse(path);
        var target = Parse(destination);
        var items = Writable(target, "move items into");
        var from = Writable(source, "move items out of");
        if (source.IsTop)
        {
            throw new LayerToolsException("CannotMoveRoot", ErrorKind.InvalidArgument, $"The root of container '{source.Top}' cannot be moved.", path);
        }

        if (ShouldProcess(source.Display, $"Move to {target.Display}"))
        {
            var landing = items.MoveIn(from.View, source.Inner, target.Inner, SameStore(source, target), WriteWarning, () => Stopping);
            WriteCopied(items, target, landing);
        }
    });

    // ------------------------------------------------------------------ content

    public IContentReader? GetContentReader(string path)
    {
        IContentReader? reader = null;
        Guard(path, () =>
        {
            var p = Parse(path);
            var tree = RequireTree(p);
            var item = p.IsTop ? null : tree.Item(p.Inner);
            if (item is null || tree.IsDirectory(p.Inner))
            {
                throw item is null && !p.IsTop ? NotFound(p) : new LayerToolsException("IsADirectory", ErrorKind.InvalidArgument, $"'{p.Display}' is a directory; Get-ChildItem lists it.", path);
            }

            var options = DynamicParameters as ContentReaderParameters;
            var bytes = options is not null && (options.AsByteStream.IsPresent || ContentEncoding.IsByte(options.Encoding));
            reader = new LayerContentReader(() => tree.OpenRead(p.Inner), ContentEncoding.Get(options?.Encoding), bytes, options?.Raw.IsPresent == true);
        });
        return reader;
    }

    public object GetContentReaderDynamicParameters(string path) => new ContentReaderParameters();

    public IContentWriter? GetContentWriter(string path)
    {
        IContentWriter? writer = null;
        Guard(path, () =>
        {
            var p = Parse(path);
            var items = Writable(p, "write files in");
            if (items.IsDirectory(p.Inner))
            {
                throw new LayerToolsException("IsADirectory", ErrorKind.InvalidArgument, $"'{p.Display}' is a directory; only files have content.", path);
            }

            var options = DynamicParameters as ContentWriterParameters;
            var bytes = options is not null && (options.AsByteStream.IsPresent || ContentEncoding.IsByte(options.Encoding));
            writer = new LayerContentWriter(append => items.OpenWrite(p.Inner, append), ContentEncoding.Get(options?.Encoding), bytes, options?.NoNewline.IsPresent == true);
        });
        return writer;
    }

    public object GetContentWriterDynamicParameters(string path) => new ContentWriterParameters();

    public void ClearContent(string path) => DriveFetcher.Serving(this, () =>
    {
        ClearContentServed(path);
        return true;
    });

    private void ClearContentServed(string path)
    {
        var p = DrivePath.Parse(path);
        if (p is not null && p.Kind == DriveKind.Container && !p.IsRoot && !p.IsTop && TreeOf(p) is ContainerFileTree tree && tree.Item(p.Inner) is null)
        {
            // Set-Content clears before it writes; a file that is not there yet has nothing to clear.
            throw new ItemNotFoundException($"'{p.Display}' does not exist.");
        }

        if (p is not null && p.Kind == DriveKind.Image && DynamicParameters is ContentWriterParameters)
        {
            // Set-Content clears first and reports what this returns as a bare exception: let its
            // content writer report ImageIsReadOnly instead, as Add-Content gets it.
            return;
        }

        Guard(path, () =>
        {
            var parsed = Parse(path);
            var items = Writable(parsed, "clear files in");
            if (ShouldProcess(parsed.Display, "Clear content (copies an image file up, empty)"))
            {
                items.Clear(parsed.Inner);
            }
        });
    }

    public object? ClearContentDynamicParameters(string path) => null;

    // ------------------------------------------------------------------ helpers of the changes

    private static bool SameStore(DrivePath a, DrivePath b) => string.Equals(a.StorePath, b.StorePath, StringComparison.Ordinal);

    private void WriteCopied(ContainerItems items, DrivePath target, string destination)
    {
        var item = items.Stat(destination);
        if (item is not null)
        {
            var path = MakePath(target.Root, MakePath(target.Top!, destination));
            WriteFile(item, path, item.Type == EntryType.Directory);
        }
    }

    /// <summary>Runs a provider call, turning the core's failures into error records with their stable ids (ImageIsReadOnly is PermissionDenied).</summary>
    private void Guard(string path, Action action)
    {
        try
        {
            DriveFetcher.Serving(this, () =>
            {
                action();
                return true;
            });
        }
        catch (LayerToolsException ex) when (ex.ErrorId == "ImageIsReadOnly")
        {
            WriteError(new ErrorRecord(ex, ex.ErrorId, ErrorCategory.PermissionDenied, ex.Target ?? path));
        }
        catch (LayerToolsException ex)
        {
            WriteError(ErrorRecords.From(ex, path));
        }
        catch (IOException ex)
        {
            WriteError(ErrorRecords.FromIO(ex, path));
        }
        catch (UnauthorizedAccessException ex)
        {
            WriteError(ErrorRecords.FromIO(ex, path));
        }
    }
}
