#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Times layer compression (Export-LayeredImage -Compression gzip/zstd) against skopeo in the same run.
.DESCRIPTION
    Makes an image of one large layer (default 480 MB: source-like text, which compresses, and random
    bytes, which do not) and imports it into a fresh store. Then, for gzip and zstd:
      LayerTools: Export-LayeredImage -Format OciLayout -Compression <c> (the layer compressed for the
                  first time: the store keeps no compressed form yet), timed in a pwsh child that has
                  the module imported (the module-loaded figure) and as a whole process.
      skopeo:     skopeo copy --dest-compress-format <c> from the same image as an uncompressed OCI
                  layout to a new OCI layout, under /usr/bin/time.
    The two run interleaved, -Rounds times each (the store's compressed form is forgotten before each
    LayerTools round, so every round compresses); the table keeps the best wall and CPU time of each.
    CPU time (user + system) moves less than wall time on a shared machine. Like with like: both use
    their tool's default level (LayerTools gzip: .NET's zlib-ng at level 5, 1 MiB members, a member
    Huffman-coded only when LZ77 matches would not shrink it, e.g. base64 text (.NET 9 and later;
    net8.0's API offers only level 6, which .NET 8 keeps); zstd:
    ZstdSharp at level 3, 4 MiB frames; skopeo: pgzip on klauspost's flate at its default level 5,
    and klauspost's zstd at SpeedDefault, its level 3), and the table gives both sizes.
    Also checks that the two exports of the same layer have the same digest (deterministic output)
    and writes its section of bench/results.md (and, with -UpdateDocs, README.md and docs/benchmarks.md).

    Needs Linux, skopeo and /usr/bin/time.
.EXAMPLE
    pwsh bench/Invoke-CompressionBenchmark.ps1
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),
    [int] $LayerMegabytes = 480,
    [int] $Rounds = 3,
    [switch] $UpdateDocs,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "layertools-compress-bench-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
foreach ($tool in 'skopeo', '/usr/bin/time') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "The compression benchmark needs $tool (apt-get install skopeo time)." }
}

$pwsh = Get-BenchPwsh
$module = (Resolve-Path $ModulePath).Path
$null = New-Item -ItemType Directory -Force $WorkPath
$work = (Resolve-Path $WorkPath).Path

