using System.Formats.Tar;
using System.Globalization;
using System.Text;

namespace LayerTools.Core.Layers;

/// <summary>
/// The one rule for the tar headers LayerTools writes (layers and image archives alike): a USTAR
/// header with numeric ids, empty user and group names and a whole-second mtime; PAX records only
/// for a field USTAR cannot hold (long or non-ASCII names, long link targets, sizes from 8 GiB,
/// large ids, xattrs as <c>SCHILY.xattr.*</c>). Before .NET 10 a PAX entry gets atime and ctime of
/// "now": they are pinned to the mtime so the bytes stay reproducible on PowerShell 7.4 and 7.5.
/// </summary>
internal static class ReproducibleTarEntry
{
    private const long MaxOctal7 = 0x1FFFFF; // 7 octal digits: uid, gid, mode
    private const long MaxOctal11 = 0x1FFFFFFFF; // 11 octal digits: size, mtime

    /// <summary>A header for <paramref name="name"/>; <paramref name="mtime"/> must be whole seconds from 0 on.</summary>
    public static PosixTarEntry Create(TarEntryType type, string name, int mode, int uid, int gid, long mtime, long size = 0, string? linkName = null, IReadOnlyDictionary<string, string>? xattrs = null)
    {
        var pax = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!FitsUstarName(name))
        {
            pax["path"] = name;
        }

        if (linkName is not null && (linkName.Length > 100 || !IsAscii(linkName)))
        {
            pax["linkpath"] = linkName;
        }

        if (size > MaxOctal11)
        {
            pax["size"] = Text(size);
        }

        if (uid > MaxOctal7 || uid < 0)
        {
            pax["uid"] = Text(uid);
        }

        if (gid > MaxOctal7 || gid < 0)
        {
            pax["gid"] = Text(gid);
        }

        if (mtime > MaxOctal11)
        {
            pax["mtime"] = Text(mtime);
        }

        if (xattrs is not null)
        {
            foreach (var (key, value) in xattrs.OrderBy(x => x.Key, StringComparer.Ordinal))
            {
                pax["SCHILY.xattr." + key] = value;
            }
        }

        if (pax.Count > 0 && Environment.Version.Major < 10)
        {
            pax["atime"] = Text(mtime);
            pax["ctime"] = Text(mtime);
        }

        PosixTarEntry entry = pax.Count == 0 ? new UstarTarEntry(type, name) : new PaxTarEntry(type, name, pax);
        entry.Mode = (UnixFileMode)(mode & 0xFFF);
        entry.Uid = uid;
        entry.Gid = gid;
        entry.UserName = string.Empty;
        entry.GroupName = string.Empty;
        entry.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(mtime);
        if (linkName is not null)
        {
            entry.LinkName = linkName;
        }

        return entry;
    }

    /// <summary>True when USTAR can hold the name: ASCII, at most 100 bytes, or split at a '/' into a 155-byte prefix and a 100-byte name.</summary>
    private static bool FitsUstarName(string name)
    {
        if (!IsAscii(name))
        {
            return false;
        }

        if (name.Length <= 100)
        {
            return true;
        }

        if (name.Length > 256)
        {
            return false;
        }

        for (var i = name.Length - 1; i > 0; i--)
        {
            if (name[i] == '/' && i <= 155 && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAscii(string s) => Encoding.UTF8.GetByteCount(s) == s.Length && !s.Any(char.IsControl);

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
