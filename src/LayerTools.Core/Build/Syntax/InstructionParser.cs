using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LayerTools.Core.Build.Syntax;

/// <summary>Turns one logical Dockerfile line (plus its heredocs) into a typed <see cref="Instruction"/>.</summary>
internal static partial class InstructionParser
{
    private enum FlagType
    {
        String,
        Bool,
        Strings,
    }

    private static readonly Dictionary<string, InstructionKind> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        ["from"] = InstructionKind.From,
        ["run"] = InstructionKind.Run,
        ["cmd"] = InstructionKind.Cmd,
        ["label"] = InstructionKind.Label,
        ["maintainer"] = InstructionKind.Maintainer,
        ["expose"] = InstructionKind.Expose,
        ["env"] = InstructionKind.Env,
        ["add"] = InstructionKind.Add,
        ["copy"] = InstructionKind.Copy,
        ["entrypoint"] = InstructionKind.Entrypoint,
        ["volume"] = InstructionKind.Volume,
        ["user"] = InstructionKind.User,
        ["workdir"] = InstructionKind.Workdir,
        ["arg"] = InstructionKind.Arg,
        ["onbuild"] = InstructionKind.Onbuild,
        ["stopsignal"] = InstructionKind.StopSignal,
        ["healthcheck"] = InstructionKind.Healthcheck,
        ["shell"] = InstructionKind.Shell,
    };

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

    /// <summary>Splits a logical line into keyword, flags and arguments.</summary>
    public static InstructionHeader SplitHeader(string line, char escape, string file, int lineNumber)
    {
        var parts = DockerfileSyntax.SplitWhitespace(line.Trim(), 2);
        if (parts.Count == 0)
        {
            throw DockerfileError.At(file, lineNumber, "empty instruction (a line continuation leads nowhere)");
        }

        if (parts.Count == 1)
        {
            return new InstructionHeader(parts[0], [], string.Empty);
        }

        var (rest, flags) = DockerfileSyntax.ExtractFlags(parts[1], escape);
        return new InstructionHeader(parts[0], flags, rest.Trim());
    }

    /// <summary>Whether heredocs are read after this line: RUN, COPY, ADD (also under ONBUILD), not in JSON form.</summary>
    public static bool CanContainHeredoc(InstructionHeader header, char escape)
    {
        if (!Keywords.TryGetValue(header.Keyword, out var kind))
        {
            return false;
        }

        if (kind == InstructionKind.Onbuild)
        {
            if (header.Rest.Length == 0)
            {
                return false;
            }

            var inner = DockerfileSyntax.SplitWhitespace(header.Rest, 2);
            var innerRest = inner.Count == 2 ? DockerfileSyntax.ExtractFlags(inner[1], escape).Remainder.Trim() : string.Empty;
            return CanContainHeredoc(new InstructionHeader(inner[0], [], innerRest), escape);
        }

        if (kind is not (InstructionKind.Run or InstructionKind.Copy or InstructionKind.Add))
        {
            return false;
        }

        try
        {
            return !DockerfileSyntax.TryParseJsonArray(header.Rest, out _);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The heredocs a line opens, in order (content still empty).</summary>
    public static List<Heredoc> HeredocsFromLine(string line, SourceLocation where)
    {
        IReadOnlyList<string> words;
        try
        {
            words = new VariableExpander('\\') { RawQuotes = true, RawEscapes = true, SkipUnsetVariables = true }.ExpandWords(line, null);
        }
        catch (LayerToolsException)
        {
            return [];
        }

        var docs = new List<Heredoc>();
        foreach (var word in words)
        {
            if (ParseHeredocWord(word, where) is { } doc)
            {
                docs.Add(doc);
            }
        }

        return docs;
    }

    /// <summary>Recognises <c>[n]&lt;&lt;[-]WORD</c>; null when <paramref name="word"/> is not a heredoc opener.</summary>
    public static Heredoc? ParseHeredocWord(string word, SourceLocation where)
    {
        var match = HeredocPattern().Match(word);
        if (!match.Success || match.Groups[3].Length == 0)
        {
            return null;
        }

        var rest = match.Groups[3].Value;
        var plain = new VariableExpander('\\') { SkipUnsetVariables = true }.ExpandWords(rest, null, where);
        if (plain.Count != 1)
        {
            return null;
        }

        var raw = new VariableExpander('\\') { SkipUnsetVariables = true, RawQuotes = true }.ExpandWords(rest, null, where);
        if (raw.Count != 1)
        {
            throw DockerfileError.At(where, $"internal lexing of heredoc produced inconsistent results: {rest}");
        }

        static int Quotes(string s) => s.Count(c => c is '\'' or '"');
        var fd = int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return new Heredoc(plain[0], string.Empty, Quotes(plain[0]) == Quotes(raw[0]), match.Groups[2].Value == "-", fd);
    }

    /// <summary>Builds the typed instruction, validating its arguments and flags.</summary>
    public static Instruction Create(InstructionHeader header, IReadOnlyList<Heredoc> heredocs, InstructionSource source)
    {
        if (!Keywords.TryGetValue(header.Keyword, out var kind))
        {
            throw DockerfileError.At(source.Location, $"unknown instruction: {header.Keyword}");
        }

        var name = kind.ToString().ToUpperInvariant();
        source = source with { Flags = ParseFlags(kind, name, header.FlagWords, source.Location) };
        var rest = header.Rest;
        var location = source.Location;

        try
        {
            return kind switch
            {
                InstructionKind.From => CreateFrom(source, rest),
                InstructionKind.Run => CreateRun(source, rest, heredocs),
                InstructionKind.Cmd => new CmdInstruction(source, MaybeJson(rest, heredocs)),
                InstructionKind.Entrypoint => new EntrypointInstruction(source, MaybeJson(rest, heredocs)),
                InstructionKind.Label => new LabelInstruction(source, NameValues(rest, name, source)),
                InstructionKind.Env => new EnvInstruction(source, NameValues(rest, name, source)),
                InstructionKind.Maintainer => new MaintainerInstruction(source, ExactlyOne(rest, name, location)),
                InstructionKind.Expose => new ExposeInstruction(source, AtLeastOne(DockerfileSyntax.SplitWhitespace(rest), name, location)),
                InstructionKind.Add or InstructionKind.Copy => CreateFileInstruction(kind, name, source, rest, heredocs),
                InstructionKind.Volume => CreateVolume(source, rest),
                InstructionKind.User => new UserInstruction(source, ExactlyOne(rest, name, location)),
                InstructionKind.Workdir => new WorkdirInstruction(source, ExactlyOne(rest, name, location)),
                InstructionKind.StopSignal => new StopSignalInstruction(source, ExactlyOne(rest, name, location)),
                InstructionKind.Arg => CreateArg(source, rest),
                InstructionKind.Onbuild => CreateOnbuild(source, rest, heredocs),
                InstructionKind.Healthcheck => CreateHealthcheck(source, rest),
                InstructionKind.Shell => CreateShell(source, rest),
                _ => throw DockerfileError.At(location, $"unknown instruction: {header.Keyword}"),
            };
        }
        catch (FormatException ex)
        {
            throw DockerfileError.At(location, $"{name}: {ex.Message}");
        }
    }

    private static List<InstructionFlag> ParseFlags(InstructionKind kind, string name, IReadOnlyList<string> words, SourceLocation location)
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

    private static FromInstruction CreateFrom(InstructionSource source, string rest)
    {
        var args = DockerfileSyntax.SplitWhitespace(rest);
        string? stage = null;
        if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            stage = args[2].ToLowerInvariant();
            if (!StageNamePattern().IsMatch(stage))
            {
                throw DockerfileError.At(source.Location, $"FROM: invalid name for build stage: \"{args[2]}\", name can't start with a number or contain symbols");
            }
        }
        else if (args.Count != 1)
        {
            throw DockerfileError.At(source.Location, "FROM requires either one or three arguments: FROM <image> [AS <name>]");
        }

        var platform = source.Flags.LastOrDefault(f => f.Name == "platform")?.Value;
        return new FromInstruction(source, args[0], stage, platform);
    }

    private static RunInstruction CreateRun(InstructionSource source, string rest, IReadOnlyList<Heredoc> heredocs)
    {
        if (rest.Length == 0 && heredocs.Count == 0)
        {
            throw DockerfileError.At(source.Location, "RUN requires at least one argument");
        }

        foreach (var f in source.Flags)
        {
            if (f.Name == "network" && f.Value is not ("default" or "none" or "host"))
            {
                throw DockerfileError.At(source.Location, $"RUN: unsupported network mode \"{f.Value}\" (use default, none or host)");
            }

            if (f.Name == "security" && f.Value is not ("sandbox" or "insecure"))
            {
                throw DockerfileError.At(source.Location, $"RUN: unsupported security mode \"{f.Value}\" (use sandbox or insecure)");
            }
        }

        return new RunInstruction(source, MaybeJson(rest, heredocs));
    }

    private static CommandLine MaybeJson(string rest, IReadOnlyList<Heredoc> heredocs)
    {
        if (rest.Length == 0)
        {
            return new CommandLine(false, [], heredocs);
        }

        return DockerfileSyntax.TryParseJsonArray(rest, out var values)
            ? new CommandLine(true, values, heredocs)
            : new CommandLine(false, [rest], heredocs);
    }

    private static List<KeyValueArgument> NameValues(string rest, string name, InstructionSource source)
    {
        var words = DockerfileSyntax.ParseWords(rest, source.EscapeToken);
        if (words.Count == 0)
        {
            throw DockerfileError.At(source.Location, $"{name} requires at least one argument");
        }

        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            var parts = DockerfileSyntax.SplitWhitespace(rest, 2);
            if (parts.Count < 2)
            {
                throw DockerfileError.At(source.Location, $"{name} must have two arguments: {name} <key>=<value>");
            }

            return [new KeyValueArgument(parts[0], parts[1], Legacy: true)];
        }

        var pairs = new List<KeyValueArgument>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw DockerfileError.At(source.Location, $"{name}: syntax error - can't find = in \"{word}\". Must be of the form: name=value");
            }

            if (eq == 0)
            {
                throw DockerfileError.At(source.Location, $"{name} names can not be blank");
            }

            pairs.Add(new KeyValueArgument(word[..eq], word[(eq + 1)..]));
        }

        return pairs;
    }

    private static string ExactlyOne(string rest, string name, SourceLocation location) =>
        rest.Length == 0 ? throw DockerfileError.At(location, $"{name} requires exactly one argument") : rest;

    private static List<string> AtLeastOne(List<string> args, string name, SourceLocation location) =>
        args.Count == 0 ? throw DockerfileError.At(location, $"{name} requires at least one argument") : args;

    private static FileInstruction CreateFileInstruction(InstructionKind kind, string name, InstructionSource source, string rest, IReadOnlyList<Heredoc> heredocs)
    {
        var isJson = DockerfileSyntax.TryParseJsonArray(rest, out var args);
        if (!isJson)
        {
            args = DockerfileSyntax.SplitWhitespace(rest);
        }

        if (args.Count < 2)
        {
            throw DockerfileError.At(source.Location, $"{name} requires at least two arguments, but {(args.Count == 0 ? "none was" : "only one was")} provided. Destination could not be determined");
        }

        var destination = args[^1];
        if (!isJson && ParseHeredocWord(destination, source.Location) is not null)
        {
            throw DockerfileError.At(source.Location, $"{name} cannot accept a heredoc as a destination");
        }

        var paths = new List<string>();
        var contents = new List<Heredoc>();
        foreach (var src in args.Take(args.Count - 1))
        {
            if (!isJson && ParseHeredocWord(src, source.Location) is { } doc)
            {
                var body = heredocs.FirstOrDefault(h => h.Name == doc.Name);
                contents.Add(body ?? doc);
            }
            else
            {
                paths.Add(src);
            }
        }

        return kind == InstructionKind.Copy
            ? new CopyInstruction(source, paths, contents, destination, isJson)
            : new AddInstruction(source, paths, contents, destination, isJson);
    }

    private static VolumeInstruction CreateVolume(InstructionSource source, string rest)
    {
        var isJson = DockerfileSyntax.TryParseJsonArray(rest, out var args);
        if (!isJson)
        {
            args = DockerfileSyntax.SplitWhitespace(rest);
        }

        AtLeastOne(args, "VOLUME", source.Location);
        var paths = new List<string>();
        foreach (var v in args)
        {
            var trimmed = v.Trim();
            if (trimmed.Length == 0)
            {
                throw DockerfileError.At(source.Location, "VOLUME specified can not be an empty string");
            }

            paths.Add(trimmed);
        }

        return new VolumeInstruction(source, paths, isJson);
    }

    private static ArgInstruction CreateArg(InstructionSource source, string rest)
    {
        var words = AtLeastOne(DockerfileSyntax.ParseWords(rest, source.EscapeToken), "ARG", source.Location);
        var defs = new List<ArgDefinition>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq == 0)
            {
                throw DockerfileError.At(source.Location, "ARG names can not be blank");
            }

            defs.Add(eq < 0 ? new ArgDefinition(word, null) : new ArgDefinition(word[..eq], word[(eq + 1)..]));
        }

        return new ArgInstruction(source, defs);
    }

    private static OnbuildInstruction CreateOnbuild(InstructionSource source, string rest, IReadOnlyList<Heredoc> heredocs)
    {
        if (rest.Length == 0)
        {
            throw DockerfileError.At(source.Location, "ONBUILD requires at least one argument");
        }

        var header = SplitHeader(rest, source.EscapeToken, source.Location.File, source.Location.StartLine);
        var trigger = header.Keyword.ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD":
                throw DockerfileError.At(source.Location, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER" or "FROM":
                throw DockerfileError.At(source.Location, $"{trigger} isn't allowed as an ONBUILD trigger");
        }

        var expression = OnbuildPrefix().Replace(source.Original, string.Empty);
        if (heredocs.Count > 0)
        {
            var sb = new StringBuilder(expression);
            foreach (var h in heredocs)
            {
                sb.Append('\n').Append(h.Content).Append(h.Name);
            }

            expression = sb.ToString();
        }

        var inner = Create(header, heredocs, source with { Keyword = header.Keyword, Original = rest, Flags = [] });
        return new OnbuildInstruction(source, inner, expression);
    }

    private static HealthcheckInstruction CreateHealthcheck(InstructionSource source, string rest)
    {
        var sep = 0;
        while (sep < rest.Length && !char.IsWhiteSpace(rest[sep]))
        {
            sep++;
        }

        if (sep == 0)
        {
            throw DockerfileError.At(source.Location, "HEALTHCHECK requires at least one argument");
        }

        var type = rest[..sep].ToUpperInvariant();
        var args = rest[sep..].TrimStart();
        if (type == "NONE")
        {
            if (args.Length != 0)
            {
                throw DockerfileError.At(source.Location, "HEALTHCHECK NONE takes no arguments");
            }

            return new HealthcheckInstruction(source, null, null, null, null, null, null);
        }

        if (type != "CMD")
        {
            throw DockerfileError.At(source.Location, $"HEALTHCHECK: unknown type \"{rest[..sep]}\" (try CMD)");
        }

        var command = MaybeJson(args, []);
        if (command.Arguments.Count == 0)
        {
            throw DockerfileError.At(source.Location, "Missing command after HEALTHCHECK CMD");
        }

        TimeSpan? Interval(string flag)
        {
            var value = source.Flags.LastOrDefault(f => f.Name == flag)?.Value;
            if (string.IsNullOrEmpty(value))
            {
                return null;
            }

            if (!DockerfileSyntax.TryParseGoDuration(value, out var d))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: invalid duration \"{value}\" for --{flag} (write e.g. 30s, 1m30s, 500ms)");
            }

            if (d == TimeSpan.Zero)
            {
                return null;
            }

            if (d < TimeSpan.FromMilliseconds(1))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: interval \"--{flag}\" cannot be less than 1ms");
            }

            return d;
        }

        int? retries = null;
        if (source.Flags.LastOrDefault(f => f.Name == "retries")?.Value is { Length: > 0 } r)
        {
            if (!int.TryParse(r, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: invalid --retries value \"{r}\" (a whole number)");
            }

            if (n < 0)
            {
                throw DockerfileError.At(source.Location, $"HEALTHCHECK: --retries cannot be negative ({n})");
            }

            retries = n;
        }

        return new HealthcheckInstruction(source, command, Interval("interval"), Interval("timeout"), Interval("start-period"), Interval("start-interval"), retries);
    }

    private static ShellInstruction CreateShell(InstructionSource source, string rest)
    {
        if (rest.Length == 0)
        {
            throw DockerfileError.At(source.Location, "SHELL requires at least one argument");
        }

        if (!DockerfileSyntax.TryParseJsonArray(rest, out var shell))
        {
            throw DockerfileError.At(source.Location, "SHELL requires the arguments to be in JSON form: SHELL [\"executable\", \"parameters\"]");
        }

        return shell.Count == 0 ? throw DockerfileError.At(source.Location, "SHELL requires at least one argument") : new ShellInstruction(source, shell);
    }

    [GeneratedRegex(@"^(\d*)<<(-?)\s*([^<]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex HeredocPattern();

    [GeneratedRegex("^[a-z][a-z0-9-_.]*$", RegexOptions.CultureInvariant)]
    private static partial Regex StageNamePattern();

    [GeneratedRegex(@"^\s*ONBUILD\s*", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex OnbuildPrefix();
}
