# kill -9 at random (seeded) instants of the commands that write, then: the store checks clean, nothing
# is mounted or running in it, tmp/ is empty after the next command, and the retry gives what a clean run gives.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'FaultHelpers.ps1')
    Import-LayerToolsForTest
    $script:random = [Random]::new((Get-FaultSeed))
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-faults-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $env:SOURCE_DATE_EPOCH = '1700000000'

    # A busybox base image, as Build.Tests.ps1 makes it.
    $rootfs = Join-Path $work 'rootfs'
    $null = New-Item -ItemType Directory -Force (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'etc'), (Join-Path $rootfs 'tmp')
    Copy-Item /usr/bin/busybox (Join-Path $rootfs 'bin/busybox')
    foreach ($applet in 'sh', 'echo', 'cat', 'test', 'sleep', 'true', 'cp') {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $rootfs "bin/$applet") -Target 'busybox'
    }
    Set-Content (Join-Path $rootfs 'etc/passwd') "root:x:0:0:root:/root:/bin/sh"
    $script:base = Join-Path $work 'busybox.tar'
    & tar -C $rootfs --sort=name --numeric-owner --owner=0 --group=0 --mtime='2024-01-02 03:04:05Z' -cf $base .

    # 40 MB of data in 400 files: work enough for the kills to land in the middle.
    $script:ctx = Join-Path $work 'ctx'
    $null = New-Item -ItemType Directory -Force (Join-Path $ctx 'data')
    $bytes = [byte[]]::new(100KB)
    $seeded = [Random]::new(1)
    foreach ($i in 1..400) {
        $seeded.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $ctx "data/f$i.bin"), $bytes)
    }

    function New-FaultStore {
        $store = New-TestStore
        $null = Import-LayeredImage -Path $base -Tag busybox:test -StorePath $store
        return $store
    }

    function Assert-Healed {
        # After the next command: a clean store with nothing left over.
        param([string] $Store, [string] $What)
        @(Get-StoreLeftover $Store) | Should -BeNullOrEmpty -Because "$What left nothing behind"
        @(Test-LayerStore -StorePath $Store) | Should -BeNullOrEmpty -Because "$What left the store consistent"
    }
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force -LiteralPath $work -ErrorAction SilentlyContinue
    Remove-Item Env:SOURCE_DATE_EPOCH -ErrorAction SilentlyContinue
}

Describe 'kill -9 of a build inside RUN' -Tag Faults {
    BeforeAll {
        $script:runCtx = Join-Path $work 'run-ctx'
        $null = New-Item -ItemType Directory -Force $runCtx
        # The RUN waits for a file of the context: absent while the builds that are killed run.
        Set-Content (Join-Path $runCtx 'Dockerfile') "FROM busybox:test`nRUN --mount=type=bind,target=/ctx sh -c 'while ! test -f /ctx/go; do sleep 0.2; done; echo done > /done'`n"
        $clean = New-FaultStore
        $null = New-Item -ItemType File -Force (Join-Path $runCtx 'go')
        $script:cleanId = (Build-LayeredImage -Path $runCtx -Tag run:1 -StorePath $clean).Id
        Remove-Item (Join-Path $runCtx 'go')
    }

    It 'leaves no mount, no process, no file, and the retry builds the clean image (8 kills)' {
        $store = New-FaultStore
        foreach ($i in 1..8) {
            $log = Join-Path $work "run-kill-$i.log"
            $child = Start-ChildCommand -Log $log -Command "Build-LayeredImage -Path '$runCtx' -Tag run:1 -NoCache -StorePath '$store'"
            $running = Stop-ChildAt -Process $child -Log $log -Delay ($random.NextDouble()) -Until { @(Get-StoreMount $store | Where-Object { $_ -like '*/merged' }).Count -gt 0 }
            $running | Should -BeTrue -Because "kill $i landed while the RUN ran ($(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue))"
            # RUN's processes die with the build, before any other command runs.
            $watch = [Diagnostics.Stopwatch]::StartNew()
            while (@(Get-StoreProcess $store).Count -gt 0 -and $watch.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
            @(Get-StoreProcess $store) | Should -BeNullOrEmpty -Because "RUN's processes die with the build (kill $i)"
            # The next command (it takes the store lock) reclaims what the killed build left.
            $null = Optimize-LayerStore -StorePath $store -WhatIf
            Assert-Healed $store "kill $i inside RUN"
        }

        $null = New-Item -ItemType File -Force (Join-Path $runCtx 'go')
        try { (Build-LayeredImage -Path $runCtx -Tag run:1 -NoCache -StorePath $store).Id | Should -Be $cleanId }
        finally { Remove-Item (Join-Path $runCtx 'go') }
        Assert-Healed $store 'the retry'
    }
}
