using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LayerTools.Yaml;

namespace LayerTools.Core.Build.Syntax;

/// <summary>
/// The YAML mirror of a Dockerfile, turned into Dockerfile text that the one parser reads, so both
/// forms build the same image. Each instruction is written on the line of its YAML step, so the
/// parser's and the builder's messages name the YAML file's own lines.
/// <code>
/// args: { BASE: busybox:latest }          # ARGs before the first FROM
/// stages:
///   - name: build                           # AS build (optional)
///     from: ${BASE}
///     platform: linux/amd64                 # optional
///     steps:
///       - arg: VERSION=1
///       - env: { NODE_ENV: production }
///       - workdir: /app
///       - copy: { src: [package.json], dest: ., from: build, chown: "1000:1000", chmod: "644" }
///       - run: npm install                  # a string is the shell form; a list the exec form
///       - cmd: [npm, start]
/// </code>
/// Steps: arg, env, label, workdir, copy, add, run, cmd, entrypoint, expose, volume, user, shell,
/// stopsignal, healthcheck ({cmd, interval, timeout, start_period, retries} or none), onbuild, maintainer.
/// </summary>
internal static class YamlBuildFile
{
    private static readonly HashSet<string> StageKeys = new(StringComparer.Ordinal) { "name", "from", "platform", "steps" };

    public static string ToDockerfile(string yaml, string file)
    {
        JsonNode? root;
        IReadOnlyDictionary<string, int> lines;
        try
        {
            root = YamlDocumentReader.Read(yaml, out lines);
        }
        catch (FormatException ex)
        {
            throw new LayerToolsException("DockerfileParseError", ErrorKind.InvalidData, $"{file}:{ex.Message.Replace("line ", string.Empty, StringComparison.Ordinal)}", file, ex);
        }

        var writer = new AlignedWriter();
        if (root is not JsonObject doc)
        {
            throw Error(file, 1, "the build file must be a mapping with 'stages'");
        }

        foreach (var (key, _) in doc)
        {
            if (key is not ("args" or "stages"))
            {
                throw Error(file, Line(lines, "/" + key), $"unknown key '{key}' (expected args, stages)");
            }
        }

        if (doc["args"] is JsonObject args)
        {
            foreach (var (name, value) in args)
            {
                writer.Write(Line(lines, "/args/" + name), "ARG " + name + (value is null ? string.Empty : "=" + Word(Scalar(value, file, Line(lines, "/args/" + name)))));
            }
        }

        if (doc["stages"] is not JsonArray stages || stages.Count == 0)
        {
            throw Error(file, Line(lines, "/stages"), "'stages' must be a list with at least one stage");
        }

        for (var i = 0; i < stages.Count; i++)
        {
            var pointer = "/stages/" + i.ToString(CultureInfo.InvariantCulture);
            if (stages[i] is not JsonObject stage)
            {
                throw Error(file, Line(lines, pointer), "a stage must be a mapping with 'from' and 'steps'");
            }

            foreach (var (key, _) in stage)
            {
                if (!StageKeys.Contains(key))
                {
                    throw Error(file, Line(lines, pointer + "/" + key), $"unknown stage key '{key}' (expected name, from, platform, steps)");
                }
            }

            var from = stage["from"] is { } f ? Scalar(f, file, Line(lines, pointer + "/from")) : throw Error(file, Line(lines, pointer), "a stage needs 'from'");
            var head = new StringBuilder("FROM ");
            if (stage["platform"] is { } platform)
            {
                head.Append("--platform=").Append(Scalar(platform, file, Line(lines, pointer + "/platform"))).Append(' ');
            }

            head.Append(from);
            if (stage["name"] is { } name)
            {
                head.Append(" AS ").Append(Scalar(name, file, Line(lines, pointer + "/name")));
            }

            writer.Write(Line(lines, pointer + "/from"), head.ToString());
            if (stage["steps"] is JsonArray steps)
            {
                for (var s = 0; s < steps.Count; s++)
                {
                    var stepPointer = pointer + "/steps/" + s.ToString(CultureInfo.InvariantCulture);
                    writer.Write(Line(lines, stepPointer), Step(steps[s], file, Line(lines, stepPointer)));
                }
            }
            else if (stage["steps"] is not null)
            {
                throw Error(file, Line(lines, pointer + "/steps"), "'steps' must be a list");
            }
        }

        return writer.ToString();
    }

    private static string Step(JsonNode? node, string file, int line)
    {
        if (node is not JsonObject step || step.Count != 1)
        {
            throw Error(file, line, "each step is a mapping with exactly one key, such as 'run: make' or 'copy: {src: ., dest: /app}'");
        }

        var (kind, value) = step.First();
        return kind switch
        {
            "run" => Command("RUN", value, file, line),
            "cmd" => Command("CMD", value, file, line),
            "entrypoint" => Command("ENTRYPOINT", value, file, line),
            "shell" => "SHELL " + Json(List(value, file, line)),
            "workdir" => "WORKDIR " + Word(Scalar(value, file, line)),
            "user" => "USER " + Word(Scalar(value, file, line)),
            "stopsignal" => "STOPSIGNAL " + Word(Scalar(value, file, line)),
            "maintainer" => "MAINTAINER " + Scalar(value, file, line),
            "onbuild" => "ONBUILD " + Scalar(value, file, line),
            "expose" => "EXPOSE " + string.Join(' ', List(value, file, line)),
            "volume" => "VOLUME " + Json(List(value, file, line)),
            "arg" => "ARG " + (value is JsonObject a ? string.Join(' ', a.Select(p => p.Key + (p.Value is null ? string.Empty : "=" + Word(Scalar(p.Value, file, line))))) : Scalar(value, file, line)),
            "env" => "ENV " + Pairs(value, file, line),
            "label" => "LABEL " + Pairs(value, file, line),
            "copy" => FileStep("COPY", value, file, line, allowFrom: true),
            "add" => FileStep("ADD", value, file, line, allowFrom: false),
            "healthcheck" => Healthcheck(value, file, line),
            _ => throw Error(file, line, $"unknown step '{kind}'"),
        };
    }

