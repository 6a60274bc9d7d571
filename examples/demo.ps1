#!/usr/bin/env pwsh
<#
.SYNOPSIS
    LayerTools' main job, end to end, on an image made from the files in examples/.
.DESCRIPTION
    Imports examples/rootfs as an image, then shows what a user looks at: the image list, its
    history, its layers and files; tags it, exports it as a docker-archive and an OCI layout, imports
    the archive back, and checks the store. Runs against the default store ($env:LAYERTOOLS_STORE, else
    the per-user data folder) unless -StorePath is given.
#>
param(
    # The laid-out module (build.ps1 passes out/LayerTools).
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),

    # The store to use; the default store when not given.
    [string] $StorePath
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
if ($StorePath) { $env:LAYERTOOLS_STORE = $StorePath }

function Show([string] $Title) { Write-Host "`n== $Title" -ForegroundColor Cyan }

$work = Join-Path ([IO.Path]::GetTempPath()) "layertools-demo-$PID"
$null = New-Item -ItemType Directory -Force $work
try {
    Show 'Import-LayeredImage: a folder becomes a one-layer image'
    $image = Import-LayeredImage -Path (Join-Path $PSScriptRoot 'rootfs') -Tag 'layertools/demo:1'
    $image | Format-Table | Out-Host

    Show 'Add-LayeredImageTag, then Get-LayeredImage layertools/*'
    Add-LayeredImageTag -Image 'layertools/demo:1' -Tag 'layertools/demo:latest'
    Get-LayeredImage 'layertools/*' | Format-Table | Out-Host

    Show 'Get-ImageHistory layertools/demo:1 (like docker history)'
    Get-ImageHistory 'layertools/demo:1' | Format-Table | Out-Host

    Show 'Get-ImageLayer layertools/demo:1'
    Get-ImageLayer 'layertools/demo:1' | Format-Table | Out-Host

    Show 'Get-LayerFile layertools/demo:1 -Recurse'
    Get-LayerFile 'layertools/demo:1' -Recurse | Format-Table | Out-Host

    Show 'Build-LayeredImage: examples/app/Dockerfile on the demo image (cold build)'
    $app = Join-Path $work 'app'
    Copy-Item -Recurse (Join-Path $PSScriptRoot 'app') $app
    $built = Build-LayeredImage $app -Tag 'layertools/demo-app:1'
    $built.BuildSteps | Format-Table | Out-Host

    Show 'Build-LayeredImage again: every step comes from the cache'
    (Build-LayeredImage $app -Tag 'layertools/demo-app:1').BuildSteps | Format-Table | Out-Host

    Show 'One file changed: the cache holds up to the COPY that reads it'
    Add-Content (Join-Path $app 'src/lib.sh') '# changed'
    (Build-LayeredImage $app -Tag 'layertools/demo-app:1').BuildSteps | Format-Table | Out-Host

    Show 'The same build from build.yaml gives the same layers'
    $fromYaml = Build-LayeredImage $app -File (Join-Path $app 'build.yaml') -Tag 'layertools/demo-app:yaml'
    [pscustomobject]@{ Dockerfile = (Get-LayeredImage 'layertools/demo-app:1').Layers[-1]; Yaml = $fromYaml.Layers[-1] } | Format-List | Out-Host

    Show 'Get-ImageHistory layertools/demo-app:1'
    Get-ImageHistory 'layertools/demo-app:1' | Format-Table | Out-Host

    Show 'Export-LayeredImage: a docker-archive (docker load, podman load, skopeo) and an OCI layout'
    $archive = Join-Path $work 'demo.tar'
    $layout = Join-Path $work 'demo-oci'
    Get-LayeredImage 'layertools/demo:1' | Export-LayeredImage -Path $archive
    Export-LayeredImage 'layertools/demo:1' -Path $layout -Format OciLayout
    Get-Item $archive | Select-Object Name, Length | Format-Table | Out-Host

    Show 'Import-LayeredImage of the archive: same image ID, layers shared, nothing stored twice'
    $back = Import-LayeredImage -Path $archive -Tag 'layertools/demo:roundtrip'
    [pscustomobject]@{ Original = $image.Id; RoundTrip = $back.Id; Same = $image.Id -eq $back.Id } | Format-List | Out-Host
    Get-ImageLayer 'layertools/demo:roundtrip' | Format-Table | Out-Host

    Show 'Compare-Layer: the image against the folder it came from, then against an edited copy'
    Compare-Layer 'layertools/demo:1' (Join-Path $PSScriptRoot 'rootfs') -Property Content | Format-Table | Out-Host
    $edited = Join-Path $work 'rootfs-edited'
    Copy-Item -Recurse (Join-Path $PSScriptRoot 'rootfs') $edited
    Set-Content -LiteralPath (Join-Path $edited 'added.txt') -Value 'a file the image does not have'
    Compare-Layer 'layertools/demo:1' $edited -Property Content | Format-Table | Out-Host

    Show 'Measure-LayeredImage and Get-LayerStore (like dive and docker system df)'
    Measure-LayeredImage 'layertools/demo:1', 'layertools/demo:roundtrip' | Format-Table | Out-Host
    Get-LayerStore | Out-Host

    Show 'Test-LayerStore (no output means a healthy store)'
    Test-LayerStore | Format-Table | Out-Host

    Show 'Remove-LayeredImage of the extra tags, then Optimize-LayerStore -WhatIf'
    Remove-LayeredImage 'layertools/demo:roundtrip' -Confirm:$false
    Remove-LayeredImage 'layertools/demo:latest' -Confirm:$false
    Optimize-LayerStore -WhatIf
    Get-LayeredImage 'layertools/*' | Format-Table | Out-Host
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
