# Helpers the benchmarks under bench/ share (dot-source this file). Each benchmark writes its own
# section of bench/results.md (and of the README and docs/benchmarks.md when asked) between markers,
# so benchmarks run alone or together without overwriting each other's figures.

Set-StrictMode -Version 3.0

# This process's pwsh as a command line; under `dotnet pwsh` the process is dotnet, which needs pwsh.dll first.
function Get-BenchPwsh {
    $exe = (Get-Process -Id $PID).Path
    if ((Split-Path -Leaf $exe) -like 'dotnet*') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

# Runs a command under /usr/bin/time -v: wall seconds, CPU seconds (user + system), peak RSS in MB, and the command's output lines.
function Measure-BenchProcess {
    param([string] $Work, [string] $Label, [string[]] $Command, [hashtable] $Environment = @{})
    $log = Join-Path $Work "time-$([guid]::NewGuid().ToString('n')).txt"
    $out = Join-Path $Work "$($Label -replace '[^\w.-]', '_').log"
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        & /usr/bin/time -v -o $log @Command *> $out
        $exit = $LASTEXITCODE
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
    if ($exit -ne 0) { Get-Content $out -Tail 30 | Write-Host; throw "$Label failed ($exit)" }
    $text = Get-Content -Raw $log
    $wall = [regex]::Match($text, 'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)')
    $seconds = [double]$wall.Groups[2].Value * 60 + [double]$wall.Groups[3].Value
    if ($wall.Groups[1].Success) { $seconds += [double]$wall.Groups[1].Value * 3600 }
    $rss = [double]([regex]::Match($text, 'Maximum resident set size \(kbytes\): (\d+)').Groups[1].Value) / 1024
    $cpu = [double]([regex]::Match($text, 'User time \(seconds\): ([\d.]+)').Groups[1].Value) + [double]([regex]::Match($text, 'System time \(seconds\): ([\d.]+)').Groups[1].Value)
    return [pscustomobject]@{ Label = $Label; Seconds = $seconds; CpuSeconds = $cpu; PeakMB = $rss; Output = @(Get-Content $out) }
}

# The value of "name=value" printed by a timed child (the module-loaded figures), as a double.
function Get-BenchValue {
    param([string[]] $Lines, [string] $Name)
    $line = $Lines | Where-Object { $_ -like "$Name=*" } | Select-Object -Last 1
    if (-not $line) { throw "The benchmark child printed no $Name (output: $($Lines -join ' | '))" }
    return [double]::Parse($line.Substring($Name.Length + 1), [Globalization.CultureInfo]::InvariantCulture)
}

# The median of values already sorted (the upper one of the two middle values when their count is even).
function Get-BenchMedian {
    param([double[]] $Sorted)
    return $Sorted[[int][math]::Floor($Sorted.Count / 2)]
}

function Format-BenchNumber {
    param([double] $Value, [int] $Digits = 2)
    return [math]::Round($Value, $Digits).ToString([Globalization.CultureInfo]::InvariantCulture)
}

function Get-BenchRatio {
    param([double] $Ours, [double] $Theirs)
    if ($Theirs -le 0) { return 'n/a' }
    return Format-BenchNumber ($Ours / $Theirs)
}

# Replaces the text between <!-- bench:NAME --> and <!-- /bench:NAME --> in a file (appends the
# marked section when the file has none yet).
function Set-BenchSection {
    param([string] $Path, [string] $Name, [string[]] $Lines)
    $begin = "<!-- bench:$Name -->"
    $end = "<!-- /bench:$Name -->"
    $body = (@($begin) + $Lines + @($end)) -join "`n"
    $text = if (Test-Path -LiteralPath $Path) { [IO.File]::ReadAllText($Path) } else { '' }
    $at = $text.IndexOf($begin, [StringComparison]::Ordinal)
    $stop = $text.IndexOf($end, [StringComparison]::Ordinal)
    if ($at -ge 0 -and $stop -gt $at) {
        $text = $text.Substring(0, $at) + $body + $text.Substring($stop + $end.Length)
    }
    else {
        $text = $text.TrimEnd() + $(if ($text.Length -gt 0) { "`n`n" } else { '' }) + $body + "`n"
    }
    [IO.File]::WriteAllText($Path, $text)
}

# A root file system of busybox-static (the base image both builders start from), as a tar.
function New-BenchBaseTar {
    param([string] $Work, [string[]] $Applets = @('sh', 'mkdir', 'echo', 'ls', 'cat', 'rm'))
    $rootfs = Join-Path $Work 'rootfs'
    $null = New-Item -ItemType Directory -Force (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'tmp')
    Copy-Item (Get-Command busybox).Source (Join-Path $rootfs 'bin/busybox')
    foreach ($applet in $Applets) {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $rootfs "bin/$applet") -Target 'busybox' -Force
    }
    $tar = Join-Path $Work 'base.tar'
    & tar -C $rootfs --numeric-owner -cf $tar .
    if ($LASTEXITCODE -ne 0) { throw "tar of the base root file system failed ($LASTEXITCODE)" }
    return $tar
}

