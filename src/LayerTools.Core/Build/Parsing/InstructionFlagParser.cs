using LayerTools.Core.Build.Syntax;

namespace LayerTools.Core.Build.Parsing;

/// <summary>
/// The <c>--name[=value]</c> flags of an instruction: which flags each instruction takes, of what
/// type (a string, a boolean, or a string that may repeat), checked as BuildKit checks them.
/// </summary>
internal static class InstructionFlagParser
{
    private enum FlagType
    {
        String,
        Bool,
        Strings,
    }

    private static readonly Dictionary<InstructionKind, Dictionary<string, FlagType>> AllowedFlags = new()
    {
        [InstructionKind.From] = new() { ["platform"] = FlagType.String },
        [InstructionKind.Run] = new() { ["mount"] = FlagType.Strings, ["network"] = FlagType.String, ["security"] = FlagType.String },
        [InstructionKind.Copy] = new()
        {
            ["from"] = FlagType.String,
            ["chown"] = FlagType.String,
            ["chmod"] = FlagType.String,
            ["link"] = FlagType.Bool,
            ["parents"] = FlagType.Bool,
            ["exclude"] = FlagType.Strings,
        },
        [InstructionKind.Add] = new()
        {
            ["chown"] = FlagType.String,
            ["chmod"] = FlagType.String,
            ["link"] = FlagType.Bool,
            ["checksum"] = FlagType.String,
            ["keep-git-dir"] = FlagType.Bool,
            ["unpack"] = FlagType.Bool,
            ["exclude"] = FlagType.Strings,
        },
        [InstructionKind.Healthcheck] = new()
        {
            ["interval"] = FlagType.String,
            ["timeout"] = FlagType.String,
            ["start-period"] = FlagType.String,
            ["start-interval"] = FlagType.String,
            ["retries"] = FlagType.String,
        },
    };

    /// <summary>Parses the flag words of an instruction of <paramref name="kind"/> (<paramref name="name"/> in messages).</summary>
    public static List<InstructionFlag> Parse(InstructionKind kind, string name, IReadOnlyList<string> words, SourceLocation location)
    {
        var result = new List<InstructionFlag>();
        if (words.Count == 0)
        {
            return result;
        }

        AllowedFlags.TryGetValue(kind, out var allowed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            if (!word.StartsWith("--", StringComparison.Ordinal))
            {
                throw DockerfileError.At(location, $"{name}: arg should start with -- : {word}");
            }

            var body = word[2..];
            var eq = body.IndexOf('=', StringComparison.Ordinal);
            var flag = eq < 0 ? body : body[..eq];
            var value = eq < 0 ? null : body[(eq + 1)..];
            if (allowed is null || !allowed.TryGetValue(flag, out var type))
            {
                throw DockerfileError.At(location, $"{name}: unknown flag: --{flag}");
            }

            if (type != FlagType.Strings && !seen.Add(flag))
            {
                throw DockerfileError.At(location, $"{name}: duplicate flag specified: --{flag}");
            }

            switch (type)
            {
                case FlagType.Bool when value is not null && !value.Equals("true", StringComparison.OrdinalIgnoreCase) && !value.Equals("false", StringComparison.OrdinalIgnoreCase):
                    throw DockerfileError.At(location, $"{name}: expecting boolean value for flag --{flag}, not: {value}");
                case FlagType.String or FlagType.Strings when value is null:
                    throw DockerfileError.At(location, $"{name}: missing a value on flag: --{flag}");
            }

            result.Add(new InstructionFlag(flag, value));
        }

        return result;
    }
}
