using System.Globalization;
using System.Text;
using LayerTools.Core.HostFs;

namespace LayerTools.Core.Run;

/// <summary>
/// Resolves a Dockerfile USER ("name", "uid", "name:group", "uid:gid") as Docker does: names
/// through the image's own /etc/passwd and /etc/group, read inside its root (links followed
/// within the root only); a numeric uid needs no passwd entry; supplementary groups are the
/// /etc/group entries that list the user, when no group was given.
/// </summary>
internal static class UserResolver
{
    private const int MaxFileBytes = 4 << 20;

    public static UserIdentity Resolve(SafeRoot root, string? user, string where = "USER")
    {
        if (string.IsNullOrEmpty(user))
        {
            user = "0";
        }

        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon < 0 ? user : user[..colon];
        var groupPart = colon < 0 ? null : user[(colon + 1)..];
        var passwd = Read(root, "etc/passwd");
        var groups = Read(root, "etc/group");

        int uid;
        int gid = 0;
        string? name = null;
        if (int.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            var entry = passwd.FirstOrDefault(p => p.Length > 3 && p[2] == userPart);
            if (entry is not null)
            {
                name = entry[0];
                _ = int.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out gid);
            }
        }
        else
        {
            var entry = passwd.FirstOrDefault(p => p.Length > 3 && p[0] == userPart)
                ?? throw new LayerToolsException("UserNotFound", ErrorKind.ObjectNotFound, $"{where}: unable to find user '{userPart}': no matching entry in the image's /etc/passwd.", userPart);
            name = entry[0];
            uid = ParseId(entry[2], where, "etc/passwd");
            gid = ParseId(entry[3], where, "etc/passwd");
        }

        var additional = new List<int>();
        if (groupPart is not null)
        {
            if (!int.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                var entry = groups.FirstOrDefault(g => g.Length > 2 && g[0] == groupPart)
                    ?? throw new LayerToolsException("GroupNotFound", ErrorKind.ObjectNotFound, $"{where}: unable to find group '{groupPart}': no matching entry in the image's /etc/group.", groupPart);
                gid = ParseId(entry[2], where, "etc/group");
            }
        }
        else if (name is not null)
        {
            foreach (var g in groups)
            {
                if (g.Length > 3 && g[3].Split(',').Contains(name, StringComparer.Ordinal)
                    && int.TryParse(g[2], NumberStyles.None, CultureInfo.InvariantCulture, out var extra) && extra != gid && !additional.Contains(extra))
                {
                    additional.Add(extra);
                }
            }
        }

        return new UserIdentity(uid, gid, additional);
    }

    private static int ParseId(string text, string where, string file) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new LayerToolsException("InvalidUserDatabase", ErrorKind.InvalidData, $"{where}: the image's /{file} has the id '{text}', which is not a number.", file);

    private static List<string[]> Read(SafeRoot root, string path)
    {
        var lines = new List<string[]>();
        using var stream = root.TryOpenRead(path);
        if (stream is null)
        {
            return lines;
        }

        var buffer = new byte[MaxFileBytes];
        var total = 0;
        int n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }

        foreach (var line in Encoding.UTF8.GetString(buffer, 0, total).Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            lines.Add(trimmed.Split(':'));
        }

        return lines;
    }
}
