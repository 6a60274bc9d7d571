#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Times LayerTools' Build-LayeredImage against BuildKit (docker build, warm private dockerd) and
    buildah on the same machine, in the same run.
.DESCRIPTION
    Generates a project shaped like the classic Node example (FROM base, WORKDIR /app,
    COPY package.json ., a RUN that writes ~2,000 files, COPY . . of a 5,000-file ~100 MB context,
    CMD) and builds it with each tool: cold, a no-op rebuild, and a rebuild after one source file
    changed.

    Module start, first and alone: -ImportRuns fresh `pwsh -NoProfile` processes, one at a time, before
    anything else of the bench runs (no project written yet, no dockerd, no builder, no session), each
    timing only its Import-Module with a stopwatch and its own CPU time; one untimed process before
    them warms the file cache. Median and range of both.
    LayerTools, two ways: each build as its own pwsh process under /usr/bin/time (the whole-process
    figure: pwsh start, Import-Module, build; its peak memory; the child also times Import-Module);
    and the module-loaded figure: one pwsh session with the module imported once builds a copy of
    the project, phase by phase beside the others, each build timed with a stopwatch (its cold build
    pays the JIT, as a user's first build in a session does).
    BuildKit: a private dockerd (its own data root and socket, no bridge, no iptables; the base image
    made from busybox-static with `docker import`, never pulled), warmed by one unrelated build first,
    as a user's daemon is; the time is `docker build`'s wall time and the peak memory dockerd's and
    containerd's (VmHWM, reset before each build) plus the CLI's.
    buildah: `buildah bud --layers --isolation chroot --storage-driver vfs`, under /usr/bin/time.

    Writes its section of bench/results.md; with -UpdateDocs also the tables in README.md and
    docs/benchmarks.md. -Scale runs the same project at 50,000 files / 1 GB (its own section; buildah
    is left out unless -WithBuildah).

    Needs Linux, root, busybox-static, docker.io and buildah (apt-get install buildah busybox-static docker.io time).
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench
.EXAMPLE
    pwsh bench/Invoke-Benchmark.ps1 -Scale -UpdateDocs
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),
    [int] $ContextFiles = 5000,
    [int] $ContextMegabytes = 100,
    [int] $RunFiles = 2000,
    # Fresh pwsh processes that time Import-Module alone, at the start of the bench.
    [ValidateRange(1, 100)]
    [int] $ImportRuns = 9,
    # The scale row: 50,000 files, 1 GB (unless -ContextFiles/-ContextMegabytes say otherwise).
    [switch] $Scale,
    # Leave buildah out (the default at scale, where its vfs driver copies the whole tree per layer).
    [switch] $SkipBuildah,
    [switch] $WithBuildah,
    # Write the tables into README.md and docs/benchmarks.md too.
    [switch] $UpdateDocs,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "layertools-bench-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')

if ($Scale) {
    if (-not $PSBoundParameters.ContainsKey('ContextFiles')) { $ContextFiles = 50000 }
    if (-not $PSBoundParameters.ContainsKey('ContextMegabytes')) { $ContextMegabytes = 1000 }
    if (-not $WithBuildah) { $SkipBuildah = $true }
}
$useBuildah = -not $SkipBuildah
foreach ($tool in @('busybox', '/usr/bin/time') + $(if ($useBuildah) { 'buildah' })) {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "The benchmark needs $tool (apt-get install buildah busybox-static time)." }
}

$pwsh = Get-BenchPwsh
$module = (Resolve-Path $ModulePath).Path
$null = New-Item -ItemType Directory -Force $WorkPath
$work = (Resolve-Path $WorkPath).Path

