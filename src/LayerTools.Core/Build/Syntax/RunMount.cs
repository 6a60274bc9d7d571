using System.Globalization;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// One <c>RUN --mount=...</c>, parsed as BuildKit does: the value is a CSV list of
/// <c>key=value</c> fields (and the bare flags <c>ro</c>, <c>rw</c>, <c>required</c>), every value
/// expanded with the variables in scope before it is read. The type defaults to bind; bind and
/// secret mounts are read-only unless <c>rw</c>, cache and tmpfs mounts writable.
/// </summary>
internal sealed class RunMount
{
    private static readonly string[] Keys =
    {
        "type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw",
        "id", "sharing", "required", "size", "mode", "uid", "gid", "env",
    };

    public RunMountType Type { get; private set; } = RunMountType.Bind;

    /// <summary>Absolute path inside the container, or null (a secret or ssh mount may omit it).</summary>
    public string? Target { get; private set; }

    public string? Source { get; private set; }

    /// <summary>The stage or image a bind (or cache) mount reads from; null for the build context.</summary>
    public string? From { get; private set; }

    public bool ReadOnly { get; private set; }

    /// <summary>The cache id or secret id as written (null when absent).</summary>
    public string? Id { get; private set; }

    public RunMountSharing Sharing { get; private set; } = RunMountSharing.Shared;

    public bool Required { get; private set; }

    /// <summary>tmpfs size in bytes, when given.</summary>
    public long? Size { get; private set; }

    public int? Mode { get; private set; }

    public int? Uid { get; private set; }

    public int? Gid { get; private set; }

    /// <summary>For a secret: the environment variable that receives its value.</summary>
    public string? Env { get; private set; }

    /// <summary>
    /// Parses <paramref name="spec"/>; <paramref name="expand"/> substitutes variables in one value.
    /// Errors are <c>InvalidRunMount</c> and name <paramref name="where"/> (file:line).
    /// </summary>
    public static RunMount Parse(string spec, Func<string, string> expand, string where)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(expand);
        LayerToolsException Bad(string message) =>
            new("InvalidRunMount", ErrorKind.InvalidArgument, $"{where}: --mount={spec}: {message}", spec);

