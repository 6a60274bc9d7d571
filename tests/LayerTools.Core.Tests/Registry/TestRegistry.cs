using System.Diagnostics;

namespace LayerTools.Core.Tests.Registry;

/// <summary>
/// One real docker-registry (Debian's, CNCF distribution 2.8) on 127.0.0.1, started by
/// tests/registry/registry-fixture.sh (the script the Pester tests use too) and stopped on dispose.
/// </summary>
internal sealed class TestRegistry : IDisposable
{
    private TestRegistry(string dir, int port, bool tls, string? user, string? password)
    {
        Dir = dir;
        Port = port;
        Tls = tls;
        User = user;
        Password = password;
    }

    public string Dir { get; }

    public int Port { get; }

    public bool Tls { get; }

    public string? User { get; }

    public string? Password { get; }

    /// <summary>host:port, as an image reference's domain.</summary>
    public string Host => "127.0.0.1:" + Port;

    /// <summary>The folder holding ca.crt (the self-signed certificate), as skopeo's --cert-dir wants it.</summary>
    public string CertDir => Path.Combine(Dir, "certs");

    public static TestRegistry Start(bool tls = false, string? user = null, string? password = null, string? tokenRealm = null, string? tokenCertificate = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "lt-registry-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        var args = new List<string> { "start", dir };
        if (tls)
        {
            args.Add("--tls");
        }

        if (user is not null)
        {
            args.AddRange(["--user", user, "--password", password ?? string.Empty]);
        }

        if (tokenRealm is not null)
        {
            args.AddRange(["--token", tokenRealm, tokenCertificate!]);
        }

        var output = Run(args);
        return new TestRegistry(dir, int.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture), tls, user, password);
    }

    public static string Script
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "registry", "registry-fixture.sh");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException("tests/registry/registry-fixture.sh was not found above " + AppContext.BaseDirectory);
        }
    }

    private static string Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"registry-fixture.sh {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        }

        return stdout;
    }

    public void Dispose()
    {
        Run(["stop", Dir]);
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
