# The test registries for Pester: the same tests/registry/registry-fixture.sh the xunit RegistryFixture
# uses (Debian's docker-registry on 127.0.0.1, a free port, storage in a temp folder). Dot-source it.
$script:RegistryFixtureScript = Join-Path $PSScriptRoot '../registry/registry-fixture.sh'

function Start-TestRegistry {
    # Starts a registry; -Tls makes a self-signed certificate (the returned CertDir holds ca.crt), -User/-Password an htpasswd user.
    param([switch] $Tls, [string] $User, [string] $Password)
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("lt-registry-" + [guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Force $dir
    $arguments = @('start', $dir)
    if ($Tls) { $arguments += '--tls' }
    if ($User) { $arguments += @('--user', $User, '--password', $Password) }
    $port = & bash $script:RegistryFixtureScript @arguments
    if ($LASTEXITCODE -ne 0) { throw "The test registry did not start (see $dir/registry.log)." }
    [pscustomobject]@{
        Dir     = $dir
        Port    = [int]$port
        Host    = "127.0.0.1:$port"
        CertDir = Join-Path $dir 'certs'
        Tls     = [bool]$Tls
    }
}

function Stop-TestRegistry {
    param([Parameter(ValueFromPipeline)] $Registry)
    process {
        if ($null -eq $Registry) { return }
        & bash $script:RegistryFixtureScript stop $Registry.Dir
        Remove-Item -Recurse -Force -LiteralPath $Registry.Dir -ErrorAction SilentlyContinue
    }
}
