using System.Text.Json;
using System.Text.Json.Nodes;

namespace LayerTools.Core.Run;

/// <summary>
/// The OCI runtime config.json for a RUN step: Docker's default capabilities, /proc, a tmpfs
/// /dev with the standard devices, /sys read-only, the host's /etc/resolv.conf and /etc/hosts
/// bound read-only (when the image's file is replaced by a mount, what the command writes there is
/// not captured, as in Docker), new mount, PID, UTS and IPC namespaces, and no network namespace:
/// the command shares the host's network, like <c>docker build --network=host</c> (Docker's
/// default bridge needs a daemon to provide it). No terminal; stdio are the caller's pipes.
/// </summary>
internal static class RuntimeBundle
{
    /// <summary>Paths the runtime mounts over: if the image lacks them, the runtime makes empty stubs that must not end up in the layer.</summary>
    public static readonly string[] MountPoints = { "etc/resolv.conf", "etc/hosts", "proc", "dev", "sys" };

    public static byte[] Config(ProcessSpec spec)
    {
        static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

        var caps = spec.Uid == 0 ? ContainerSecurity.Capabilities : Array.Empty<string>();
        var process = new JsonObject
        {
            ["terminal"] = false,
            ["user"] = new JsonObject
            {
                ["uid"] = spec.Uid,
                ["gid"] = spec.Gid,
                ["additionalGids"] = new JsonArray(spec.AdditionalGids.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
            },
            ["args"] = Strings(spec.Arguments),
            ["env"] = Strings(spec.Environment),
            ["cwd"] = spec.WorkingDirectory,
            ["capabilities"] = new JsonObject
            {
                ["bounding"] = Strings(ContainerSecurity.Capabilities),
                ["effective"] = Strings(caps),
                ["permitted"] = Strings(caps),
            },
            ["noNewPrivileges"] = true,
        };

        var mounts = new JsonArray
        {
            Mount("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
            Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
            Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
            Mount("/dev/shm", "shm", "tmpfs", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
            Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
            Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
        };
        foreach (var (host, container) in spec.Files)
        {
            mounts.Add(Mount(container, host, "bind", "bind", "ro", "nosuid", "nodev"));
        }

        foreach (var m in spec.Mounts)
        {
            mounts.Add(m.Mount.Kind == ContainerMountKind.Tmpfs
                ? Mount(m.ContainerPath, "tmpfs", "tmpfs", new[] { "nosuid", "nodev", "mode=755" }.Concat(m.Mount.Size is { } size ? new[] { "size=" + size.ToString(System.Globalization.CultureInfo.InvariantCulture) } : Array.Empty<string>()).ToArray())
                : Mount(m.ContainerPath, m.Mount.HostSource!, "bind", "rbind", m.Mount.ReadOnly ? "ro" : "rw"));
        }

        foreach (var file in new[] { "/etc/resolv.conf", "/etc/hosts" })
        {
            if (File.Exists(file))
            {
                mounts.Add(Mount(file, file, "bind", "rbind", "ro", "nosuid", "nodev"));
            }
        }

        var config = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = process,
            ["root"] = new JsonObject { ["path"] = spec.RootFs, ["readonly"] = false },
            ["hostname"] = spec.Hostname,
            ["mounts"] = mounts,
            ["linux"] = new JsonObject
            {
                ["namespaces"] = Namespaces(spec.IsolateNetwork),
                ["maskedPaths"] = Strings(ContainerSecurity.MaskedPaths),
                ["readonlyPaths"] = Strings(ContainerSecurity.ReadonlyPaths),
                ["seccomp"] = SeccompProfile.Build(),
            },
        };
        return JsonSerializer.SerializeToUtf8Bytes(config, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>PID, IPC, UTS and mount always; a network namespace (loopback only) for RUN --network=none.</summary>
    private static JsonArray Namespaces(bool isolateNetwork)
    {
        var namespaces = new JsonArray(
            new JsonObject { ["type"] = "pid" },
            new JsonObject { ["type"] = "ipc" },
            new JsonObject { ["type"] = "uts" },
            new JsonObject { ["type"] = "mount" });
        if (isolateNetwork)
        {
            namespaces.Add(new JsonObject { ["type"] = "network" });
        }

        return namespaces;
    }

    private static JsonObject Mount(string destination, string source, string type, params string[] options) => new()
    {
        ["destination"] = destination,
        ["type"] = type,
        ["source"] = source,
        ["options"] = new JsonArray(options.Select(o => (JsonNode?)JsonValue.Create(o)).ToArray()),
    };
}
