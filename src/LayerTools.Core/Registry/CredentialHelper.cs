using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using LayerTools.Core.Oci;

namespace LayerTools.Core.Registry;

/// <summary>
/// A docker credential helper: the program <c>docker-credential-&lt;name&gt;</c> on PATH, spoken to as
/// docker does (get/store/erase, the server on stdin, JSON out). Secrets go through pipes only.
/// </summary>
internal static class CredentialHelper
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The helper's credential for <paramref name="server"/>; null when it has none.</summary>
    public static NetworkCredential? Get(string name, string server)
    {
        var (exit, output) = Run(name, "get", server);
        if (exit != 0)
        {
            // "credentials not found in native keychain" is how helpers say there is none.
            return output.Contains("not found", StringComparison.OrdinalIgnoreCase) ? null : throw Failed(name, "get", output);
        }

        var json = JsonDocuments.ParseObject(Encoding.UTF8.GetBytes(output), "docker-credential-" + name, "CredentialHelperFailed");
        var user = JsonDocuments.GetString(json, "Username");
        var secret = JsonDocuments.GetString(json, "Secret");
        return string.IsNullOrEmpty(secret) ? null : new NetworkCredential(user ?? string.Empty, secret);
    }

    public static void Store(string name, string server, NetworkCredential credential)
    {
        var payload = JsonSerializer.Serialize(new JsonObject { ["ServerURL"] = server, ["Username"] = credential.UserName, ["Secret"] = credential.Password });
        var (exit, output) = Run(name, "store", payload);
        if (exit != 0)
        {
            throw Failed(name, "store", output);
        }
    }

    /// <summary>Removes the helper's credential; false when it had none.</summary>
    public static bool Erase(string name, string server)
    {
        var (exit, output) = Run(name, "erase", server);
        return exit == 0 || (output.Contains("not found", StringComparison.OrdinalIgnoreCase) ? false : throw Failed(name, "erase", output));
    }

    private static (int Exit, string Output) Run(string name, string verb, string input)
    {
        var psi = new ProcessStartInfo("docker-credential-" + name, verb)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new Win32Exception();
        }
        catch (Win32Exception ex)
        {
            throw new LayerToolsException("CredentialHelperNotFound", ErrorKind.ObjectNotFound, $"docker's config names the credential helper '{name}', but docker-credential-{name} is not on PATH.", name, ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write(input);
            process.StandardInput.Close();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new LayerToolsException("CredentialHelperFailed", ErrorKind.OperationStopped, $"docker-credential-{name} {verb} did not finish within {Timeout.TotalSeconds:0} seconds.", name);
            }

            return (process.ExitCode, (stdout.Result + stderr.Result).Trim());
        }
    }

    // The helper's own words go into the message only for failures, which carry no secret.
    private static LayerToolsException Failed(string name, string verb, string output) =>
        new("CredentialHelperFailed", ErrorKind.InvalidOperation, $"docker-credential-{name} {verb} failed: {FirstLine(output)}", name);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim() is { Length: > 0 } line ? line : "no message";
}
