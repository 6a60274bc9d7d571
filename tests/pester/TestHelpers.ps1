# Shared by the Pester files: imports the laid-out module and makes real image archives with tar.
Set-StrictMode -Version 3.0
$script:TestStores = @()

function Import-LayerToolsForTest {
    $path = $env:LAYERTOOLS_TEST_MODULE
    if (-not $path) { $path = Join-Path $PSScriptRoot '../../out/LayerTools' }
    Import-Module (Join-Path $path 'LayerTools.psd1') -Force -ErrorAction Stop
}

function New-TestStore {
    # A fresh store folder, and the default store for the file. Not under TestDrive: Pester deletes what
    # a Describe block added there when the block ends, which would take blobs out of a live store.
    $store = Join-Path ([IO.Path]::GetTempPath()) ("layertools-pester-" + [guid]::NewGuid().ToString('n').Substring(0, 12))
    $env:LAYERTOOLS_STORE = $store
    $script:TestStores = @($script:TestStores | Where-Object { $_ }) + $store
    return $store
}

function Remove-TestStore {
    Remove-Item Env:LAYERTOOLS_STORE -ErrorAction SilentlyContinue
    foreach ($store in @($script:TestStores | Where-Object { $_ })) {
        Remove-Item -Recurse -Force -LiteralPath $store -ErrorAction SilentlyContinue
    }
    $script:TestStores = @()
}

function New-BusyboxImage {
    # A real base image in the default store: the host's static busybox with applets as links, and
    # the users root and app (1000).
    param([string] $Root, [string] $Tag, [string[]] $Applets)
    $null = New-Item -ItemType Directory -Force (Join-Path $Root 'bin'), (Join-Path $Root 'etc'), (Join-Path $Root 'tmp')
    Copy-Item /usr/bin/busybox (Join-Path $Root 'bin/busybox')
    foreach ($applet in $Applets) {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Root "bin/$applet") -Target 'busybox'
    }
    Set-Content (Join-Path $Root 'etc/passwd') "root:x:0:0:root:/root:/bin/sh`napp:x:1000:1000:app:/home/app:/bin/sh"
    Set-Content (Join-Path $Root 'etc/group') "root:x:0:`napp:x:1000:"
    $null = Import-LayeredImage -Path $Root -Tag $Tag
}

function New-TestTree {
    # Writes files under $Root from a hashtable: relative path => content ($null for a directory).
    param([string] $Root, [hashtable] $Files, [hashtable] $Links = @{})
    $null = New-Item -ItemType Directory -Force $Root
    foreach ($rel in $Files.Keys) {
        $full = Join-Path $Root $rel
        if ($null -eq $Files[$rel]) { $null = New-Item -ItemType Directory -Force $full; continue }
        $null = New-Item -ItemType Directory -Force (Split-Path $full)
        [IO.File]::WriteAllText($full, [string]$Files[$rel])
    }
    foreach ($rel in $Links.Keys) {
        $full = Join-Path $Root $rel
        $null = New-Item -ItemType Directory -Force (Split-Path $full)
        & ln -s $Links[$rel] $full
    }
    return $Root
}

function New-LayerTar {
    # A layer tar of a folder, as docker writes them: sorted, numeric owners.
    param([string] $Source, [string] $Destination)
    & tar -C $Source --sort=name --numeric-owner --owner=0 --group=0 --mtime='2024-01-02 03:04:05Z' -cf $Destination .
    if ($LASTEXITCODE -ne 0) { throw "tar failed for $Source" }
    return $Destination
}

