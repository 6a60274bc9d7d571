# The test registries for Pester: the same tests/registry/registry-fixture.sh the xunit RegistryFixture
# uses (Debian's docker-registry on 127.0.0.1, a free port, storage in a temp folder). Dot-source it.
$script:RegistryFixtureScript = Join-Path $PSScriptRoot '../registry/registry-fixture.sh'

function Start-TestRegistry {
    # Starts a registry; -Tls makes a self-signed certificate (the returned CertDir holds ca.crt), -ClientCa
    # (with -Tls) demands a client certificate signed by that CA file, -User/-Password an htpasswd user;
    # -AccessLog logs every request (Get-RegistryRequest reads them); -Address listens on another loopback address.
    param([switch] $Tls, [string] $ClientCa, [string] $User, [string] $Password, [switch] $AccessLog, [string] $Address = '127.0.0.1')
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("lt-registry-" + [guid]::NewGuid().ToString('n').Substring(0, 12))
    $null = New-Item -ItemType Directory -Force $dir
    $arguments = @('start', $dir)
    if ($Tls) { $arguments += '--tls' }
    if ($ClientCa) { $arguments += @('--client-ca', $ClientCa) }
    if ($User) { $arguments += @('--user', $User, '--password', $Password) }
    if ($AccessLog) { $arguments += '--access-log' }
    $arguments += @('--addr', $Address)
    $port = & bash $script:RegistryFixtureScript @arguments
    if ($LASTEXITCODE -ne 0) { throw "The test registry did not start (see $dir/registry.log)." }
    [pscustomobject]@{
        Dir     = $dir
        Port    = [int]$port
        Host    = "${Address}:$port"
        CertDir = Join-Path $dir 'certs'
        Tls     = [bool]$Tls
    }
}

function Get-RegistryRequest {
    # The requests a registry started with -AccessLog has served so far: Method, Path, Status.
    param([Parameter(Mandatory)] $Registry)
    Get-Content (Join-Path $Registry.Dir 'registry.log') | ForEach-Object {
        if ($_ -match '"(?<method>[A-Z]+) (?<path>\S+) HTTP/[\d.]+" (?<status>\d{3})') {
            [pscustomobject]@{ Method = $Matches.method; Path = $Matches.path; Status = [int]$Matches.status }
        }
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

function Start-HostileRegistry {
    # A registry that lies (hostile-registry.py): evil:1 is a one-layer image whose layer blob is not
    # the bytes its digest names (same size, other content); with -Stall the blob stops half-way instead.
    param([switch] $Stall)
    $routes = Join-Path $TestDrive ('hostile-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Force $routes
    function Save-Route([string] $Path, [byte[]] $Body, [string] $Type) {
        $file = Join-Path $routes ([uri]::EscapeDataString($Path))
        [IO.File]::WriteAllBytes($file, $Body)
        if ($Type) { [IO.File]::WriteAllText("$file.type", $Type) }
    }
    function Get-GzipTar([string] $Content) {
        $dir = Join-Path $routes ('src-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Force $dir
        [IO.File]::WriteAllText((Join-Path $dir 'file'), $Content)
        $tar = New-LayerTar -Source $dir -Destination "$dir.tar"
        & gzip -n -k $tar
        [pscustomobject]@{ Tar = [IO.File]::ReadAllBytes($tar); Gz = [IO.File]::ReadAllBytes("$tar.gz") }
    }
    function Get-BytesDigest([byte[]] $Bytes) { 'sha256:' + [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant() }
    $real = Get-GzipTar 'the real layer'
    $fake = Get-GzipTar 'another layer!'
    $config = [Text.Encoding]::UTF8.GetBytes((@{ architecture = 'amd64'; os = 'linux'; rootfs = @{ type = 'layers'; diff_ids = @(Get-BytesDigest $real.Tar) }; config = @{} } | ConvertTo-Json -Compress -Depth 5))
    $manifest = [Text.Encoding]::UTF8.GetBytes((@{
        schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json'
        config = @{ mediaType = 'application/vnd.oci.image.config.v1+json'; digest = (Get-BytesDigest $config); size = $config.Length }
        layers = @(@{ mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'; digest = (Get-BytesDigest $real.Gz); size = $real.Gz.Length })
    } | ConvertTo-Json -Compress -Depth 5))
    Save-Route '/v2/evil/manifests/1' $manifest 'application/vnd.oci.image.manifest.v1+json'
    Save-Route "/v2/evil/blobs/$(Get-BytesDigest $config)" $config
    $padded = [byte[]]::new($real.Gz.Length); [Array]::Copy($fake.Gz, $padded, [Math]::Min($fake.Gz.Length, $padded.Length))
    $layerPath = "/v2/evil/blobs/$(Get-BytesDigest $real.Gz)"
    if ($Stall) {
        Save-Route $layerPath ($real.Gz[0..9])
        [IO.File]::WriteAllText((Join-Path $routes ([uri]::EscapeDataString($layerPath))) + '.stall', '')
    }
    else {
        Save-Route $layerPath $padded
    }

    $psi = [Diagnostics.ProcessStartInfo]::new('python3')
    $psi.ArgumentList.Add((Join-Path $PSScriptRoot 'hostile-registry.py')); $psi.ArgumentList.Add($routes)
    $psi.RedirectStandardOutput = $true; $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $port = $process.StandardOutput.ReadLine()
    [pscustomobject]@{ Process = $process; Host = "127.0.0.1:$port"; Stalled = Join-Path $routes 'stalled' }
}

# How many times the hostile registry has begun to stall a blob (a test waits for this to grow).
function Get-HostileStallCount {
    param([Parameter(Mandatory)] $Hostile)
    if (Test-Path -LiteralPath $Hostile.Stalled) { (Get-Item -LiteralPath $Hostile.Stalled).Length } else { 0 }
}

function Stop-WhileFetching {
    # Starts $Ps (a [powershell] with its script added) and lets it run until it waits for a stalled blob
    # (until the hostile registry $Hostile begins to stall once more) or until $Until is true; not for a
    # fixed time, which a loaded machine can spend still importing the module. Then stops it as Ctrl+C
    # does: it must end at once. Disposes $Ps. 120 s only guards against a hang.
    param([Parameter(Mandatory)] $Ps, $Hostile, [scriptblock] $Until)
    try {
        if (-not $Until) {
            $stalls = Get-HostileStallCount $Hostile
            $Until = { (Get-HostileStallCount $Hostile) -gt $stalls }
        }
        $async = $Ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline -and -not (& $Until)) { Start-Sleep -Milliseconds 20 }
        & $Until | Should -BeTrue -Because 'the command is waiting for the stalled blob (or unpacking)'
        $async.IsCompleted | Should -BeFalse -Because 'the blob is still coming (or being unpacked)'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $Ps.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
        { $Ps.EndInvoke($async) } | Should -Throw '*pipeline has been stopped*'
    }
    finally { $Ps.Dispose() }
}

function Stop-HostileRegistry {
    param([Parameter(ValueFromPipeline)] $Hostile)
    process { if ($Hostile) { $Hostile.Process.Kill(); $Hostile.Process.WaitForExit(5000) | Out-Null; $Hostile.Process.Dispose() } }
}