try {
    Write-Host "Generating a $LayerMegabytes MB layer in $work ..."
    $rootfs = Join-Path $work 'rootfs'
    $null = New-Item -ItemType Directory -Force $rootfs
    $rng = [Random]::new(42)
    $text = [Text.Encoding]::UTF8.GetBytes((1..2000 | ForEach-Object { "export function f$_(a, b) { return a * $_ + b; } // module line $_`n" }) -join '')
    $fileSize = 4MB
    $random = [byte[]]::new($fileSize)
    for ($i = 0; $i -lt [math]::Ceiling($LayerMegabytes * 1MB / $fileSize); $i++) {
        $path = Join-Path $rootfs "f$i.bin"
        if ($i % 2 -eq 0) {
            $rng.NextBytes($random)
            [IO.File]::WriteAllBytes($path, $random)
        }
        else {
            $stream = [IO.File]::Create($path)
            for ($written = 0; $written -lt $fileSize; $written += $text.Length) { $stream.Write($text, 0, [math]::Min($text.Length, $fileSize - $written)) }
            $stream.Dispose()
        }
    }
    $tar = Join-Path $work 'layer.tar'
    & tar -C $rootfs --numeric-owner -cf $tar .
    if ($LASTEXITCODE -ne 0) { throw "tar failed ($LASTEXITCODE)" }
    Remove-Item -Recurse -Force $rootfs

    $store = Join-Path $work 'store'
    $plain = Join-Path $work 'plain-oci'
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -Command "Import-Module '$module'; `$null = Import-LayeredImage -Path '$tar' -Tag bench/big:1 -StorePath '$store'; Export-LayeredImage bench/big:1 -Path '$plain' -Format OciLayout -Compression None -StorePath '$store'"
    if ($LASTEXITCODE -ne 0) { throw "Importing the layer failed ($LASTEXITCODE)" }
    $rows = @()
    $layerOf = {
        param($layout)
        $index = Get-Content -Raw (Join-Path $layout 'index.json') | ConvertFrom-Json
        $manifest = Get-Content -Raw (Join-Path $layout ('blobs/sha256/' + ($index.manifests[0].digest -replace '^sha256:', ''))) | ConvertFrom-Json
        return $manifest.layers[0]
    }
    foreach ($compression in 'gzip', 'zstd') {
        $ltOut = Join-Path $work "lt-$compression"
        $skOut = Join-Path $work "skopeo-$compression"
        # Forgets the compressed form, its blob too: each export compresses for the first time, as the table says
        # (with the blob left, a round after the first wrote an equal blob and deleted it, a 0.17 s unlink).
        $forget = @'
foreach ($record in @(Get-ChildItem '{0}/layertools/compressed/{1}' -Filter *.json -ErrorAction SilentlyContinue)) {{
    Remove-Item -Force (Join-Path '{0}/blobs/sha256' ((Get-Content -Raw $record.FullName | ConvertFrom-Json).digest -replace '^sha256:', '')) -ErrorAction SilentlyContinue
}}
Remove-Item -Recurse -Force '{0}/layertools/compressed/{1}' -ErrorAction SilentlyContinue
'@ -f $store, $compression
        $child = @'
$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{0}'; $import = $w.Elapsed.TotalMilliseconds
$p = [Diagnostics.Process]::GetCurrentProcess(); $cpu = $p.TotalProcessorTime
$w.Restart(); Export-LayeredImage bench/big:1 -Path '{1}' -Format OciLayout -Compression {2} -StorePath '{3}'
"export=$($w.Elapsed.TotalMilliseconds)"
$p.Refresh(); "cpu=$(($p.TotalProcessorTime - $cpu).TotalSeconds)"
# Again in the same session, the compressed form forgotten: the export's own cost, its code compiled.
{4}
Remove-Item -Recurse -Force '{1}-warm' -ErrorAction SilentlyContinue
$p.Refresh(); $cpu = $p.TotalProcessorTime
$w.Restart(); Export-LayeredImage bench/big:1 -Path '{1}-warm' -Format OciLayout -Compression {2} -StorePath '{3}'
"warm=$($w.Elapsed.TotalMilliseconds)"
$p.Refresh(); "warmcpu=$(($p.TotalProcessorTime - $cpu).TotalSeconds)"
'@ -f $module, $ltOut, $compression, $store, $forget
        $best = $null
        for ($round = 1; $round -le $Rounds; $round++) {
            # Forget the compressed form, so this round compresses the layer again.
            & ([scriptblock]::Create($forget))
            Remove-Item -Recurse -Force $ltOut, "$ltOut-warm", $skOut -ErrorAction SilentlyContinue
            $lt = Measure-BenchProcess -Work $work -Label "layertools $compression" -Command ($pwsh + @('-NoProfile', '-NonInteractive', '-Command', $child))
            $sk = Measure-BenchProcess -Work $work -Label "skopeo $compression" -Command @('skopeo', 'copy', '--quiet', '--dest-compress-format', $compression, "oci:$($plain):bench/big:1", "oci:$($skOut):big")
            $ltLayer = & $layerOf $ltOut
            $skLayer = & $layerOf $skOut
            if ((& $layerOf "$ltOut-warm").digest -ne $ltLayer.digest) { throw "The $compression layer's digest differs between two exports in one session" }
            $row = [pscustomobject]@{
                Compression = $compression
                LoadedSeconds = (Get-BenchValue $lt.Output 'export') / 1000
                # The process ran the export twice: its figure is without the second (timed inside it).
                ProcessSeconds = $lt.Seconds - (Get-BenchValue $lt.Output 'warm') / 1000
                SkopeoSeconds = $sk.Seconds
                LoadedCpu = Get-BenchValue $lt.Output 'cpu'
                WarmSeconds = (Get-BenchValue $lt.Output 'warm') / 1000
                WarmCpu = Get-BenchValue $lt.Output 'warmcpu'
                SkopeoCpu = $sk.CpuSeconds
                LayerToolsMB = $ltLayer.size / 1MB
                SkopeoMB = $skLayer.size / 1MB
                LayerToolsPeakMB = $lt.PeakMB
                SkopeoPeakMB = $sk.PeakMB
                Digest = $ltLayer.digest
            }
            Write-Host ("round $round $($compression): LayerTools $(Format-BenchNumber $row.LoadedSeconds) s (cpu $(Format-BenchNumber $row.LoadedCpu) s), again $(Format-BenchNumber $row.WarmSeconds) s (cpu $(Format-BenchNumber $row.WarmCpu) s), skopeo $(Format-BenchNumber $row.SkopeoSeconds) s (cpu $(Format-BenchNumber $row.SkopeoCpu) s)")
            if ($best -and $best.Digest -ne $row.Digest) { throw "The $compression layer's digest differs between two rounds: $($best.Digest) and $($row.Digest)" }
            if (-not $best) { $best = $row; continue }
            foreach ($name in 'LoadedSeconds', 'ProcessSeconds', 'SkopeoSeconds', 'LoadedCpu', 'SkopeoCpu', 'WarmSeconds', 'WarmCpu') {
                $best.$name = [math]::Min($best.$name, $row.$name)
            }
            # Peak memory: the worst round.
            foreach ($name in 'LayerToolsPeakMB', 'SkopeoPeakMB') {
                $best.$name = [math]::Max($best.$name, $row.$name)
            }
        }
        $rows += $best
        Remove-Item -Recurse -Force $ltOut, "$ltOut-warm", $skOut
    }
    $rows | Format-Table -AutoSize | Out-Host

    # The same layer compressed again in another store, on one core: the digest must not move.
    $store2 = Join-Path $work 'store2'
    $again = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -Command @"
Import-Module '$module'
`$null = Import-LayeredImage -Path '$tar' -Tag bench/big:1 -StorePath '$store2'
foreach (`$c in 'gzip', 'zstd') {
    `$out = Join-Path '$work' "again-`$c"
    Export-LayeredImage bench/big:1 -Path `$out -Format OciLayout -Compression `$c -StorePath '$store2'
    `$index = Get-Content -Raw (Join-Path `$out 'index.json') | ConvertFrom-Json
    `$manifest = Get-Content -Raw (Join-Path `$out ('blobs/sha256/' + (`$index.manifests[0].digest -replace '^sha256:', ''))) | ConvertFrom-Json
    "`$c=`$(`$manifest.layers[0].digest)"
}
"@
    foreach ($r in $rows) {
        $other = ($again | Where-Object { $_ -like "$($r.Compression)=*" }) -replace '^[a-z]+=', ''
        if ($other -ne $r.Digest) { throw "The $($r.Compression) layer's digest differs between two exports: $($r.Digest) and $other" }
    }

    $lines = @(
        "$(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores: one $LayerMegabytes MB layer (half source text, half random), compressed for the first time; skopeo $((& skopeo --version) -replace '^skopeo version ', '') from an uncompressed OCI layout; best of $Rounds interleaved rounds. Like with like, each at its default level: LayerTools gzip is .NET's zlib-ng in 1 MiB members, each at level 5 (skopeo's level), Huffman-only where LZ77 matches would not shrink it (LayerTools' own encoder since session 8), or stored where it does not compress (.NET 9 and later; level 6 on .NET 8), zstd is ZstdSharp at level 3 (4 MiB frames); skopeo's gzip is pgzip (klauspost flate, level 5), its zstd klauspost's SpeedDefault (level 3). CPU: user + system seconds (LayerTools: the export in the loaded module, its first in the session, which includes compiling its code; skopeo: the process). Again: a second export in the same session, the compressed form forgotten first (the export's own work, its code compiled). Peak: the whole process's maximum RSS, worst round (pwsh with the module loaded is about 125 MB before any work). Each digest was the same in every round and when the layer was compressed again in another store.",
        '',
        '| Compression | LayerTools (module loaded) | LayerTools (whole process) | skopeo | ratio loaded / skopeo | ratio process / skopeo | LayerTools CPU | skopeo CPU | CPU ratio | again | again CPU | again CPU / skopeo | LayerTools size | skopeo size | LayerTools peak | skopeo peak |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    )
    foreach ($r in $rows) {
        $lines += "| $($r.Compression) | $(Format-BenchNumber $r.LoadedSeconds) s | $(Format-BenchNumber $r.ProcessSeconds) s | $(Format-BenchNumber $r.SkopeoSeconds) s | " +
            "$(Get-BenchRatio $r.LoadedSeconds $r.SkopeoSeconds) | $(Get-BenchRatio $r.ProcessSeconds $r.SkopeoSeconds) | " +
            "$(Format-BenchNumber $r.LoadedCpu) s | $(Format-BenchNumber $r.SkopeoCpu) s | $(Get-BenchRatio $r.LoadedCpu $r.SkopeoCpu) | " +
            "$(Format-BenchNumber $r.WarmSeconds) s | $(Format-BenchNumber $r.WarmCpu) s | $(Get-BenchRatio $r.WarmCpu $r.SkopeoCpu) | $(Format-BenchNumber $r.LayerToolsMB 0) MB | $(Format-BenchNumber $r.SkopeoMB 0) MB | " +
            "$(Format-BenchNumber $r.LayerToolsPeakMB 0) MB | $(Format-BenchNumber $r.SkopeoPeakMB 0) MB |"
    }
    $lines | Out-Host
    Set-BenchSection -Path (Join-Path $PSScriptRoot 'results.md') -Name 'compression' -Lines (@('### Compression', '') + $lines)
    if ($UpdateDocs) {
        foreach ($doc in (Join-Path $PSScriptRoot '../README.md'), (Join-Path $PSScriptRoot '../docs/benchmarks.md')) {
            Set-BenchSection -Path $doc -Name 'compression' -Lines $lines
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
