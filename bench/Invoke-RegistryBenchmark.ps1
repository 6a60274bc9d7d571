#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Times LayerTools' push and pull against `skopeo copy` on a loopback docker-registry, in the same run.
.DESCRIPTION
    Builds a 5-layer image of about -Megabytes MB (each layer -Megabytes/5 MB of base64 text from a
    fixed seed, so gzip has real work) with Build-LayeredImage, and exports it as an uncompressed
    docker-archive for skopeo, so both tools compress the layers (gzip) on the way. Then, -Rounds
    times, each round on a fresh docker-registry (tests/registry/registry-fixture.sh: nothing to
    mount or skip, for either tool) and fresh stores:
      push     Publish-LayeredImage from a store that has never compressed the layers, against
               skopeo copy docker-archive: -> docker://
      re-push  Publish-LayeredImage of the same image again: how many blob uploads it starts (0 is the target)
      pull     Request-LayeredImage into an empty store (the compressed blobs only: layers stay
               packed until first use), against skopeo copy docker:// -> oci: (the same work)
      pull + first use
               Request-LayeredImage, then Get-ImageLayer -Fetch, which unpacks every layer (inflated,
               DiffID checked, indexed), against skopeo copy followed by umoci unpack
    Each LayerTools operation runs as its own pwsh process under /usr/bin/time (so its figures
    include starting pwsh and importing the module; the operation alone is given beside). Prints
    the median of the rounds, the spread (min-max) and the ratios, and writes bench/registry-results.md
    (and, with -UpdateDocs, the registry section of README.md and docs/benchmarks.md).

    Needs Linux, docker-registry, skopeo, umoci, openssl and time (apt-get install docker-registry skopeo umoci openssl time).
.EXAMPLE
    dotnet pwsh ./bench/Invoke-RegistryBenchmark.ps1 -ModulePath ./out/LayerTools
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/LayerTools'),
    [int] $Megabytes = 200,
    [int] $Rounds = 3,
    [switch] $UpdateDocs,
    [string] $WorkPath = (Join-Path ([IO.Path]::GetTempPath()) "layertools-rbench-$PID")
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
foreach ($tool in 'docker-registry', 'skopeo', 'umoci', 'openssl', '/usr/bin/time') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "The benchmark needs $tool (apt-get install docker-registry skopeo umoci openssl time)." }
}

. (Join-Path $PSScriptRoot 'BenchCommon.ps1')
$BenchPwsh = Get-BenchPwsh
$fixture = Join-Path $PSScriptRoot '../tests/registry/registry-fixture.sh'
$module = (Resolve-Path $ModulePath).Path
$null = New-Item -ItemType Directory -Force $WorkPath
$work = (Resolve-Path $WorkPath).Path
$template = Join-Path $work 'template-store'

function Invoke-LayerTools([string] $Label, [string] $Store, [string] $Script) {
    # One operation in its own pwsh; the script prints 'op-seconds=N' and 'op-cpu=N' (user + system) for the operation alone.
    $command = "`$ErrorActionPreference = 'Stop'; Import-Module '$module'; `$env:LAYERTOOLS_STORE = '$Store'; `$benchProcess = [Diagnostics.Process]::GetCurrentProcess(); `$benchCpu = `$benchProcess.TotalProcessorTime; `$w = [Diagnostics.Stopwatch]::StartNew(); $Script; 'op-seconds=' + `$w.Elapsed.TotalSeconds; `$benchProcess.Refresh(); 'op-cpu=' + (`$benchProcess.TotalProcessorTime - `$benchCpu).TotalSeconds"
    $m = Measure-BenchProcess -Work $work -Label $Label -Command ($BenchPwsh + @('-NoProfile', '-Command', $command))
    $op = ($m.Output | Select-String '^op-seconds=(.+)$').Matches[0].Groups[1].Value
    $cpu = ($m.Output | Select-String '^op-cpu=(.+)$').Matches[0].Groups[1].Value
    $m | Add-Member -NotePropertyName OpSeconds -NotePropertyValue ([math]::Round([double]$op, 2))
    $m | Add-Member -NotePropertyName OpCpu -NotePropertyValue ([math]::Round([double]$cpu, 2)) -PassThru
}

