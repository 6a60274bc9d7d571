#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Times LayerTools' Build-LayeredImage against buildah on the same machine, in the same run.
.DESCRIPTION
    Generates a project shaped like the classic Node example (FROM base, WORKDIR /app,
    COPY package.json ., a RUN that writes ~2,000 files, COPY . . of a 5,000-file ~100 MB context,
    CMD) and builds it with both tools: cold, a no-op rebuild, and a rebuild after one source file
    changed. Each build runs as its own process under /usr/bin/time, which gives its wall time and
    peak memory (maximum resident set size). Prints each figure and its ratio to buildah, and writes
    the table to bench/results.md.

    Needs Linux, root, busybox-static and buildah (apt-get install buildah busybox-static).
.EXAMPLE
    dotnet pwsh ./build.ps1 Bench
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),
    [int] $ContextFiles = 5000,
    [int] $ContextMegabytes = 100,
    [int] $RunFiles = 2000,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "layertools-bench-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
foreach ($tool in 'buildah', 'busybox', '/usr/bin/time') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "The benchmark needs $tool (apt-get install buildah busybox-static time)." }
}

. (Join-Path $PSScriptRoot 'BenchTools.ps1')
$pwsh = $BenchPwsh
$module = (Resolve-Path $ModulePath).Path
$null = New-Item -ItemType Directory -Force $WorkPath
$work = (Resolve-Path $WorkPath).Path

function New-BenchProject {
    $rootfs = Join-Path $work 'rootfs'
    $null = New-Item -ItemType Directory -Force (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'tmp')
    Copy-Item (Get-Command busybox).Source (Join-Path $rootfs 'bin/busybox')
    foreach ($applet in 'sh', 'mkdir', 'echo', 'ls', 'cat', 'rm') {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $rootfs "bin/$applet") -Target 'busybox' -Force
    }
    & tar -C $rootfs --numeric-owner -cf (Join-Path $work 'base.tar') .

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

function Measure-Command2 {
    param([string] $Label, [string[]] $Command)
    Measure-BenchCommand -Label $Label -Command $Command -LogPath $work
}

try {
    Write-Host "Generating the project in $work ..."
    $ctx = New-BenchProject
    $store = Join-Path $work 'lt-store'
    $bRoot = Join-Path $work 'buildah-root'
    $bRun = Join-Path $work 'buildah-run'
    $buildah = @('buildah', '--root', $bRoot, '--runroot', $bRun, '--storage-driver', 'vfs')
    $bArgs = $buildah[1..($buildah.Count - 1)]

    # Base images, outside the timings.
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -Command "Import-Module '$module'; `$null = Import-LayeredImage -Path '$(Join-Path $work 'base.tar')' -Tag bench/base:1 -StorePath '$store'"
    $ctr = & $buildah[0] $bArgs from scratch
    & $buildah[0] $bArgs add $ctr (Join-Path $work 'base.tar') / | Out-Null
    & $buildah[0] $bArgs commit $ctr bench-base | Out-Null

    $ltBuild = $pwsh + @('-NoProfile', '-Command', "Import-Module '$module'; `$null = Build-LayeredImage -Path '$ctx' -Tag bench/app:1 -BuildArg @{ BASE = 'bench/base:1' } -StorePath '$store' -InformationAction SilentlyContinue")
    $bBuild = $buildah + @('bud', '--layers', '--isolation', 'chroot', '--build-arg', 'BASE=bench-base', '-t', 'bench-app', $ctx)

    $rows = @()
    foreach ($phase in 'cold', 'no-op rebuild', 'one-file rebuild') {
        if ($phase -eq 'one-file rebuild') { Add-Content (Join-Path $ctx 'src/d000/f0.js') '// changed' }
        $lt = Measure-Command2 "layertools $phase" $ltBuild
        $bd = Measure-Command2 "buildah $phase" $bBuild
        $rows += [pscustomobject]@{
            Phase = $phase
            LayerToolsSeconds = $lt.Seconds
            BuildahSeconds = $bd.Seconds
            TimeRatio = if ($bd.Seconds -gt 0) { [math]::Round($lt.Seconds / $bd.Seconds, 2) } else { $null }
            LayerToolsPeakMB = $lt.PeakMB
            BuildahPeakMB = $bd.PeakMB
        }
    }

    $rows | Format-Table -AutoSize | Out-Host
    $lines = @(
        "Build benchmark, $(Get-Date -Format 'yyyy-MM-dd'), $([Environment]::ProcessorCount) cores: $ContextFiles context files, $ContextMegabytes MB, RUN writes $RunFiles files.",
        '',
        '| Phase | LayerTools s | buildah s | ratio | LayerTools peak MB | buildah peak MB |',
        '| --- | --- | --- | --- | --- | --- |'
    ) + ($rows | ForEach-Object { "| $($_.Phase) | $($_.LayerToolsSeconds) | $($_.BuildahSeconds) | $($_.TimeRatio) | $($_.LayerToolsPeakMB) | $($_.BuildahPeakMB) |" })
    Set-Content (Join-Path $PSScriptRoot 'results.md') $lines
    Write-Host "Wrote $(Join-Path $PSScriptRoot 'results.md')"
}
finally {
    & buildah --root (Join-Path $work 'buildah-root') --runroot (Join-Path $work 'buildah-run') --storage-driver vfs rm --all *> $null
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
