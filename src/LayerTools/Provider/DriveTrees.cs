using LayerTools.Core;
using LayerTools.Core.Containers;
using LayerTools.Core.Files;

namespace LayerTools.Provider;

/// <summary>What a drive path names in its store: the file tree of an image or a container, the container a write goes to, the names and objects at the top of a drive.</summary>
internal static class DriveTrees
{
    public static IFileTree? TreeOf(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is null || p.Top is null)
        {
            return null;
        }

        if (p.Kind == DriveKind.Image)
        {
            return stores.FindImage(p.Top) is { } image ? stores.TreeOf(image) : null;
        }

        return stores.FindContainer(p.Top) is { } record ? stores.TreeOf(record) : null;
    }

    public static IFileTree RequireTree(DrivePath p) => TreeOf(p) ?? throw new LayerToolsException(
        p.Kind == DriveKind.Image ? "ImageNotFound" : "ContainerNotFound",
        ErrorKind.ObjectNotFound,
        p.Kind == DriveKind.Image
            ? $"No image '{ImagePathName.Decode(p.Top ?? string.Empty)}' in the store. Get-ChildItem Image:\\ lists the images (a '/' in a name is written %2F)."
            : $"No container '{p.Top}' in the store. Get-ChildItem Container:\\ lists the containers.",
        p.Top);

    /// <summary>The container a write goes to, with its item operations; under Image: the ImageIsReadOnly error.</summary>
    public static ContainerItems Writable(DrivePath p, string what)
    {
        if (p.Kind == DriveKind.Image)
        {
            var image = p.Top is null ? "an image" : $"image {ImagePathName.Decode(p.Top)}";
            if (p.IsTop && what.StartsWith("remove", StringComparison.Ordinal))
            {
                throw new LayerToolsException("ImageIsReadOnly", ErrorKind.WriteError, $"Cannot remove '{p.Display}': the Image: drive is read-only. Remove-LayeredImage {ImagePathName.Decode(p.Top!)} removes an image from the store.", p.Display);
            }

            throw new LayerToolsException(
                "ImageIsReadOnly",
                ErrorKind.WriteError,
                $"Cannot {what} '{p.Display}': the Image: drive is read-only ({image} never changes). Start a container on it (New-ContainerLayer) and change its files under Container:\\<name>.",
                p.Display);
        }

        if (p.IsRoot)
        {
            throw new LayerToolsException("UseContainerCmdlets", ErrorKind.InvalidOperation, $"Cannot {what} the root of the Container: drive: containers are made with New-ContainerLayer and removed with Remove-ContainerLayer.", p.Display);
        }

        return new ContainerItems(((ContainerFileTree)RequireTree(p)).View);
    }

    /// <summary>The names at the top of a drive: the images' path-safe names, or the container names.</summary>
    public static IEnumerable<string> TopNames(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is null)
        {
            return Enumerable.Empty<string>();
        }

        return p.Kind == DriveKind.Image
            ? stores.Images().Select(i => i.PathName)
            : stores.ContainerRecords().Select(r => r.Name);
    }

    public static object TopModel(DrivePath p)
    {
        var stores = DriveStores.For(p.StorePath);
        if (stores is not null && p.Top is not null)
        {
            if (p.Kind == DriveKind.Image && stores.FindImage(p.Top) is { } image)
            {
                return image.Model;
            }

            if (p.Kind == DriveKind.Container && stores.FindContainer(p.Top) is { } record)
            {
                return stores.Containers.Get(record.Id);
            }
        }

        throw NotFound(p);
    }

    public static LayerToolsException NotFound(DrivePath p) =>
        new("PathNotFound", ErrorKind.ObjectNotFound, $"Cannot find '{p.Display}'.", p.Display);
}