        var mount = new RunMount();
        var readOnlySet = false;
        bool sharingSet = false;
        foreach (var field in SplitCsv(spec, Bad))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? field : field[..eq]).Trim().ToLowerInvariant();
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro":
                        mount.ReadOnly = true;
                        readOnlySet = true;
                        continue;
                    case "readwrite" or "rw":
                        mount.ReadOnly = false;
                        readOnlySet = true;
                        continue;
                    case "required" when mount.Type is RunMountType.Secret or RunMountType.Ssh:
                        mount.Required = true;
                        continue;
                    case "required":
                        throw Bad($"'required' applies only to secret and ssh mounts, not to type={Name(mount.Type)}.");
                    default:
                        throw Bad($"'{field}' must be a key=value pair.");
                }
            }

            var value = expand(field[(eq + 1)..]);
            switch (key)
            {
                case "type":
                    mount.Type = value.ToLowerInvariant() switch
                    {
                        "bind" => RunMountType.Bind,
                        "cache" => RunMountType.Cache,
                        "tmpfs" => RunMountType.Tmpfs,
                        "secret" => RunMountType.Secret,
                        "ssh" => RunMountType.Ssh,
                        _ => throw Bad($"unknown mount type '{value}'; use bind, cache, tmpfs, secret or ssh."),
                    };
                    break;
                case "from":
                    mount.From = value;
                    break;
                case "source" or "src":
                    mount.Source = value;
                    break;
                case "target" or "dst" or "destination":
                    mount.Target = value;
                    break;
                case "readonly" or "ro":
                    mount.ReadOnly = ParseBool(value, key, Bad);
                    readOnlySet = true;
                    break;
                case "readwrite" or "rw":
                    mount.ReadOnly = !ParseBool(value, key, Bad);
                    readOnlySet = true;
                    break;
                case "required" when mount.Type is RunMountType.Secret or RunMountType.Ssh:
                    mount.Required = ParseBool(value, key, Bad);
                    break;
                case "required":
                    throw Bad($"'required' applies only to secret and ssh mounts, not to type={Name(mount.Type)}.");
                case "size" when mount.Type == RunMountType.Tmpfs:
                    mount.Size = ParseSize(value) ?? throw Bad($"size={value} is not a size (bytes, or a number with k, m, g).");
                    break;
                case "size":
                    throw Bad($"'size' applies only to tmpfs mounts, not to type={Name(mount.Type)}.");
                case "id":
                    mount.Id = value;
                    break;
                case "sharing":
                    mount.Sharing = value.ToLowerInvariant() switch
                    {
                        "shared" => RunMountSharing.Shared,
                        "private" => RunMountSharing.Private,
                        "locked" => RunMountSharing.Locked,
                        _ => throw Bad($"unknown sharing '{value}'; use shared, private or locked."),
                    };
                    sharingSet = true;
                    break;
                case "mode":
                    mount.Mode = value.Length > 0 && value.All(c => c is >= '0' and <= '7') && value.Length <= 11 && Convert.ToInt64(value, 8) <= 0xFFF
                        ? Convert.ToInt32(value, 8)
                        : throw Bad($"mode={value} is not an octal file mode.");
                    break;
                case "uid" or "gid":
                    var id = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Bad($"{key}={value} is not a number.");
                    if (key == "uid")
                    {
                        mount.Uid = id;
                    }
                    else
                    {
                        mount.Gid = id;
                    }

                    break;
                case "env":
                    mount.Env = value;
                    break;
                default:
                    throw Bad($"unknown key '{key}'; the keys are {string.Join(", ", Keys)}.");
            }
        }

        if (mount.Type is not (RunMountType.Secret or RunMountType.Ssh or RunMountType.Cache) && (mount.Mode ?? mount.Uid ?? mount.Gid) is not null)
        {
            throw Bad($"mode, uid and gid apply only to cache, secret and ssh mounts, not to type={Name(mount.Type)}.");
        }

        if (!readOnlySet)
        {
            mount.ReadOnly = mount.Type is not (RunMountType.Cache or RunMountType.Tmpfs);
        }

        if (sharingSet && mount.Type != RunMountType.Cache)
        {
            throw Bad("'sharing' applies only to cache mounts.");
        }

        if (mount.Type == RunMountType.Secret)
        {
            if (mount.From is not null)
            {
                throw Bad("a secret mount takes no 'from'.");
            }

            if (mount.Source is not null && mount.Id is not null)
            {
                throw Bad("give a secret mount either 'id' or 'source', not both.");
            }

            mount.Id ??= mount.Source;
            if (mount.Id is null && mount.Target is not null)
            {
                mount.Id = mount.Target.TrimEnd('/').Split('/')[^1];
            }

            if (string.IsNullOrEmpty(mount.Id))
            {
                throw Bad("a secret mount needs an id (or a target to take it from).");
            }
        }
        else if (mount.Type != RunMountType.Ssh && string.IsNullOrEmpty(mount.Target))
        {
            throw Bad($"a {Name(mount.Type)} mount needs a target (target=/path).");
        }

        if (mount.Env is not null && mount.Type != RunMountType.Secret)
        {
            throw Bad("'env' applies only to secret mounts.");
        }

        return mount;
    }

    /// <summary>A copy with another target (a relative target made absolute against the working directory).</summary>
    public RunMount WithTarget(string target)
    {
        var copy = (RunMount)MemberwiseClone();
        copy.Target = target;
        return copy;
    }

    public static string Name(RunMountType type) => type.ToString().ToLowerInvariant();

    private static bool ParseBool(string value, string key, Func<string, LayerToolsException> bad) => value.ToLowerInvariant() switch
    {
        "1" or "t" or "true" => true,
        "0" or "f" or "false" => false,
        _ => throw bad($"{key}={value} is not true or false."),
    };

    /// <summary>Bytes, or a number with a k, m, g (or kb, mb, gb; KiB...) suffix in powers of 1024, as Docker's RAMInBytes.</summary>
    private static long? ParseSize(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        var digits = 0;
        while (digits < text.Length && (char.IsAsciiDigit(text[digits]) || text[digits] == '.'))
        {
            digits++;
        }

        if (digits == 0 || !double.TryParse(text[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        long multiplier = text[digits..].Trim() switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            _ => 0,
        };
        return multiplier == 0 ? null : (long)(number * multiplier);
    }

    /// <summary>Splits one CSV record: fields separated by commas, double quotes around a field allowed ("" inside is a quote).</summary>
    private static List<string> SplitCsv(string text, Func<string, LayerToolsException> bad)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw bad("a quote is not closed.");
        }

        fields.Add(current.ToString());
        return fields.Where(f => f.Length > 0).ToList();
    }
}