function New-BenchImage {
    $ctx = Join-Path $work 'context'
    $lines = @('FROM scratch')
    $perLayer = [int]($Megabytes / 5)
    for ($l = 1; $l -le 5; $l++) {
        $dir = Join-Path $ctx "layer$l"
        $null = New-Item -ItemType Directory -Force $dir
        for ($f = 1; $f -le 4; $f++) {
            # Fixed-seed bytes (AES-CTR of zeros), as base64 text: about 75% after gzip, like code and text.
            $raw = [int]($perLayer * 1MB / 4 * 3 / 4)
            & bash -c "openssl enc -aes-128-ctr -nosalt -pass pass:layer$l-file$f -pbkdf2 < /dev/zero 2>/dev/null | head -c $raw | base64 -w 76 > '$dir/data$f.txt'"
        }
        $lines += "COPY layer$l/ /data/layer$l/"
    }
    Set-Content (Join-Path $ctx 'Dockerfile') ($lines -join "`n")
    & $BenchPwsh[0] @($BenchPwsh | Select-Object -Skip 1) -NoProfile -Command "Import-Module '$module'; `$env:LAYERTOOLS_STORE = '$template'; `$null = Build-LayeredImage '$ctx' -Tag bench/app:1; Export-LayeredImage bench/app:1 '$work/app.tar' -Compression None"
    if ($LASTEXITCODE -ne 0) { throw 'The benchmark image could not be built.' }
}

function Start-BenchRegistry([int] $Round) {
    $dir = Join-Path $work "registry-$Round"
    $port = & bash $fixture start $dir
    if ($LASTEXITCODE -ne 0) { throw "docker-registry did not start (see $dir/registry.log)." }
    [pscustomobject]@{ Dir = $dir; Host = "127.0.0.1:$port" }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}