function New-BenchProject {
    $ctx = Join-Path $work 'context'
    $null = New-Item -ItemType Directory -Force $ctx
    Set-Content (Join-Path $ctx 'package.json') '{ "name": "bench", "version": "1.0.0", "dependencies": {} }'
    Set-Content (Join-Path $ctx '.dockerignore') "node_modules`n.git"
    @"
ARG BASE
FROM `$BASE
WORKDIR /app
COPY package.json .
RUN mkdir -p node_modules && i=0; while [ `$i -lt $RunFiles ]; do echo "module.exports = `$i;" > node_modules/m`$i.js; i=`$((i+1)); done
COPY . .
CMD ["node", "index.js"]
"@ | Set-Content (Join-Path $ctx 'Dockerfile')
    $size = [int]($ContextMegabytes * 1MB / $ContextFiles)
    $rng = [Random]::new(42)
    $buffer = [byte[]]::new($size)
    for ($i = 0; $i -lt $ContextFiles; $i++) {
        $dir = Join-Path $ctx ("src/d{0:D3}" -f ($i % 100))
        if ($i -lt 100) { $null = New-Item -ItemType Directory -Force $dir }
        $rng.NextBytes($buffer)
        [IO.File]::WriteAllBytes((Join-Path $dir "f$i.js"), $buffer)
    }
    return $ctx
}

# Module start on its own: fresh pwsh processes one after another with nothing else of the bench
# running, each timing only its Import-Module (wall, and the process's CPU time over the import: its
# JIT and PowerShell's background threads included). The first process, untimed, warms the file cache.
function Measure-BenchModuleStart {
    param([int] $Count)
    $probe = @'
$process = [Diagnostics.Process]::GetCurrentProcess(); $cpu = $process.TotalProcessorTime
$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{0}'; $import = $w.Elapsed.TotalMilliseconds
$process.Refresh(); "import=$import"; "cpu=$(($process.TotalProcessorTime - $cpu).TotalMilliseconds)"
'@ -f $module
    $load = ((Get-Content /proc/loadavg) -split ' ')[0]
    $runs = for ($i = 0; $i -le $Count; $i++) {
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $probe
        if ($LASTEXITCODE -ne 0) { throw "Importing the module in a fresh pwsh failed ($LASTEXITCODE): $($output -join ' | ')" }
        if ($i -gt 0) { [pscustomobject]@{ Ms = Get-BenchValue $output 'import'; CpuMs = Get-BenchValue $output 'cpu' } }
    }
    $ms = @($runs.Ms | Sort-Object)
    $cpuMs = @($runs.CpuMs | Sort-Object)
    return [pscustomobject]@{
        Count = $Count; Load = $load
        Ms = Get-BenchMedian $ms; MinMs = $ms[0]; MaxMs = $ms[-1]
        CpuMs = Get-BenchMedian $cpuMs; MinCpuMs = $cpuMs[0]; MaxCpuMs = $cpuMs[-1]
    }
}

