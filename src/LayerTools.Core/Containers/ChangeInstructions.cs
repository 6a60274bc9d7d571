using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Core.Build;

namespace LayerTools.Core.Containers;

/// <summary>
/// The Dockerfile instructions <c>docker commit --change</c> accepts (CMD, ENTRYPOINT, ENV, LABEL,
/// EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL), applied to an image's runtime config. Only their
/// simple one-line forms are read here; the Dockerfile parser replaces this once it lands.
/// </summary>
internal static class ChangeInstructions
{
    public static readonly IReadOnlyList<string> Allowed = new[] { "CMD", "ENTRYPOINT", "ENV", "LABEL", "EXPOSE", "USER", "WORKDIR", "VOLUME", "STOPSIGNAL" };

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
                    foreach (var (key, value) in Pairs(rest, raw, allowLegacy: true))
                    {
                        state.SetEnv(key, value);
                    }

                    break;
                case "LABEL":
                    foreach (var (key, value) in Pairs(rest, raw, allowLegacy: false))
                    {
                        state.SetLabel(key, value);
                    }

                    break;
                case "EXPOSE":
                    state.AddToSet("ExposedPorts", Words(rest, raw).Select(p => p.Contains('/', StringComparison.Ordinal) ? p.ToLowerInvariant() : p + "/tcp"));
                    break;
                case "USER":
                    state.User = rest;
                    break;
                case "WORKDIR":
                    var dir = Words(rest, raw).Single();
                    state.WorkingDir = dir.StartsWith('/') ? dir : "/" + Layers.TarPath.Normalize(Layers.TarPath.Join(state.WorkingDir.TrimStart('/'), dir));
                    break;
                case "VOLUME":
                    state.AddToSet("Volumes", rest.StartsWith('[') ? JsonArray(rest, raw) : Words(rest, raw));
                    break;
                case "STOPSIGNAL":
                    state.SetValue("StopSignal", JsonValue.Create(rest));
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

    private static IEnumerable<(string Key, string Value)> Pairs(string rest, string raw, bool allowLegacy)
    {
        var words = Words(rest, raw);
        if (allowLegacy && !words[0].Contains('=', StringComparison.Ordinal))
        {
            // ENV KEY value with spaces
            var space = rest.IndexOfAny(new[] { ' ', '\t' });
            if (space < 0)
            {
                throw Invalid(raw, "ENV needs a value");
            }

            yield return (rest[..space], string.Join(' ', Words(rest[(space + 1)..], raw)));
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

    /// <summary>Splits on blanks, keeping quoted text together and removing the quotes and backslash escapes.</summary>
    private static List<string> Words(string text, string raw)
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

    private static LayerToolsException Invalid(string instruction, string what) =>
        new("InvalidChange", ErrorKind.InvalidArgument, $"Change '{instruction}': {what}.", instruction);
}
