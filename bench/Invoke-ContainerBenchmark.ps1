#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Shows that opening a container and listing a directory cost the same on a 5-layer image as on a
    100-layer one: the union view is indexed, not searched layer by layer.
.DESCRIPTION
    Builds two images with Build-LayeredImage (no RUN, so any OS will do): a base layer of
    -BaseFiles files, then 4 or 99 COPY layers that each add and overwrite files in /etc. For each
    image it then times, in this process, -Repeat rounds of: New-ContainerLayer, list /etc of the
    container (Get-ChildItem on the Container: drive), read one file, and Remove-ContainerLayer. The
    first round of each image is reported apart (it builds the image's union view), then the median
    of the others, and the ratio 100 layers / 5 layers. Writes bench/container-results.md.
.EXAMPLE
    dotnet pwsh ./bench/Invoke-ContainerBenchmark.ps1 -ModulePath ./out/LayerTools
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),
    [int] $BaseFiles = 2000,
    [int] $Repeat = 15,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "layertools-cbench-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module $ModulePath -Force
$store = Join-Path $WorkPath 'store'
$PSDefaultParameterValues['*:StorePath'] = $store
$null = New-Item -ItemType Directory -Force $WorkPath

function New-LayeredTestImage([int] $Layers, [string] $Tag) {
    $ctx = Join-Path $WorkPath "ctx-$Layers"
    $null = New-Item -ItemType Directory -Force (Join-Path $ctx 'base/etc'), (Join-Path $ctx 'steps')
    for ($i = 0; $i -lt $BaseFiles; $i++) { Set-Content (Join-Path $ctx "base/etc/file$i.conf") "base $i" }
    $lines = @('FROM scratch', 'COPY base/ /')
    for ($l = 1; $l -lt $Layers; $l++) {
        $dir = Join-Path $ctx "steps/s$l"
        $null = New-Item -ItemType Directory -Force $dir
        Set-Content (Join-Path $dir "layer$l.conf") "layer $l"
        Set-Content (Join-Path $dir "file$l.conf") "overwritten by layer $l"
        $lines += "COPY steps/s$l/ /etc/"
    }
    Set-Content (Join-Path $ctx 'Dockerfile') ($lines -join "`n")
    $null = Build-LayeredImage $ctx -Tag $Tag
}

function Measure-Round([string] $Image) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $c = New-ContainerLayer $Image
    $items = @(Get-ChildItem "Container:\$($c.Name)\etc")
    $null = Get-Content "Container:\$($c.Name)\etc\file1.conf" -Raw
    $watch.Stop()
    Remove-ContainerLayer $c.Name -Confirm:$false
    if ($items.Count -lt $BaseFiles) { throw "listed $($items.Count) entries, expected at least $BaseFiles" }
    return $watch.Elapsed.TotalMilliseconds
}

try {
    if (-not (Get-PSDrive Container -ErrorAction SilentlyContinue)) { throw 'The Container: drive is missing.' }
    # The drives read the default store: point it at the benchmark's.
    $env:LAYERTOOLS_STORE = $store
    Remove-PSDrive Image, Container -ErrorAction SilentlyContinue
    Remove-Module LayerTools; Import-Module $ModulePath -Force

    Write-Host "Building a 5-layer and a 100-layer image ($BaseFiles files in the base layer)..."
    New-LayeredTestImage 5 'cbench/five:1'
    New-LayeredTestImage 100 'cbench/hundred:1'

    $rows = foreach ($image in 'cbench/five:1', 'cbench/hundred:1') {
        $first = Measure-Round $image
        $rest = @(1..$Repeat | ForEach-Object { Measure-Round $image } | Sort-Object)
        [pscustomobject]@{
            Image = $image
            Layers = (Get-LayeredImage $image).LayerCount
            FirstMs = [math]::Round($first, 1)
            MedianMs = [math]::Round($rest[[int]($rest.Count / 2)], 2)
        }
    }
    $rows | Format-Table -AutoSize | Out-Host
    $ratio = [math]::Round($rows[1].MedianMs / $rows[0].MedianMs, 2)
    Write-Host "Median ratio, 100 layers / 5 layers: $ratio"
    $lines = @(
        "Container benchmark, $(Get-Date -Format 'yyyy-MM-dd'), $([Environment]::ProcessorCount) cores: New-ContainerLayer, list /etc ($BaseFiles+ entries), read a file, in one process.",
        '',
        '| Image | Layers | first round ms | median ms |',
        '| --- | --- | --- | --- |'
    ) + ($rows | ForEach-Object { "| $($_.Image) | $($_.Layers) | $($_.FirstMs) | $($_.MedianMs) |" }) + @('', "Median ratio, 100 layers / 5 layers: $ratio")
    Set-Content (Join-Path $PSScriptRoot 'container-results.md') $lines
}
finally {
    Remove-Item -Recurse -Force $WorkPath -ErrorAction SilentlyContinue
}