$rows = @()
try {
    Write-Host "Building a 5-layer image of about $Megabytes MB in $work ..."
    New-BenchImage
    for ($round = 1; $round -le $Rounds; $round++) {
        $registry = Start-BenchRegistry $round
        try {
            $store = Join-Path $work "store-$round"
            & cp -a $template $store
            $ltPush = Invoke-LayerTools "lt-push-$round" $store "`$p = Publish-LayeredImage bench/app:1 '$($registry.Host)/lt/app:1'"
            $rePush = Invoke-LayerTools "lt-repush-$round" $store "`$p = Publish-LayeredImage bench/app:1 '$($registry.Host)/lt/app:1'; 'uploads=' + `$p.Uploaded"
            $uploads = [int]($rePush.Output | Select-String '^uploads=(\d+)$').Matches[0].Groups[1].Value
            $skPush = Measure-BenchProcess -Label "skopeo-push-$round" -Work $work -Command @('skopeo', 'copy', '-q', '--dest-tls-verify=false', "docker-archive:$work/app.tar", "docker://$($registry.Host)/sk/app:1")

            $pullStore = Join-Path $work "pull-store-$round"
            $ltPull = Invoke-LayerTools "lt-pull-$round" $pullStore "`$null = Request-LayeredImage '$($registry.Host)/lt/app:1'"
            $ltPullUse = Invoke-LayerTools "lt-pull-use-$round" (Join-Path $work "pull-use-store-$round") "`$null = Request-LayeredImage '$($registry.Host)/lt/app:1'; `$null = Get-ImageLayer '$($registry.Host)/lt/app:1' -Fetch"
            $skPull = Measure-BenchProcess -Label "skopeo-pull-$round" -Work $work -Command @('skopeo', 'copy', '-q', '--src-tls-verify=false', "docker://$($registry.Host)/lt/app:1", "oci:$work/oci-$round`:app")
            # A pull and the first use of every layer: skopeo's copy followed by umoci's unpack.
            $unpack = Measure-BenchProcess -Label "skopeo-umoci-$round" -Work $work -Command @('bash', '-c', "skopeo copy -q --src-tls-verify=false docker://$($registry.Host)/lt/app:1 oci:$work/oci2-$round`:app && umoci unpack --image $work/oci2-$round`:app $work/bundle-$round")
            $rows += [pscustomobject]@{
                Round = $round
                LtPush = $ltPush.Seconds; LtPushOp = $ltPush.OpSeconds; SkPush = $skPush.Seconds
                LtPushCpu = $ltPush.CpuSeconds; LtPushOpCpu = $ltPush.OpCpu; SkPushCpu = $skPush.CpuSeconds
                LtRePush = $rePush.Seconds; RePushUploads = $uploads
                LtPull = $ltPull.Seconds; LtPullOp = $ltPull.OpSeconds; SkPull = $skPull.Seconds; SkUnpack = $unpack.Seconds
                LtPullCpu = $ltPull.CpuSeconds; LtPullOpCpu = $ltPull.OpCpu; SkPullCpu = $skPull.CpuSeconds
                LtPullUse = $ltPullUse.Seconds; LtPullUseOp = $ltPullUse.OpSeconds; LtPullUseOpCpu = $ltPullUse.OpCpu; SkUnpackCpu = $unpack.CpuSeconds
                LtPeakMB = [math]::Max([math]::Max($ltPush.PeakMB, $rePush.PeakMB), [math]::Max($ltPull.PeakMB, $ltPullUse.PeakMB))
                SkPeakMB = [math]::Max($skPush.PeakMB, $skPull.PeakMB)
            }
            $rows[-1] | Format-List | Out-Host
        }
        finally {
            & bash $fixture stop $registry.Dir
            Remove-Item -Recurse -Force (Join-Path $work "store-$round"), (Join-Path $work "pull-store-$round"), (Join-Path $work "pull-use-store-$round"), (Join-Path $work "oci-$round"), (Join-Path $work "oci2-$round"), (Join-Path $work "bundle-$round"), $registry.Dir -ErrorAction SilentlyContinue
        }
    }

    function Format-Figure([string] $Property) {
        $values = [double[]]($rows | ForEach-Object $Property)
        $median = Get-Median $values
        '{0:0.00} ({1:0.00}–{2:0.00})' -f $median, ($values | Measure-Object -Minimum).Minimum, ($values | Measure-Object -Maximum).Maximum
    }
    function Format-Ratio([string] $Mine, [string] $Theirs) {
        $ratios = [double[]]($rows | ForEach-Object { $_.$Mine / $_.$Theirs })
        '{0:0.00} ({1:0.00}–{2:0.00})' -f (Get-Median $ratios), ($ratios | Measure-Object -Minimum).Minimum, ($ratios | Measure-Object -Maximum).Maximum
    }

    $lines = @(
        "Registry benchmark, $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, $([Environment]::ProcessorCount) cores, a 5-layer image of $Megabytes MB (gzip to about $([math]::Round($Megabytes * 0.76)) MB), loopback docker-registry, $Rounds rounds: median (min–max).",
        '',
        '| Operation | LayerTools s (whole process) | LayerTools s (the operation) | skopeo copy s | ratio, whole process (includes starting pwsh) | ratio, operation (target ≤ 1.0, module loaded as for builds) |',
        '| --- | --- | --- | --- | --- | --- |',
        "| push (compresses with gzip) | $(Format-Figure LtPush) | $(Format-Figure LtPushOp) | $(Format-Figure SkPush) | $(Format-Ratio LtPush SkPush) | $(Format-Ratio LtPushOp SkPush) |",
        "| push, CPU (user + system) | $(Format-Figure LtPushCpu) | $(Format-Figure LtPushOpCpu) | $(Format-Figure SkPushCpu) | $(Format-Ratio LtPushCpu SkPushCpu) | $(Format-Ratio LtPushOpCpu SkPushCpu) |",
        "| pull (both keep the compressed blobs; LayerTools' layers stay packed) | $(Format-Figure LtPull) | $(Format-Figure LtPullOp) | $(Format-Figure SkPull) | $(Format-Ratio LtPull SkPull) | $(Format-Ratio LtPullOp SkPull) |",
        "| pull, CPU (user + system) | $(Format-Figure LtPullCpu) | $(Format-Figure LtPullOpCpu) | $(Format-Figure SkPullCpu) | $(Format-Ratio LtPullCpu SkPullCpu) | $(Format-Ratio LtPullOpCpu SkPullCpu) |",
        "| pull + first use (unpack every layer), against skopeo copy + umoci unpack | $(Format-Figure LtPullUse) | $(Format-Figure LtPullUseOp) | $(Format-Figure SkUnpack) | $(Format-Ratio LtPullUse SkUnpack) | $(Format-Ratio LtPullUseOp SkUnpack) |",
        "| pull + first use, CPU | – | $(Format-Figure LtPullUseOpCpu) | $(Format-Figure SkUnpackCpu) | – | $(Format-Ratio LtPullUseOpCpu SkUnpackCpu) |",
        '',
        "Unchanged re-push: $(Format-Figure LtRePush) s, blob uploads started: $(($rows.RePushUploads | Sort-Object -Unique) -join ', ') (target 0).",
        "Peak memory (max RSS of any LayerTools process): $(Format-Figure LtPeakMB) MB (target < 300); skopeo $(Format-Figure SkPeakMB) MB."
    )
    $lines | Write-Host
    Set-Content (Join-Path $PSScriptRoot 'registry-results.md') $lines
    Write-Host "Wrote $(Join-Path $PSScriptRoot 'registry-results.md')"
    if ($UpdateDocs) {
        foreach ($doc in (Join-Path $PSScriptRoot '../README.md'), (Join-Path $PSScriptRoot '../docs/benchmarks.md')) {
            Set-BenchSection -Path $doc -Name 'registry' -Lines $lines
        }
    }
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
