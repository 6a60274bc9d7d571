using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Build;
using LayerTools.Core.Images;

namespace LayerTools.Core.Containers;

/// <summary>
/// The Dockerfile instructions <c>docker commit --change</c> accepts (CMD, ENTRYPOINT, ENV, LABEL,
/// EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD), applied to an image's runtime config, with
/// $VAR and ${VAR} taken from the image's environment where a Dockerfile would expand them. Only
/// their simple one-line forms are read here; the Dockerfile parser replaces this once it lands.
/// </summary>
internal static class ChangeInstructions
{
    public static readonly IReadOnlyList<string> Allowed = new[] { "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "STOPSIGNAL", "ONBUILD" };

    public static void Apply(ImageState state, IEnumerable<string> instructions)
    {
        var cmdSet = false;
        foreach (var raw in instructions)
        {
            var text = raw.Trim();
            var space = text.IndexOfAny(new[] { ' ', '\t' });
            var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            var rest = space < 0 ? string.Empty : text[(space + 1)..].Trim();
            if (!Allowed.Contains(keyword))
            {
                throw Invalid(raw, $"'{keyword}' cannot be applied to a committed image; use one of {string.Join(", ", Allowed)}");
            }

            if (rest.Length == 0)
            {
                throw Invalid(raw, $"{keyword} needs an argument");
            }

            Func<string, string?> env = state.GetEnv;

            switch (keyword)
            {
                case "CMD":
                    state.SetList("Cmd", Command(state, rest, raw));
                    cmdSet = true;
                    break;
                case "ENTRYPOINT":
                    state.SetList("Entrypoint", Command(state, rest, raw));
                    if (!cmdSet)
                    {
                        state.SetList("Cmd", null); // as in a Dockerfile: ENTRYPOINT resets an inherited CMD
                    }

                    break;
                case "ENV":
                    foreach (var (key, value) in Pairs(rest, raw, allowLegacy: true, env))
                    {
                        state.SetEnv(key, value);
                    }

                    break;
                case "LABEL":
                    foreach (var (key, value) in Pairs(rest, raw, allowLegacy: false, env))
                    {
                        state.SetLabel(key, value);
                    }

                    break;
                case "EXPOSE":
                    state.AddToSet("ExposedPorts", Words(rest, raw, env).Select(p => p.Contains('/', StringComparison.Ordinal) ? p.ToLowerInvariant() : p + "/tcp"));
                    break;
                case "USER":
                    state.User = string.Join(' ', Words(rest, raw, env));
                    break;
                case "WORKDIR":
                    var dir = string.Join(' ', Words(rest, raw, env));
                    state.WorkingDir = dir.StartsWith('/') ? dir : "/" + Layers.TarPath.Normalize(Layers.TarPath.Join(state.WorkingDir.TrimStart('/'), dir));
                    break;
                case "VOLUME":
                    state.AddToSet("Volumes", rest.StartsWith('[') ? JsonArray(rest, raw) : Words(rest, raw, env));
                    break;
                case "STOPSIGNAL":
                    state.SetValue("StopSignal", JsonValue.Create(string.Join(' ', Words(rest, raw, env))));
                    break;
                case "ONBUILD":
                    var trigger = rest.Split(' ', 2)[0].ToUpperInvariant();
                    if (trigger is "ONBUILD" or "FROM" or "MAINTAINER")
                    {
                        throw Invalid(raw, $"ONBUILD cannot trigger {trigger}");
                    }

                    var triggers = JsonDocuments.GetStringArray(state.RuntimeConfig, "OnBuild")?.ToList() ?? new List<string>();
                    triggers.Add(rest);
                    state.SetList("OnBuild", triggers);
                    break;
            }
        }
    }

    private static IReadOnlyList<string> Command(ImageState state, string rest, string raw)
    {
        if (rest.StartsWith('['))
        {
            return JsonArray(rest, raw);
        }

        var shell = state.Shell is { Count: > 0 } s ? s : new[] { "/bin/sh", "-c" };
        return shell.Append(rest).ToList();
    }

    private static List<string> JsonArray(string text, string raw)
    {
        try
        {
            var list = JsonSerializer.Deserialize<List<string>>(text);
            return list ?? throw Invalid(raw, "the JSON form is empty");
        }
        catch (JsonException ex)
        {
            throw Invalid(raw, "the JSON form is not an array of strings: " + ex.Message);
        }
    }

    private static IEnumerable<(string Key, string Value)> Pairs(string rest, string raw, bool allowLegacy, Func<string, string?> env)
    {
        var words = Words(rest, raw, env);
        if (allowLegacy && !words[0].Contains('=', StringComparison.Ordinal))
        {
            // ENV KEY value with spaces
            var space = rest.IndexOfAny(new[] { ' ', '\t' });
            if (space < 0)
            {
                throw Invalid(raw, "ENV needs a value");
            }

            yield return (rest[..space], string.Join(' ', Words(rest[(space + 1)..], raw, env)));
            yield break;
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw Invalid(raw, $"'{word}' is not KEY=value");
            }

            yield return (word[..eq], word[(eq + 1)..]);
        }
    }

    /// <summary>
    /// Splits on blanks, keeping quoted text together and removing the quotes and backslash escapes;
    /// with <paramref name="env"/>, $VAR and ${VAR} outside single quotes become the variable's value
    /// (empty when unset), as a Dockerfile expands them.
    /// </summary>
    private static List<string> Words(string text, string raw, Func<string, string?>? env = null)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < text.Length)
                {
                    current.Append(text[++i]);
                }
                else if (c == '$' && quote == '"' && env is not null)
                {
                    i = Expand(text, i, current, env, raw);
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            if (c is ' ' or '\t')
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }

                continue;
            }

            inWord = true;
            if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (c == '$' && env is not null)
            {
                i = Expand(text, i, current, env, raw);
            }
            else
            {
                current.Append(c);
            }
        }

        if (quote != '\0')
        {
            throw Invalid(raw, "a quote is not closed");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        if (words.Count == 0)
        {
            throw Invalid(raw, "nothing follows the instruction");
        }

        return words;
    }

    /// <summary>Appends the value of the variable named at <paramref name="at"/> ('$'); returns the index of its last character.</summary>
    private static int Expand(string text, int at, StringBuilder output, Func<string, string?> env, string raw)
    {
        var braced = at + 1 < text.Length && text[at + 1] == '{';
        var start = at + (braced ? 2 : 1);
        var end = start;
        while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
        {
            end++;
        }

        if (end == start)
        {
            output.Append('$');
            return at;
        }

        if (braced)
        {
            if (end >= text.Length || text[end] != '}')
            {
                throw Invalid(raw, "a ${ is not closed (only ${NAME} is read here)");
            }

            output.Append(env(text[start..end]));
            return end;
        }

        output.Append(env(text[start..end]));
        return end - 1;
    }

    private static LayerToolsException Invalid(string instruction, string what) =>
        new("InvalidChange", ErrorKind.InvalidArgument, $"Change '{instruction}': {what}.", instruction);
}