    private static string Command(string keyword, JsonNode? value, string file, int line)
    {
        if (value is JsonArray)
        {
            return keyword + " " + Json(List(value, file, line));
        }

        var text = Scalar(value, file, line).TrimEnd('\n');
        if (!text.Contains('\n', StringComparison.Ordinal))
        {
            return keyword + " " + text;
        }

        if (keyword != "RUN")
        {
            throw Error(file, line, $"a multi-line {keyword.ToLowerInvariant()} must be a list (exec form)");
        }

        var marker = "LAYERTOOLS_EOF";
        while (text.Contains(marker, StringComparison.Ordinal))
        {
            marker += "_";
        }

        return $"RUN <<{marker}\n{text}\n{marker}";
    }

    private static string FileStep(string keyword, JsonNode? value, string file, int line, bool allowFrom)
    {
        if (value is not JsonObject o)
        {
            throw Error(file, line, $"'{keyword.ToLowerInvariant()}' takes a mapping: {{src: <path or list>, dest: <path>}}");
        }

        var sb = new StringBuilder(keyword);
        foreach (var (key, v) in o)
        {
            switch (key)
            {
                case "src" or "dest":
                    break;
                case "from" when allowFrom:
                case "chown" or "chmod":
                    sb.Append(" --").Append(key).Append('=').Append(Scalar(v, file, line));
                    break;
                default:
                    throw Error(file, line, $"unknown {keyword.ToLowerInvariant()} key '{key}' (expected src, dest, chown, chmod{(allowFrom ? ", from" : string.Empty)})");
            }
        }

        var sources = o["src"] is { } src ? List(src, file, line) : throw Error(file, line, $"{keyword.ToLowerInvariant()} needs 'src'");
        var dest = o["dest"] is { } d ? Scalar(d, file, line) : throw Error(file, line, $"{keyword.ToLowerInvariant()} needs 'dest'");
        // The shell form, as a Dockerfile would usually say it (so the history reads the same); the
        // JSON form only when a path holds a space or a quote.
        var words = sources.Append(dest).ToList();
        var plain = words.All(w => w.Length > 0 && w.AsSpan().IndexOfAny(" \t\"'\\") < 0);
        return sb.Append(' ').Append(plain ? string.Join(' ', words) : Json(words)).ToString();
    }

    private static string Healthcheck(JsonNode? value, string file, int line)
    {
        if (value is JsonValue none && none.TryGetValue<string>(out var s) && s.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return "HEALTHCHECK NONE";
        }

        if (value is not JsonObject o || o["cmd"] is not { } cmd)
        {
            throw Error(file, line, "'healthcheck' takes 'none' or a mapping with 'cmd'");
        }

        var sb = new StringBuilder("HEALTHCHECK");
        foreach (var (key, v) in o)
        {
            if (key == "cmd")
            {
                continue;
            }

            var flag = key switch
            {
                "interval" => "interval",
                "timeout" => "timeout",
                "start_period" => "start-period",
                "start_interval" => "start-interval",
                "retries" => "retries",
                _ => throw Error(file, line, $"unknown healthcheck key '{key}'"),
            };
            sb.Append(" --").Append(flag).Append('=').Append(Scalar(v, file, line));
        }

        return sb.Append(' ').Append(Command("CMD", cmd, file, line)).ToString();
    }

    private static string Pairs(JsonNode? value, string file, int line) => value is JsonObject o && o.Count > 0
        ? string.Join(' ', o.Select(p => p.Key + "=" + Word(p.Value is null ? string.Empty : Scalar(p.Value, file, line))))
        : throw Error(file, line, "expected a mapping of names to values");

    private static List<string> List(JsonNode? value, string file, int line) => value switch
    {
        JsonArray a => a.Select(i => Scalar(i, file, line)).ToList(),
        null => throw Error(file, line, "expected a value"),
        _ => new List<string> { Scalar(value, file, line) },
    };

    private static string Scalar(JsonNode? value, string file, int line) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => throw Error(file, line, "expected a single value"),
    };

    /// <summary>A value as one Dockerfile word: double-quoted when it holds spaces or quotes.</summary>
    private static string Word(string value) =>
        value.Length > 0 && value.AsSpan().IndexOfAny(" \t\"'\\") < 0 ? value : "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Json(IReadOnlyList<string> values) => JsonSerializer.Serialize(values);

    private static int Line(IReadOnlyDictionary<string, int> lines, string pointer) => lines.TryGetValue(pointer, out var l) ? l : 1;

    private static LayerToolsException Error(string file, int line, string what) =>
        new("DockerfileParseError", ErrorKind.InvalidData, $"{file}:{line}: {what}.", file);
}