$daemon = $null
$sessionProcess = $null
try {
    Write-Host "Timing Import-Module in $ImportRuns fresh pwsh processes ..."
    $start = Measure-BenchModuleStart -Count $ImportRuns
    Write-Host "Generating the project ($ContextFiles files, $ContextMegabytes MB) in $work ..."
    $baseTar = New-BenchBaseTar -Work $work
    $ctx = New-BenchProject
    $store = Join-Path $work 'lt-store'

    # Base images, outside the timings.
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -Command "Import-Module '$module'; `$null = Import-LayeredImage -Path '$baseTar' -Tag bench/base:1 -StorePath '$store'"
    if ($LASTEXITCODE -ne 0) { throw "Importing the base image into LayerTools failed ($LASTEXITCODE)" }

    Write-Host 'Starting a private dockerd ...'
    $daemon = Start-BenchDocker -Work $work
    $null = Invoke-BenchDocker $daemon @('import', $baseTar, 'bench-base:latest')
    # Warm the daemon and BuildKit with an unrelated build, as a user's daemon is warm.
    $warm = Join-Path $work 'warm'
    $null = New-Item -ItemType Directory -Force $warm
    Set-Content (Join-Path $warm 'Dockerfile') "FROM bench-base`nRUN echo warm > /warm"
    $null = Invoke-BenchDocker $daemon @('build', '--network=host', '-q', '-t', 'bench-warm', $warm)

    if ($useBuildah) {
        $buildah = @('buildah', '--root', (Join-Path $work 'buildah-root'), '--runroot', (Join-Path $work 'buildah-run'), '--storage-driver', 'vfs')
        $bArgs = $buildah[1..($buildah.Count - 1)]
        $ctr = & $buildah[0] $bArgs from scratch
        & $buildah[0] $bArgs add $ctr $baseTar / | Out-Null
        & $buildah[0] $bArgs commit $ctr bench-base | Out-Null
        $bBuild = $buildah + @('bud', '--layers', '--isolation', 'chroot', '--build-arg', 'BASE=bench-base', '-t', 'bench-app', $ctx)
    }

    # The child prints import= and build= (milliseconds) for the module-loaded figures.
    $child = @'
$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{0}'; $import = $w.Elapsed.TotalMilliseconds
$w.Restart(); $null = Build-LayeredImage -Path '{1}' -Tag bench/app:1 -BuildArg @{{ BASE = 'bench/base:1' }} -StorePath '{2}' -InformationAction SilentlyContinue
$build = $w.Elapsed.TotalMilliseconds
"import=$import"; "build=$build"
'@ -f $module, $ctx, $store
    $ltBuild = $pwsh + @('-NoProfile', '-NonInteractive', '-Command', $child)
    $dBuild = @('/usr/bin/docker', 'build', '--network=host', '-q', '--build-arg', 'BASE=bench-base', '-t', 'bench-app', $ctx)

    # The module-loaded figures: one pwsh session, as a user has, with the module imported once,
    # builds a copy of the project beside the other builders, phase by phase (its first build pays
    # the JIT, as a user's first build in a session does). It builds when told on its stdin.
    $ctx2 = Join-Path $work 'context-session'
    Copy-Item -Recurse $ctx $ctx2
    $sessionScript = Join-Path $work 'session.ps1'
    @'
Import-Module '{0}'
$null = Import-LayeredImage -Path '{1}' -Tag bench/base:1 -StorePath '{2}'
[Console]::Out.WriteLine('ready'); [Console]::Out.Flush()
while (($line = [Console]::In.ReadLine()) -eq 'build') {{
    $w = [Diagnostics.Stopwatch]::StartNew()
    $null = Build-LayeredImage -Path '{3}' -Tag bench/app:1 -BuildArg @{{ BASE = 'bench/base:1' }} -StorePath '{2}' -InformationAction SilentlyContinue
    [Console]::Out.WriteLine("build=$($w.Elapsed.TotalMilliseconds)"); [Console]::Out.Flush()
}}
'@ -f $module, $baseTar, (Join-Path $work 'lt-session-store'), $ctx2 | Set-Content $sessionScript
    $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $sessionScript)) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.UseShellExecute = $false
    $sessionProcess = [Diagnostics.Process]::Start($psi)
    function Read-Session {
        param([string] $Prefix)
        while ($null -ne ($line = $sessionProcess.StandardOutput.ReadLine())) {
            if ($line.StartsWith($Prefix)) { return $line }
        }
        throw "The LayerTools session ended before printing $Prefix"
    }
    $null = Read-Session 'ready'

    $rows = @()
    foreach ($phase in 'cold', 'no-op rebuild', 'one-file rebuild') {
        if ($phase -eq 'one-file rebuild') { foreach ($c in $ctx, $ctx2) { Add-Content (Join-Path $c 'src/d000/f0.js') '// changed' } }
        $sessionProcess.StandardInput.WriteLine('build')
        $sessionProcess.StandardInput.Flush()
        $loaded = (Get-BenchValue @(Read-Session 'build=') 'build') / 1000
        $lt = Measure-BenchProcess -Work $work -Label "layertools $phase" -Command $ltBuild
        $null = Get-BenchDockerPeak $daemon -Reset
        $bk = Measure-BenchProcess -Work $work -Label "buildkit $phase" -Command $dBuild -Environment $daemon.Environment
        $bkPeak = (Get-BenchDockerPeak $daemon) + $bk.PeakMB
        $bd = if ($useBuildah) { Measure-BenchProcess -Work $work -Label "buildah $phase" -Command $bBuild }
        $row = [pscustomobject]@{
            Phase = $phase
            LoadedSeconds = $loaded
            ImportMs = Get-BenchValue $lt.Output 'import'
            ProcessSeconds = $lt.Seconds
            LayerToolsPeakMB = $lt.PeakMB
            BuildKitSeconds = $bk.Seconds
            BuildKitPeakMB = $bkPeak
            BuildahSeconds = if ($bd) { $bd.Seconds } else { $null }
            BuildahPeakMB = if ($bd) { $bd.PeakMB } else { $null }
        }
        $row | Format-List | Out-Host
        $rows += $row
    }

    $sessionProcess.StandardInput.WriteLine('exit')
    $sessionProcess.StandardInput.Close()
    $null = $sessionProcess.WaitForExit(60000)
    $importMs = Get-BenchMedian @($rows.ImportMs | Sort-Object)
    $name = if ($Scale) { 'scale' } else { 'build' }
    $head = "$(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores: $ContextFiles context files, $ContextMegabytes MB, RUN writes $RunFiles files. " +
        "BuildKit: docker $((Invoke-BenchDocker $daemon @('version', '--format', '{{.Server.Version}}')) -join ''), warm private dockerd ($($daemon.Driver))."
    $header = '| Phase | LayerTools (module loaded) | LayerTools (whole process) | BuildKit | ratio loaded / BuildKit | ratio process / BuildKit |'
    $rule = '| --- | --- | --- | --- | --- | --- |'
    if ($useBuildah) { $header += ' buildah | ratio process / buildah |'; $rule += ' --- | --- |' }
    $header += ' LayerTools peak | BuildKit peak |'
    $rule += ' --- | --- |'
    if ($useBuildah) { $header += ' buildah peak |'; $rule += ' --- |' }
    $lines = @($head, '', $header, $rule)
    foreach ($r in $rows) {
        $line = "| $($r.Phase) | $(Format-BenchNumber $r.LoadedSeconds) s | $(Format-BenchNumber $r.ProcessSeconds) s | $(Format-BenchNumber $r.BuildKitSeconds) s | " +
            "$(Get-BenchRatio $r.LoadedSeconds $r.BuildKitSeconds) | $(Get-BenchRatio $r.ProcessSeconds $r.BuildKitSeconds) |"
        if ($useBuildah) { $line += " $(Format-BenchNumber $r.BuildahSeconds) s | $(Get-BenchRatio $r.ProcessSeconds $r.BuildahSeconds) |" }
        $line += " $(Format-BenchNumber $r.LayerToolsPeakMB 0) MB | $(Format-BenchNumber $r.BuildKitPeakMB 0) MB |"
        if ($useBuildah) { $line += " $(Format-BenchNumber $r.BuildahPeakMB 0) MB |" }
        $lines += $line
    }
    $lines += ''
    $lines += "Import-Module LayerTools: $(Format-BenchNumber $start.Ms 0) ms (target < 150 ms), median of $($start.Count) fresh ``pwsh -NoProfile`` processes run one at a time at the start of the bench with nothing else of the bench running (load average $($start.Load)), a stopwatch around the import in each: range $(Format-BenchNumber $start.MinMs 0)-$(Format-BenchNumber $start.MaxMs 0) ms; the process's CPU time over the import $(Format-BenchNumber $start.CpuMs 0) ms (range $(Format-BenchNumber $start.MinCpuMs 0)-$(Format-BenchNumber $start.MaxCpuMs 0)). Timed the same way inside the $($rows.Count) whole-process builds, each started right after the module-loaded session's build: $(Format-BenchNumber $importMs 0) ms (median). Module loaded: one pwsh session builds a copy of the project beside the others, phase by phase (its cold build includes the JIT); whole process: each build a new pwsh (start, import, build). Peak memory: the whole-process build's maximum RSS; BuildKit's is dockerd's and containerd's VmHWM during the build plus the CLI's."

    $lines | Out-Host
    $title = if ($Scale) { '### Scale' } else { '### Build' }
    Set-BenchSection -Path (Join-Path $PSScriptRoot 'results.md') -Name $name -Lines (@($title, '') + $lines)
    if ($UpdateDocs) {
        foreach ($doc in (Join-Path $PSScriptRoot '../README.md'), (Join-Path $PSScriptRoot '../docs/benchmarks.md')) {
            Set-BenchSection -Path $doc -Name $name -Lines $lines
        }
    }
    Write-Host "Wrote the $name section of $(Join-Path $PSScriptRoot 'results.md')"
}
finally {
    if ($sessionProcess -and -not $sessionProcess.HasExited) { $sessionProcess.Kill($true) }
    Stop-BenchDocker $daemon
    if ($useBuildah) { & buildah --root (Join-Path $work 'buildah-root') --runroot (Join-Path $work 'buildah-run') --storage-driver vfs rm --all *> $null }
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
