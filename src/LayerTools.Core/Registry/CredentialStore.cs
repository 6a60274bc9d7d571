using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using LayerTools.Core.Oci;
using LayerTools.Core.Store;

namespace LayerTools.Core.Registry;

/// <summary>
/// Registry credentials where docker, podman and skopeo keep them: <c>$env:REGISTRY_AUTH_FILE</c>
/// (podman's auth.json, read first), then docker's <c>$env:DOCKER_CONFIG/config.json</c> (default
/// <c>~/.docker/config.json</c>): <c>credHelpers</c> for the registry, else <c>credsStore</c>, else <c>auths</c>.
/// Saving goes where docker login would: the helper when one is configured, else <c>auths</c> (base64
/// user:password, the file readable by its owner only). Other content of the file is kept.
/// </summary>
internal static class CredentialStore
{
    public const string AuthFileVariable = "REGISTRY_AUTH_FILE";
    public const string DockerConfigVariable = "DOCKER_CONFIG";

    /// <summary>docker's config.json.</summary>
    public static string DockerConfigPath()
    {
        var dir = Environment.GetEnvironmentVariable(DockerConfigVariable);
        return Path.Combine(string.IsNullOrEmpty(dir) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker") : dir, "config.json");
    }

    /// <summary>The saved credential for a registry and where it came from; null when none is saved.</summary>
    public static (NetworkCredential Credential, string Source)? Find(RegistryEndpoint endpoint)
    {
        var authFile = Environment.GetEnvironmentVariable(AuthFileVariable);
        if (!string.IsNullOrEmpty(authFile) && Read(authFile) is { } podman && FromAuths(podman, endpoint) is { } fromAuthFile)
        {
            return (fromAuthFile, authFile);
        }

        var path = DockerConfigPath();
        if (Read(path) is not { } config)
        {
            return null;
        }

        if (HelperFor(config, endpoint) is { } helper)
        {
            return CredentialHelper.Get(helper, endpoint.CredentialKey) is { } fromHelper ? (fromHelper, "docker-credential-" + helper) : null;
        }

        return FromAuths(config, endpoint) is { } fromConfig ? (fromConfig, path) : null;
    }

    /// <summary>Saves a credential as docker login does; returns where it went.</summary>
    public static string Save(RegistryEndpoint endpoint, NetworkCredential credential)
    {
        var path = DockerConfigPath();
        var config = Read(path) ?? new JsonObject();
        if (HelperFor(config, endpoint) is { } helper)
        {
            CredentialHelper.Store(helper, endpoint.CredentialKey, credential);
            return "docker-credential-" + helper;
        }

        if (config["auths"] is not JsonObject auths)
        {
            config["auths"] = auths = new JsonObject();
        }

        RemoveEntries(auths, endpoint);
        auths[endpoint.CredentialKey] = new JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.UserName + ":" + credential.Password)) };
        Write(path, config);
        return path;
    }

    /// <summary>Removes the saved credential for a registry; false when there was none.</summary>
    public static bool Remove(RegistryEndpoint endpoint)
    {
        var path = DockerConfigPath();
        if (Read(path) is not { } config)
        {
            return false;
        }

        if (HelperFor(config, endpoint) is { } helper)
        {
            return CredentialHelper.Erase(helper, endpoint.CredentialKey);
        }

        if (config["auths"] is not JsonObject auths || !RemoveEntries(auths, endpoint))
        {
            return false;
        }

        Write(path, config);
        return true;
    }

    private static string? HelperFor(JsonObject config, RegistryEndpoint endpoint)
    {
        if (config["credHelpers"] is JsonObject helpers)
        {
            foreach (var (key, value) in helpers)
            {
                if (Matches(key, endpoint) && value is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0)
                {
                    return name;
                }
            }
        }

        return JsonDocuments.GetString(config, "credsStore") is { Length: > 0 } store ? store : null;
    }

    private static NetworkCredential? FromAuths(JsonObject config, RegistryEndpoint endpoint)
    {
        if (config["auths"] is not JsonObject auths)
        {
            return null;
        }

        foreach (var (key, value) in auths)
        {
            if (!Matches(key, endpoint) || value is not JsonObject entry)
            {
                continue;
            }

            if (JsonDocuments.GetString(entry, "auth") is { Length: > 0 } auth)
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
                }
                catch (FormatException)
                {
                    throw new LayerToolsException("InvalidCredentialFile", ErrorKind.InvalidData, $"The saved credential for {endpoint.Domain} is not valid base64; sign in again with Connect-ImageRegistry.", endpoint.Domain);
                }

                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return colon < 0 ? null : new NetworkCredential(decoded[..colon], decoded[(colon + 1)..]);
            }

            if (JsonDocuments.GetString(entry, "username") is { } user && JsonDocuments.GetString(entry, "password") is { } password)
            {
                return new NetworkCredential(user, password);
            }
        }

        return null;
    }

    private static bool RemoveEntries(JsonObject auths, RegistryEndpoint endpoint)
    {
        var keys = auths.Select(a => a.Key).Where(k => Matches(k, endpoint)).ToList();
        foreach (var key in keys)
        {
            auths.Remove(key);
        }

        return keys.Count > 0;
    }

    /// <summary>True when a config key (host[:port], or a URL as older docker wrote them) names the registry.</summary>
    private static bool Matches(string key, RegistryEndpoint endpoint)
    {
        try
        {
            return RegistryEndpoint.Parse(key).Domain.Equals(endpoint.Domain, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception ex) when (ex is LayerToolsException or UriFormatException)
        {
            return false;
        }
    }

    private static JsonObject? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return JsonDocuments.ParseObject(File.ReadAllBytes(path), path, "InvalidCredentialFile");
    }

    private static void Write(string path, JsonObject config)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(config, new JsonSerializerOptions { WriteIndented = true });
        var tmp = Path.Combine(dir, ".config.json." + Guid.NewGuid().ToString("N"));
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var fs = new FileStream(tmp, options))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            AtomicFile.TryDelete(tmp);
        }
    }
}