# A private dockerd (Debian's docker.io) with its own data root and socket, no bridge, no iptables,
# as tests/LayerTools.Core.Tests/Conformance/DockerDaemon.cs starts it. Returns an object with the
# daemon's process, its socket and the environment the docker CLI needs; Stop-BenchDocker ends it.
function Start-BenchDocker {
    param([string] $Work)
    foreach ($tool in '/usr/sbin/dockerd', '/usr/bin/docker') {
        if (-not (Test-Path $tool)) { throw "The BuildKit benchmark needs $tool (apt-get install docker.io)." }
    }
    $root = Join-Path '/tmp' ('lt-bench-dockerd-' + [guid]::NewGuid().ToString('n').Substring(0, 10))
    $null = New-Item -ItemType Directory -Force $root
    $socket = Join-Path $root 'docker.sock'
    $cliEnv = @{ DOCKER_HOST = "unix://$socket"; DOCKER_BUILDKIT = '1'; DOCKER_CONFIG = (Join-Path $root 'cli') }
    foreach ($driver in 'overlay2', 'vfs') {
        $daemonArgs = @('--data-root', (Join-Path $root 'data'), '--exec-root', (Join-Path $root 'exec'), '-H', "unix://$socket",
            '--pidfile', (Join-Path $root 'docker.pid'), '--iptables=false', '--ip-masq=false', '--bridge=none', '--storage-driver', $driver)
        $process = Start-Process -FilePath '/usr/sbin/dockerd' -ArgumentList $daemonArgs -PassThru `
            -RedirectStandardOutput (Join-Path $Work "dockerd-$driver.out") -RedirectStandardError (Join-Path $Work "dockerd-$driver.err")
        $daemon = [pscustomobject]@{ Process = $process; Root = $root; Socket = $socket; Environment = $cliEnv; Driver = $driver }
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited) {
            if ((Test-Path $socket) -and (Invoke-BenchDocker $daemon @('version', '--format', '{{.Server.Version}}') -NoThrow)) { return $daemon }
            Start-Sleep -Milliseconds 200
        }
        Stop-BenchDocker $daemon -KeepRoot
    }
    throw "dockerd did not start with overlay2 or vfs (logs in $Work/dockerd-*.err)."
}

function Invoke-BenchDocker {
    param($Daemon, [string[]] $Arguments, [switch] $NoThrow)
    $saved = @{}
    foreach ($k in $Daemon.Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Daemon.Environment[$k]) }
    try {
        $output = & /usr/bin/docker @Arguments 2>&1
        $exit = $LASTEXITCODE
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
    }
    if ($NoThrow) { return $exit -eq 0 }
    if ($exit -ne 0) { throw "docker $($Arguments -join ' ') exited with $exit`n$($output -join "`n")" }
    return $output
}

# Peak resident memory of the daemon since the last reset (VmHWM of dockerd and its containerd), in
# MB; -Reset starts a new peak (writing 5 to clear_refs).
function Get-BenchDockerPeak {
    param($Daemon, [switch] $Reset)
    $pids = @($Daemon.Process.Id) + @(Get-ChildProcessId $Daemon.Process.Id)
    $total = 0.0
    foreach ($id in $pids) {
        if ($Reset) { try { [IO.File]::WriteAllText("/proc/$id/clear_refs", '5') } catch { Write-Verbose "clear_refs of $id`: $_" } ; continue }
        $status = Get-Content "/proc/$id/status" -ErrorAction SilentlyContinue
        $hwm = $status | Where-Object { $_ -like 'VmHWM:*' }
        if ($hwm) { $total += [double](($hwm -split '\s+')[1]) / 1024 }
    }
    return $total
}

function Get-ChildProcessId {
    param([int] $Id)
    foreach ($task in Get-ChildItem "/proc/$Id/task" -ErrorAction SilentlyContinue) {
        $children = Get-Content (Join-Path $task.FullName 'children') -ErrorAction SilentlyContinue
        foreach ($child in ("$children" -split '\s+' | Where-Object { $_ })) {
            [int]$child
            Get-ChildProcessId ([int]$child)
        }
    }
}

function Stop-BenchDocker {
    param($Daemon, [switch] $KeepRoot)
    if (-not $Daemon) { return }
    if (-not $Daemon.Process.HasExited) {
        & /bin/kill -TERM $Daemon.Process.Id
        if (-not $Daemon.Process.WaitForExit(30000)) { $Daemon.Process.Kill($true); $null = $Daemon.Process.WaitForExit(10000) }
    }
    # Whatever is still mounted under the daemon's folder, deepest first.
    $mounts = Get-Content /proc/self/mountinfo | ForEach-Object { ($_ -split ' ')[4] -replace '\\040', ' ' } |
        Where-Object { $_.StartsWith($Daemon.Root + '/') } | Sort-Object Length -Descending
    foreach ($mount in $mounts) { & /bin/umount -l $mount }
    if (-not $KeepRoot) { Remove-Item -Recurse -Force $Daemon.Root -ErrorAction SilentlyContinue }
}
