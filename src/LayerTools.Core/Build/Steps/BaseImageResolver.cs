using LayerTools.Core.Images;
using LayerTools.Core.Interchange;
using LayerTools.Core.Registry;
using LayerTools.Core.Store;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// Finds the image a FROM names: <c>scratch</c>, an image in the store (name:tag, digest or ID
/// prefix), or one outside it named with a transport, as skopeo and buildah write them:
/// <c>oci:&lt;dir&gt;[:&lt;tag&gt;]</c>, <c>oci-archive:&lt;file&gt;[:&lt;tag&gt;]</c>, <c>docker-archive:&lt;file&gt;[:&lt;name:tag&gt;]</c>.
/// An image from outside is imported into the store first, as buildah pulls into its storage; a
/// reference the store lacks (under the name given or its full name, docker.io/library/… for a bare
/// name) is pulled from its registry (signed in as the command that opened the store asks, see RegistrySignIn), and with <c>pull</c> it is always
/// pulled again, so a newer manifest under the tag wins (docker build --pull). A pull here takes the
/// manifest and config only; the layers become remote layers, fetched when a step reads their files.
/// </summary>
internal static class BaseImageResolver
{
    private static readonly string[] Transports = { "oci:", "oci-archive:", "docker-archive:" };

    /// <summary>Registry errors that mean "no such image there" (as opposed to a refusal or damage, which stay as they are).</summary>
    public static readonly string[] NotThere = { "ManifestUnknown", "ImageNotFound", "RegistryUnreachable" };

    public static BaseImage Resolve(LayerStore store, string text, string contextPath, string where, CancellationToken cancellationToken, bool pull = false, Action<string>? verbose = null)
    {
        if (string.Equals(text, "scratch", StringComparison.OrdinalIgnoreCase))
        {
            return BaseImage.Scratch;
        }

        var catalog = new ImageCatalog(store);
        var transport = Transports.FirstOrDefault(t => text.StartsWith(t, StringComparison.Ordinal));
        StoredImage? stored;
        var fetched = true;
        if (transport is not null)
        {
            stored = ImportFromTransport(store, catalog, text[transport.Length..], contextPath, text, where, cancellationToken);
        }
        else
        {
            var reference = ImageReference.TryParse(text.Trim(), out var parsed) ? parsed : null;
            stored = pull && reference is not null ? null : FromStore(catalog, text, reference);
            fetched = stored is null;
            stored ??= Pull(store, text, reference, where, verbose, cancellationToken);
        }

        var manifest = catalog.ReadManifest(stored.Manifest.Digest);
        return new BaseImage(text, catalog.ReadConfig(manifest.Config.Digest), manifest.Config.Digest, fetched);
    }

    /// <summary>The image in the store under the name given, or under its full name (as a pull tags it).</summary>
    public static StoredImage? FromStore(ImageCatalog catalog, string text, ImageReference? reference)
    {
        var candidates = new List<string> { text };
        if (reference is not null)
        {
            candidates.Add(reference.Digest ?? reference.FullName + ":" + reference.Tag);
        }

        foreach (var candidate in candidates)
        {
            try
            {
                return catalog.Resolve(candidate);
            }
            catch (LayerToolsException ex) when (ex.ErrorId == "ImageNotFound")
            {
                // Try the next form of the name, then the registry.
            }
        }

        return null;
    }

    private static StoredImage Pull(LayerStore store, string text, ImageReference? reference, string where, Action<string>? verbose, CancellationToken cancellationToken)
    {
        const string Hint = "Import it first (Import-LayeredImage), pull it (Request-LayeredImage), or name an archive with a transport: oci:<dir>[:tag], oci-archive:<file>[:tag], docker-archive:<file>.";
        if (reference is null)
        {
            throw new LayerToolsException("BaseImageNotFound", ErrorKind.ObjectNotFound, $"{where}: FROM {text}: no such image in the store. {Hint}", text);
        }

        var endpoint = RegistryEndpoint.For(reference);
        var signIn = RegistrySignIn.Of(store);
        verbose?.Invoke($"{where}: FROM {text}: pulling {reference.FullName} from {endpoint.Domain} {signIn.Describe(endpoint)}.");
        using var client = signIn.Open(endpoint);
        try
        {
            // Only the manifest and config: the layers the store lacks stay remote layers until a step
            // reads the files (fetched then by the store's fetcher), so a build that reads none of its
            // base, pushed to the same registry, moves none of the base's bytes.
            RegistryLayerFetcher.AttachTo(store);
            var (image, remote) = ImagePuller.PullManifest(store, client, reference, null, cancellationToken);
            verbose?.Invoke($"{where}: FROM {text}: read the manifest and config of {reference.FullName}; {remote} layer(s) stay in the registry until a step needs their files.");
            return image;
        }
        catch (LayerToolsException ex) when (NotThere.Contains(ex.ErrorId))
        {
            throw new LayerToolsException("BaseImageNotFound", ErrorKind.ObjectNotFound, $"{where}: FROM {text}: no such image in the store, and the registry has none ({ex.Message}) {Hint}", text, ex);
        }
    }

    private static StoredImage ImportFromTransport(LayerStore store, ImageCatalog catalog, string rest, string contextPath, string text, string where, CancellationToken cancellationToken)
    {
        var (path, selector) = SplitPath(rest, contextPath);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new LayerToolsException("BaseImageNotFound", ErrorKind.ObjectNotFound, $"{where}: FROM {text}: '{path}' does not exist.", text);
        }

        var imported = ImageImporter.Import(store, path, null, null, cancellationToken);
        if (selector is null)
        {
            return imported.Count == 1
                ? imported[0]
                : throw new LayerToolsException("BaseImageAmbiguous", ErrorKind.InvalidArgument, $"{where}: FROM {text}: the archive holds {imported.Count} images; name one after the path (…:<tag>).", text);
        }

        return imported.FirstOrDefault(i => i.Reference is { } r && (r.ToString() == selector || r.Tag == selector || r.ToString() == selector + ":latest"))
            ?? (imported.Count == 1 ? imported[0] : null)
            ?? throw new LayerToolsException("BaseImageNotFound", ErrorKind.ObjectNotFound, $"{where}: FROM {text}: no image named '{selector}' in '{path}'.", text);
    }

    /// <summary>Splits "path[:selector]": the path is the longest prefix that exists (paths may hold ':').</summary>
    private static (string Path, string? Selector) SplitPath(string rest, string contextPath)
    {
        string Full(string p) => Path.GetFullPath(p, contextPath);
        if (File.Exists(Full(rest)) || Directory.Exists(Full(rest)))
        {
            return (Full(rest), null);
        }

        for (var colon = rest.IndexOf(':'); colon > 0; colon = rest.IndexOf(':', colon + 1))
        {
            var candidate = Full(rest[..colon]);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return (candidate, rest[(colon + 1)..]);
            }
        }

        return (Full(rest), null);
    }
}
