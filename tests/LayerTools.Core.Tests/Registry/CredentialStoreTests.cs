using System.Net;
using System.Text.Json.Nodes;
using LayerTools.Core.Images;
using LayerTools.Core.Registry;

namespace LayerTools.Core.Tests.Registry;

/// <summary>Credentials where docker, podman and skopeo keep them: config.json auths, credential helpers, REGISTRY_AUTH_FILE.</summary>
[Collection(CredentialStoreTests.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CredentialStoreTests : IDisposable
{
    public const string Name = "Credential environment";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "lt-creds-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly Dictionary<string, string?> _saved = new();

    public CredentialStoreTests()
    {
        Directory.CreateDirectory(_root);
        Set(CredentialStore.DockerConfigVariable, Path.Combine(_root, "docker"));
        Set(CredentialStore.AuthFileVariable, null);
    }

    private string ConfigPath => Path.Combine(_root, "docker", "config.json");

    [Fact]
    public void SavedCredentialsGoToAuthsAsDockerWritesThemAndTheRestOfTheFileStays()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, """{"auths":{"other.example":{"auth":"dTpw"}},"psFormat":"table"}""");
        var hub = RegistryEndpoint.For(ImageReference.Parse("alpine"));
        var local = RegistryEndpoint.Parse("127.0.0.1:5000");
        CredentialStore.Save(hub, new NetworkCredential("hubuser", "hub:secret"));
        CredentialStore.Save(local, new NetworkCredential("alice", "pw"));

        var json = JsonNode.Parse(File.ReadAllText(ConfigPath))!;
        Assert.Equal("table", (string)json["psFormat"]!);
        Assert.Equal(Convert.ToBase64String("hubuser:hub:secret"u8.ToArray()), (string)json["auths"]!["https://index.docker.io/v1/"]!["auth"]!);
        Assert.NotNull(json["auths"]!["other.example"]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));

        var found = CredentialStore.Find(hub)!.Value;
        Assert.Equal(("hubuser", "hub:secret", ConfigPath), (found.Credential.UserName, found.Credential.Password, found.Source));
        Assert.True(CredentialStore.Remove(local));
        Assert.False(CredentialStore.Remove(local));
        Assert.Null(CredentialStore.Find(local));
        Assert.NotNull(CredentialStore.Find(hub));
    }

    [Fact]
    public void RegistryAuthFileIsReadFirst()
    {
        var podman = Path.Combine(_root, "auth.json");
        File.WriteAllText(podman, """{"auths":{"registry.example:5000":{"auth":"cG9kOnBvZHB3"}}}""");
        Set(CredentialStore.AuthFileVariable, podman);
        var endpoint = RegistryEndpoint.Parse("registry.example:5000");
        CredentialStore.Save(endpoint, new NetworkCredential("docker", "dockerpw"));
        var found = CredentialStore.Find(endpoint)!.Value;
        Assert.Equal(("pod", "podpw", podman), (found.Credential.UserName, found.Credential.Password, found.Source));
    }

    [Fact]
    public void CredentialHelpersAreAskedAsDockerAsksThem()
    {
        // A docker-credential-<name> program speaking docker's protocol, keeping its secrets in a folder.
        var bin = Path.Combine(_root, "bin");
        Directory.CreateDirectory(bin);
        var helper = Path.Combine(bin, "docker-credential-lttest");
        File.WriteAllText(helper, """
            #!/bin/bash
            dir="$(dirname "$0")/secrets"; mkdir -p "$dir"
            case "$1" in
            store) python3 -c 'import json,sys,base64,os; d=json.load(sys.stdin); open(os.path.join(sys.argv[1], base64.b32encode(d["ServerURL"].encode()).decode()),"w").write(json.dumps({"Username":d["Username"],"Secret":d["Secret"]}))' "$dir" ;;
            get) read -r server; f="$dir/$(printf %s "$server" | base32 -w0)"; if [[ -f $f ]]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            erase) read -r server; f="$dir/$(printf %s "$server" | base32 -w0)"; if [[ -f $f ]]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
            esac
            """.ReplaceLineEndings("\n"));
        File.SetUnixFileMode(helper, (UnixFileMode)0x1ED);
        Set("PATH", bin + ":" + Environment.GetEnvironmentVariable("PATH"));
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, """{"credHelpers":{"registry.example:5000":"lttest"}}""");

        var endpoint = RegistryEndpoint.Parse("registry.example:5000");
        Assert.Null(CredentialStore.Find(endpoint));
        Assert.Equal("docker-credential-lttest", CredentialStore.Save(endpoint, new NetworkCredential("bob", "helper-secret")));
        Assert.DoesNotContain("helper-secret", File.ReadAllText(ConfigPath), StringComparison.Ordinal);
        var found = CredentialStore.Find(endpoint)!.Value;
        Assert.Equal(("bob", "helper-secret"), (found.Credential.UserName, found.Credential.Password));
        Assert.True(CredentialStore.Remove(endpoint));
        Assert.Null(CredentialStore.Find(endpoint));

        File.WriteAllText(ConfigPath, """{"credsStore":"missing-helper"}""");
        Assert.Equal("CredentialHelperNotFound", Assert.Throws<LayerToolsException>(() => CredentialStore.Find(endpoint)).ErrorId);
    }

    private void Set(string name, string? value)
    {
        if (!_saved.ContainsKey(name))
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable(name, value);
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>The tests that change process-wide environment variables (credentials, insecure registries): one at a time, alone.</summary>
[CollectionDefinition(CredentialStoreTests.Name, DisableParallelization = true)]
public sealed class CredentialEnvironmentCollection
{
}
