using System.Text.Json.Nodes;
using LayerTools.Core.Build.Syntax;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Build.Steps;

/// <summary>
/// How the metadata instructions (ENV, LABEL, EXPOSE, VOLUME, USER, STOPSIGNAL, SHELL, CMD,
/// ENTRYPOINT, HEALTHCHECK, MAINTAINER, ONBUILD) change an image's config, shared by the builder and
/// by <c>docker commit --change</c> so both give the same config for the same instruction.
/// WORKDIR is not here: the builder may have to make the directory in a layer.
/// </summary>
internal static class MetadataInstructions
{
    /// <summary>
    /// Applies an instruction already expanded in its scope to <paramref name="image"/> and returns
    /// the <c>created_by</c> text Docker records for it, or null when it is not a metadata
    /// instruction. <paramref name="cmdSet"/> tells whether CMD was set since FROM (an ENTRYPOINT then
    /// keeps it, otherwise it clears an inherited one); it is updated.
    /// </summary>
    public static string? Apply(ImageState image, Instruction expanded, ref bool cmdSet)
    {
        switch (expanded)
        {
            case EnvInstruction env:
                foreach (var v in env.Variables)
                {
                    image.SetEnv(v.Key, v.Value);
                }

                return "ENV " + string.Join(' ', env.Variables.Select(v => v.Key + "=" + v.Value));
            case LabelInstruction label:
                foreach (var l in label.Labels)
                {
                    image.SetLabel(l.Key, l.Value);
                }

                return "LABEL " + string.Join(' ', label.Labels.Select(l => l.Key + "=" + l.Value));
            case ExposeInstruction expose:
                var ports = expose.Ports.Select(p => p.Contains('/') ? p.ToLowerInvariant() : p + "/tcp").ToList();
                image.AddToSet("ExposedPorts", ports);
                return "EXPOSE map[" + string.Join(' ', ports.Select(p => p + ":{}")) + "]";
            case VolumeInstruction volume:
                image.AddToSet("Volumes", volume.Paths);
                return "VOLUME " + "[" + string.Join(' ', volume.Paths) + "]";
            case UserInstruction user:
                image.User = user.User;
                return "USER " + user.User;
            case StopSignalInstruction stop:
                image.SetValue("StopSignal", JsonValue.Create(stop.Signal));
                return "STOPSIGNAL " + stop.Signal;
            case ShellInstruction shell:
                image.SetList("Shell", shell.Shell);
                return "SHELL " + HistoryText.GoList(shell.Shell);
            case CmdInstruction cmd:
                var cmdArgv = cmd.Command.ToArgv(Shell(image));
                image.SetList("Cmd", cmdArgv);
                cmdSet = true;
                return "CMD " + HistoryText.GoList(cmdArgv);
            case EntrypointInstruction entrypoint:
                var entryArgv = entrypoint.Command.ToArgv(Shell(image));
                image.SetList("Entrypoint", entryArgv);
                if (!cmdSet)
                {
                    image.SetList("Cmd", null);
                }

                return "ENTRYPOINT " + HistoryText.GoList(entryArgv);
            case HealthcheckInstruction health:
                var check = new JsonObject { ["Test"] = new JsonArray(health.Test.Select(t => (JsonNode)JsonValue.Create(t)!).ToArray()) };
                AddDuration(check, "Interval", health.Interval);
                AddDuration(check, "Timeout", health.Timeout);
                AddDuration(check, "StartPeriod", health.StartPeriod);
                AddDuration(check, "StartInterval", health.StartInterval);
                if (health.Retries is { } retries)
                {
                    check["Retries"] = retries;
                }

                image.SetValue("Healthcheck", check);
                return HistoryText.Healthcheck(health);
            case MaintainerInstruction maintainer:
                image.Config["author"] = maintainer.Maintainer;
                return "MAINTAINER " + maintainer.Maintainer;
            case OnbuildInstruction onbuild:
                var triggers = JsonDocuments.GetStringArray(image.RuntimeConfig, "OnBuild")?.ToList() ?? new List<string>();
                triggers.Add(onbuild.Expression);
                image.SetList("OnBuild", triggers);
                return "ONBUILD " + onbuild.Expression;
            default:
                return null;
        }
    }

    /// <summary>The shell a shell-form CMD or ENTRYPOINT runs under: SHELL's, else /bin/sh -c.</summary>
    public static IReadOnlyList<string> Shell(ImageState image) => image.Shell is { Count: > 0 } shell ? shell : new[] { "/bin/sh", "-c" };

    private static void AddDuration(JsonObject check, string name, TimeSpan? value)
    {
        if (value is { } v)
        {
            check[name] = v.Ticks * 100;
        }
    }
}