function Get-Sha256([string] $Path) { 'sha256:' + (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

function New-DockerArchive {
    <#
        Writes a plain docker-archive (manifest.json + config + <id>/layer.tar) holding one image per
        entry of $Images: @{ Tag = 'app:1'; Layers = @(<folders>); History = @(<created_by per layer>); Empty = @(<created_by of empty-layer steps>) }
    #>
    param([string] $Path, [object[]] $Images)
    $work = Join-Path $TestDrive ("archive-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Force $work
    $manifest = @()
    foreach ($image in $Images) {
        $diffIds = @(); $layerPaths = @(); $history = @()
        $i = 0
        foreach ($folder in $image.Layers) {
            $tmp = Join-Path $work "layer-$i.tar"
            New-LayerTar -Source $folder -Destination $tmp | Out-Null
            $diffId = Get-Sha256 $tmp
            $hex = $diffId.Substring(7)
            $null = New-Item -ItemType Directory -Force (Join-Path $work $hex)
            Move-Item -Force $tmp (Join-Path $work "$hex/layer.tar")
            $diffIds += $diffId
            $layerPaths += "$hex/layer.tar"
            $createdBy = if ($image.ContainsKey('History') -and $i -lt $image.History.Count) { $image.History[$i] } else { "COPY layer$i / # buildkit" }
            $history += [ordered]@{ created = "2024-01-0$($i + 1)T00:00:00Z"; created_by = $createdBy; comment = 'buildkit.dockerfile.v0' }
            $i++
        }
        if ($image.ContainsKey('Empty')) {
            foreach ($step in $image.Empty) {
                $history += [ordered]@{ created = '2024-02-01T00:00:00Z'; created_by = $step; comment = 'buildkit.dockerfile.v0'; empty_layer = $true }
            }
        }
        $config = [ordered]@{
            architecture = 'amd64'; os = 'linux'; created = '2024-02-01T00:00:00Z'
            config = [ordered]@{ Env = @('PATH=/usr/bin:/bin'); Cmd = @('/bin/sh'); WorkingDir = '/' }
            rootfs = [ordered]@{ type = 'layers'; diff_ids = $diffIds }
            history = $history
        }
        $configText = $config | ConvertTo-Json -Depth 10 -Compress
        $configPath = Join-Path $work 'config.tmp'
        [IO.File]::WriteAllText($configPath, $configText)
        $configHex = (Get-Sha256 $configPath).Substring(7)
        Move-Item -Force $configPath (Join-Path $work "$configHex.json")
        $manifest += [ordered]@{ Config = "$configHex.json"; RepoTags = @($image.Tag); Layers = $layerPaths }
    }
    [IO.File]::WriteAllText((Join-Path $work 'manifest.json'), (ConvertTo-Json -InputObject @($manifest) -Depth 10 -Compress))
    & tar -C $work --sort=name --numeric-owner --owner=0 --group=0 -cf $Path manifest.json (Get-ChildItem $work -Exclude manifest.json | ForEach-Object Name)
    if ($LASTEXITCODE -ne 0) { throw "tar failed for $Path" }
    return $Path
}

function New-FixtureImages {
    <#
        Two images sharing a base layer, written into one docker-archive:
          base:1  one layer: etc/os-release, etc/old.conf, etc/keep.conf, usr/bin/{busybox,bash}, bin -> usr/bin, opt/data/{a,b}.txt
          app:1   base + a layer with app/hello.sh, etc/app.conf, a whiteout of etc/old.conf and opt/data made opaque (holding c.txt)
        Returns the archive path.
    #>
    $base = New-TestTree -Root (Join-Path $TestDrive 'fx-base') -Files @{
        'etc/os-release' = "ID=test`n"
        'etc/old.conf' = "old`n"
        'etc/keep.conf' = "keep`n"
        'usr/bin/busybox' = ('x' * 2048)
        'usr/bin/bash' = 'bash'
        'opt/data/a.txt' = 'a'
        'opt/data/b.txt' = 'b'
    } -Links @{ 'bin' = 'usr/bin' }
    $app = New-TestTree -Root (Join-Path $TestDrive 'fx-app') -Files @{
        'app/hello.sh' = "#!/bin/sh`necho hello`n"
        'etc/app.conf' = "port=80`n"
        'etc/.wh.old.conf' = ''
        'opt/data/.wh..wh..opq' = ''
        'opt/data/c.txt' = 'c'
    }
    $archive = Join-Path $TestDrive 'fixtures.tar'
    New-DockerArchive -Path $archive -Images @(
        @{ Tag = 'base:1'; Layers = @($base); History = @('ADD rootfs.tar / # buildkit') }
        @{ Tag = 'app:1'; Layers = @($base, $app); History = @('ADD rootfs.tar / # buildkit', 'COPY . /app # buildkit'); Empty = @('CMD ["/app/hello.sh"]') }
    ) | Out-Null
    return $archive
}

function Invoke-ChildPwsh {
    # Runs a command in a fresh pwsh (under `dotnet pwsh` this process is dotnet, which needs pwsh.dll first).
    param([string] $Command)
    $exe = (Get-Process -Id $PID).Path
    [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    & $exe @prefix -NoProfile -NonInteractive -Command $Command
}

function Invoke-ConsolePwsh {
    # What a user sees at the console: a fresh pwsh imports the laid-out module and runs $Command; its host output (stdout and stderr) comes back as lines.
    param([string] $Command)
    $module = $env:LAYERTOOLS_TEST_MODULE
    if (-not $module) { $module = Join-Path $PSScriptRoot '../../out/LayerTools' }
    $exe = (Get-Process -Id $PID).Path
    [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    & $exe @prefix -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $module 'LayerTools.psd1')'; $Command" 2>&1 | ForEach-Object { "$_" }
}
