# Shared by Faults.Tests.ps1: child processes to kill -9, and the checks that a store healed after a kill.
Set-StrictMode -Version 3.0

function Get-FaultSeed {
    # Seeded, so a failure can be replayed: LAYERTOOLS_FAULT_SEED=<seed> repeats the same instants.
    $seed = if ($env:LAYERTOOLS_FAULT_SEED) { [int]$env:LAYERTOOLS_FAULT_SEED } else { Get-Random -Maximum 1000000 }
    Write-Host "fault seed: $seed (set LAYERTOOLS_FAULT_SEED=$seed to replay)"
    return $seed
}

function Start-ChildCommand {
    # A fresh pwsh that imports the laid-out module and runs $Command; its output goes to $Log. It writes
    # $Log.ready once the module is loaded and $Log.done once the command ended, each with the time (UTC ticks).
    param([string] $Command, [string] $Log)
    $module = $env:LAYERTOOLS_TEST_MODULE
    if (-not $module) { $module = Join-Path $PSScriptRoot '../../out/LayerTools' }
    $exe = (Get-Process -Id $PID).Path
    [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
    # The marks are written with File.WriteAllText: Set-Content's first call (its provider's JIT) would run
    # inside the command's measured time and make a short command look longer than it is.
    $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$(Join-Path $module 'LayerTools.psd1')'; [IO.File]::WriteAllText('$Log.ready', [DateTime]::UtcNow.Ticks); $Command; [IO.File]::WriteAllText('$Log.done', [DateTime]::UtcNow.Ticks)"
    Start-Process -FilePath $exe -ArgumentList ($prefix + @('-NoProfile', '-NonInteractive', '-Command', $script)) -PassThru -RedirectStandardOutput $Log -RedirectStandardError "$Log.err"
}

function Stop-ChildAt {
    # kill -9 of the child $Delay seconds after its module loaded (or once $Until says so, then $Delay); true
    # when its command was still running (not merely the process ending after it). Without $Until the
    # instant counts from the child's own mark of its command's start, not from when this loop saw the mark:
    # for a command of a tenth of a second the polling's lag would otherwise put most kills past its end.
    param($Process, [string] $Log, [double] $Delay, [scriptblock] $Until)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    # The mark is read until it holds its time (the child creates the file, then writes it).
    while (-not ($ready = Get-Content -LiteralPath "$Log.ready" -ErrorAction SilentlyContinue) -and -not $Process.HasExited -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 5 }
    if ($Until) {
        while (-not (& $Until) -and -not $Process.HasExited -and $watch.Elapsed.TotalSeconds -lt 90) { Start-Sleep -Milliseconds 20 }
        Start-Sleep -Milliseconds ([int]($Delay * 1000))
    } elseif ($ready) {
        $left = [long]$ready + [long]($Delay * [TimeSpan]::TicksPerSecond) - [DateTime]::UtcNow.Ticks
        if ($left -gt 0) { Start-Sleep -Milliseconds ([int]($left / [TimeSpan]::TicksPerMillisecond)) }
    }
    # Process.Kill is SIGKILL, sent at once (kill(1) would first start a process). Whether the command was
    # still running is decided after the kill: had it ended first, its end mark is there.
    $running = -not $Process.HasExited
    if ($running) { $Process.Kill() }
    $null = $Process.WaitForExit(30000)
    return $running -and -not (Test-Path -LiteralPath "$Log.done")
}

function Get-ChildCommandTime {
    # How long the command of a child from Start-ChildCommand ran (seconds from its module loaded to its command's end); $null when it did not end.
    param([string] $Log)
    if (-not (Test-Path -LiteralPath "$Log.done") -or -not (Test-Path -LiteralPath "$Log.ready")) { return $null }
    return [TimeSpan]::new([long](Get-Content -LiteralPath "$Log.done") - [long](Get-Content -LiteralPath "$Log.ready")).TotalSeconds
}

function Get-StoreMount {
    # Mount points on or under the store.
    param([string] $Store)
    foreach ($line in [IO.File]::ReadAllLines('/proc/self/mountinfo')) {
        $point = ($line -split ' ')[4] -replace '\\040', ' '
        if ($point -eq $Store -or $point.StartsWith("$Store/")) { $point }
    }
}

function Get-StoreProcess {
    # Processes that run in the store: their root or working folder in it, or its path on their command line.
    param([string] $Store)
    foreach ($dir in [IO.Directory]::EnumerateDirectories('/proc')) {
        $name = Split-Path -Leaf $dir
        if ($name -notmatch '^\d+$' -or [int]$name -eq $PID) { continue }
        try {
            $root = [IO.FileInfo]::new("$dir/root").LinkTarget
            $cwd = [IO.FileInfo]::new("$dir/cwd").LinkTarget
            $cmd = [IO.File]::ReadAllText("$dir/cmdline") -replace "`0", ' '
            # A runc container's root reads as / from here: its root mount (the RUN's overlay) names the store.
            $rootMount = @([IO.File]::ReadAllLines("$dir/mountinfo") | Where-Object { ($_ -split ' ')[4] -eq '/' }) -join ' '
        } catch { continue }
        if (($root -and $root.StartsWith("$Store/")) -or ($cwd -and $cwd.StartsWith("$Store/")) -or $cmd.Contains($Store) -or $rootMount.Contains("$Store/")) { "$name $cmd" }
    }
}

function Get-StoreLeftover {
    # What a killed command left that the next command should have removed: files in tmp/ and leases/,
    # temporaries anywhere else in the store (a snapshot's, a container copy's staging folder, a cache
    # mount's new folder: hidden names ending in .tmp or starting .tmp- / .new-), mounts, processes.
    param([string] $Store)
    foreach ($dir in 'layertools/tmp', 'layertools/leases') {
        $full = Join-Path $Store $dir
        if (Test-Path $full) { Get-ChildItem -Force -Recurse -LiteralPath $full | ForEach-Object { "file: $($_.FullName)" } }
    }
    Get-ChildItem -Force -Recurse -LiteralPath $Store -ErrorAction SilentlyContinue |
        Where-Object { ($_.Name -like '*.tmp' -or $_.Name -like '.tmp-*' -or $_.Name -like '.new-*') -and $_.FullName -notlike "$Store/layertools/tmp/*" -and $_.FullName -notlike "$Store/layertools/leases/*" } |
        ForEach-Object { "temporary: $($_.FullName)" }
    Get-StoreMount $Store | ForEach-Object { "mount: $_" }
    Get-StoreProcess $Store | ForEach-Object { "process: $_" }
}
