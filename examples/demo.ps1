#!/usr/bin/env pwsh
<#
.SYNOPSIS
    LayerTools' main job, end to end, on an image made from the files in examples/.
.DESCRIPTION
    Imports examples/rootfs as an image, then shows what a user looks at: the image list, its
    history, its layers and files; tags it, exports it as a docker-archive and an OCI layout, imports
    the archive back, and checks the store; then starts a container on the image, changes it, shows
    its changes, commits it as a new image and removes the container. Runs against the default store ($env:LAYERTOOLS_STORE, else
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

    Show 'Test-LayerStore (no output means a healthy store)'
    Test-LayerStore | Format-Table | Out-Host

    Show 'Remove-LayeredImage of the extra tags, then Optimize-LayerStore -WhatIf'
    Remove-LayeredImage 'layertools/demo:roundtrip' -Confirm:$false
    Remove-LayeredImage 'layertools/demo:latest' -Confirm:$false
    Optimize-LayerStore -WhatIf
    Get-LayeredImage 'layertools/*' | Format-Table | Out-Host

    Show 'New-ContainerLayer: a writable copy-on-write layer on the image (like docker create)'
    $container = New-ContainerLayer 'layertools/demo:1'
    $container | Format-Table | Out-Host

    Show 'Copy-ContainerItem -ToContainer: change a file and add one (like docker cp); the image stays as it was'
    $motd = Join-Path $work 'os-release'
    Set-Content -LiteralPath $motd -Value "NAME=`"LayerTools demo`"`nVERSION=2"
    Copy-ContainerItem -Container $container -Path $motd -Destination /etc/os-release -ToContainer
    Set-Content -LiteralPath (Join-Path $work 'motd') -Value 'Changed in a container.'
    Copy-ContainerItem -Container $container -Path (Join-Path $work 'motd') -Destination /etc -ToContainer
    if (Get-PSDrive -Name Container -ErrorAction SilentlyContinue) {
        # The Container: drive (when this build has it) deletes with a whiteout; the image keeps the file.
        Remove-Item -LiteralPath "Container:\$($container.Name)\usr\share\doc\demo\README"
    }
    else {
        Write-Host '(Deleting a file needs the Container: drive or Mount-ContainerLayer; this build has no drive, so nothing is deleted.)'
    }

    Show 'Get-ContainerChange (like docker diff)'
    Get-ContainerChange $container | Format-Table | Out-Host
    Get-ContainerLayer $container.Name | Format-Table | Out-Host

    Show 'ConvertTo-LayeredImage (like docker commit), then Get-ImageHistory of the new image'
    $committed = ConvertTo-LayeredImage $container -Tag 'layertools/demo:2' -Message 'changed in a container' -Change 'ENV GREETING=hello', 'LABEL stage=demo'
    $committed | Format-Table | Out-Host
    Get-ImageHistory 'layertools/demo:2' | Format-Table | Out-Host
    Get-LayerFile 'layertools/demo:2' /etc | Format-Table | Out-Host

    Show 'Remove-ContainerLayer: the writable layer goes, the images stay'
    Remove-ContainerLayer $container -Confirm:$false
    Get-ContainerLayer | Format-Table | Out-Host
    Get-LayeredImage 'layertools/*' | Format-Table | Out-Host

    Show 'Compare-Layer: the image against the folder it came from, then against an edited copy'
    Compare-Layer 'layertools/demo:1' (Join-Path $PSScriptRoot 'rootfs') -Property Content | Format-Table | Out-Host
    $edited = Join-Path $work 'rootfs-edited'
    Copy-Item -Recurse (Join-Path $PSScriptRoot 'rootfs') $edited
    Set-Content -LiteralPath (Join-Path $edited 'added.txt') -Value 'a file the image does not have'
    Compare-Layer 'layertools/demo:1' $edited -Property Content | Format-Table | Out-Host

    Show 'Compare-Layer: what the commit changed (demo:1 against demo:2), like docker diff'
    Compare-Layer 'layertools/demo:1' 'layertools/demo:2' | Format-Table | Out-Host

    Show 'Test-Dockerfile: best-practice findings for examples/app/Dockerfile'
    $findings = @(Test-Dockerfile (Join-Path $app 'Dockerfile'))
    if ($findings) { $findings | Format-Table | Out-Host } else { Write-Host 'No findings: the Dockerfile follows the practices Test-Dockerfile checks.' }

    Show 'Measure-LayeredImage and Get-LayerStore (like dive and docker system df)'
    Get-LayeredImage 'layertools/*' | Measure-LayeredImage | Format-Table | Out-Host
    Get-LayerStore | Out-Host
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
