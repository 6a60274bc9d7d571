# kill -9 of the PowerShell running Invoke-ContainerCommand (a long program in the container), at
# seeded random instants from its start to well inside the program's run: after each kill nothing of
# the container's program is left running, the next Invoke-ContainerCommand runs in the container (its
# lock free again, what the killed command left reclaimed), and the store checks clean.
BeforeDiscovery {
    $script:canRun = $IsLinux -and ((& id -u) -eq '0')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'FaultHelpers.ps1')
    Import-LayerToolsForTest
    $script:random = [Random]::new((Get-FaultSeed))
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-execkill-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Force (Join-Path $work 'rootfs')
    New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:execkill -Applets 'sh', 'echo', 'cat', 'sleep', 'true'
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'kill -9 of Invoke-ContainerCommand' -Tag Faults -Skip:(-not $canRun) {
    It 'leaves no process of the container running, and the next Invoke-ContainerCommand runs in it (6 kills)' {
        $container = New-ContainerLayer busybox:execkill -Name victim
        $running = Join-Path $store "layertools/containers/$($container.Id)/running"
        # A sleep no other process on this (shared) machine runs, so that one left over is this test's.
        $nap = 3000 + $random.Next(1000)
        foreach ($i in 1..6) {
            $log = Join-Path $work "exec-kill-$i.log"
            $child = Start-ChildCommand -Log $log -Command "Invoke-ContainerCommand victim -StorePath '$store' -- sh -c 'echo $i > /tmp/kill-$i; exec sleep $nap'"
            # Odd kills: at a random instant from the module's load (taking the lock, mounting, starting the runtime);
            # even kills: once the program runs in the container, a random instant into it.
            $until = if ($i % 2 -eq 0) { { Test-Path -LiteralPath $running } } else { $null }
            $landed = Stop-ChildAt -Process $child -Log $log -Delay ($random.NextDouble() * 1.5) -Until $until
            $landed | Should -BeTrue -Because "kill $i landed while Invoke-ContainerCommand ran ($(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue))"
            # The container's program dies with the PowerShell that ran it, before any other command runs.
            $watch = [Diagnostics.Stopwatch]::StartNew()
            while (@(Get-StoreProcess $store).Count -gt 0 -and $watch.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
            @(Get-StoreProcess $store) | Should -BeNullOrEmpty -Because "the container's program dies with the killed command (kill $i)"
            Get-Process | Where-Object { $_.ProcessName -eq 'sleep' -and $_.CommandLine -eq "sleep $nap" } | Should -BeNullOrEmpty -Because "kill $i"

            # The next command runs in the container at once, and sees what the killed one wrote, if it got that far.
            try { $out = @(Invoke-ContainerCommand victim -StorePath $store -ErrorAction Stop -- sh -c "cat /tmp/kill-$i 2>/dev/null; echo next-$i") }
            catch { throw "the next Invoke-ContainerCommand after kill $i failed: $_" }
            $LASTEXITCODE | Should -Be 0
            $out[-1] | Should -Be "next-$i"
            Test-Path -LiteralPath $running | Should -BeFalse -Because "the lock's record goes with the command that holds it (kill $i)"
            @(Get-StoreLeftover $store) | Should -BeNullOrEmpty -Because "what kill $i left was reclaimed by the next command"
            @(Test-LayerStore -StorePath $store) | Should -BeNullOrEmpty -Because "kill $i left the store consistent"
        }

        # Every change the container holds is one a program made in it; the image is untouched.
        $changes = @(Get-ContainerChange victim -StorePath $store | ForEach-Object ToString)
        $changes | Where-Object { $_ -notmatch '^(C /tmp|A /tmp/kill-\d)$' } | Should -BeNullOrEmpty
        Remove-ContainerLayer victim -StorePath $store -Confirm:$false
        @(Test-LayerStore -StorePath $store) | Should -BeNullOrEmpty
    }

    It 'a Mount-ContainerLayer after a killed run removes the mount points the run made (not changes of the container)' {
        $container = New-ContainerLayer busybox:execkill -Name mountvictim -StorePath $store
        $dir = Join-Path $store "layertools/containers/$($container.Id)"
        $log = Join-Path $work 'exec-kill-mount.log'
        $nap = 3000 + $random.Next(1000)
        $child = Start-ChildCommand -Log $log -Command "Invoke-ContainerCommand mountvictim -StorePath '$store' -- sh -c 'echo hi > /tmp/mounted; exec sleep $nap'"
        $landed = Stop-ChildAt -Process $child -Log $log -Delay ($random.NextDouble() * 0.5) -Until { Test-Path -LiteralPath (Join-Path $dir 'upper/tmp/mounted') }
        $landed | Should -BeTrue -Because "the kill landed while the program ran ($(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue))"
        $stubs = @(Get-Content (Join-Path $dir 'stubs') | Where-Object { $_ })
        $stubs | Should -Not -BeNullOrEmpty -Because 'the killed run left its list of the mount points it made'
        # The container's program dies with the PowerShell that ran it (as the test above checks).
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $left = { @(Get-StoreProcess $store) + @(Get-Process | Where-Object { $_.ProcessName -eq 'sleep' -and $_.CommandLine -eq "sleep $nap" }) }
        while (@(& $left).Count -gt 0 -and $watch.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
        @(& $left) | Should -BeNullOrEmpty

        # The mount takes the container's lock: what the killed run left is reclaimed before the overlay is made.
        $mnt = Join-Path $work 'mnt'
        $null = New-Item -ItemType Directory -Force $mnt
        Mount-ContainerLayer mountvictim -Path $mnt -StorePath $store
        try {
            Join-Path $dir 'stubs' | Should -Not -Exist
            Get-Content (Join-Path $mnt 'tmp/mounted') | Should -Be 'hi'
            foreach ($stub in $stubs) {
                Join-Path $mnt $stub | Should -Not -Exist -Because "$stub was the killed run's mount point, not a file of the container"
            }
        }
        finally { Dismount-ContainerLayer mountvictim -StorePath $store }
        @(Get-ContainerChange mountvictim -StorePath $store | ForEach-Object ToString) | Should -Be @('C /tmp', 'A /tmp/mounted')
        Remove-ContainerLayer mountvictim -StorePath $store -Confirm:$false
        @(Test-LayerStore -StorePath $store) | Should -BeNullOrEmpty
    }
}
