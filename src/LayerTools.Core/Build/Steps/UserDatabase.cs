using System.Globalization;
using System.Text;
using LayerTools.Core.Store;
using LayerTools.Core.Tar;
using LayerTools.Core.Union;

namespace LayerTools.Core.Build.Steps;

/// <summary>Resolves <c>--chown</c> names through the image's own /etc/passwd and /etc/group, read from the layers.</summary>
internal static class UserDatabase
{
    public static (int Uid, int Gid) Resolve(LayerStore store, UnionView view, string spec, string where) => Resolve(store, () => view, spec, where);

    /// <summary>
    /// As above, the view asked for only when a name must be looked up: a numeric <c>uid[:gid]</c>
    /// reads no file of the stage, so it never fetches a remote base (COPY --link --chown=1000:1000).
    /// </summary>
    public static (int Uid, int Gid) Resolve(LayerStore store, Func<UnionView> view, string spec, string where)
    {
        var colon = spec.IndexOf(':');
        var user = colon < 0 ? spec : spec[..colon];
        var group = colon < 0 ? null : spec[(colon + 1)..];
        int uid;
        int? primaryGid = null;
        if (int.TryParse(user, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            uid = n;
        }
        else
        {
            var entry = Find(store, view(), "etc/passwd", user) ?? throw Unknown(where, "user", user, "/etc/passwd");
            uid = int.Parse(entry[2], CultureInfo.InvariantCulture);
            primaryGid = int.Parse(entry[3], CultureInfo.InvariantCulture);
        }

        int gid;
        if (group is null)
        {
            gid = primaryGid ?? uid;
        }
        else if (int.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var g))
        {
            gid = g;
        }
        else
        {
            var entry = Find(store, view(), "etc/group", group) ?? throw Unknown(where, "group", group, "/etc/group");
            gid = int.Parse(entry[2], CultureInfo.InvariantCulture);
        }

        return (uid, gid);
    }

    private static string[]? Find(LayerStore store, UnionView view, string file, string name)
    {
        var path = view.Resolve(file);
        if (view.Lookup(path) is not { Type: EntryType.File or EntryType.HardLink } entry || entry.Size > 4 << 20)
        {
            return null;
        }

        using var stream = LayerContent.Open(store, view, path);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return fields;
            }

            if (file == "etc/group" && fields.Length >= 3 && fields[0] == name && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return fields;
            }
        }

        return null;
    }

    private static LayerToolsException Unknown(string where, string what, string name, string file) =>
        new("UnknownUser", ErrorKind.ObjectNotFound, $"{where}: no {what} '{name}' in the image's {file}.", name);
}
