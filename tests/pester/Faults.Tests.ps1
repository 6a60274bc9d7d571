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

    # 20 MB of data in 200 files: work enough for the kills to land in the middle.
    $script:ctx = Join-Path $work 'ctx'
    $null = New-Item -ItemType Directory -Force (Join-Path $ctx 'data')
    $bytes = [byte[]]::new(100KB)
    $seeded = [Random]::new(1)
    foreach ($i in 1..200) {
        $seeded.NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $ctx "data/f$i.bin"), $bytes)
    }

    function New-FaultStore {
        $store = New-TestStore
        $null = Import-LayeredImage -Path $base -Tag busybox:test -StorePath $store
        return $store
    }

    function Invoke-KillSeries {
        <#
            Runs $Command (text; {store} stands for the store) once to the end in a child pwsh to time it and
            take its result, then $Kills times killed -9 at a random instant of that time (each after
            $Reset), each followed by the retry in this process, which must heal the store and give the
            clean run's result. A kill lands only while the command runs (not while the process ends after
            it). The time is the command's own (module loaded to command ended), and the shortest seen:
            under load one slow clean run would otherwise put the kills after the end of faster ones.
        #>
        param([string] $Name, [string] $Store, [string] $Command, [scriptblock] $Reset, [scriptblock] $Result, [int] $Kills = 8)
        $text = $Command.Replace('{store}', $Store)
        & $Reset
        $log = Join-Path $work "$Name-clean.log"
        $child = Start-ChildCommand -Log $log -Command $text
        $null = $child.WaitForExit(120000)
        $child.ExitCode | Should -Be 0 -Because "the clean $Name succeeds ($(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue))"
        $duration = Get-ChildCommandTime -Log $log
        $clean = & $Result
        $landed = 0
        for ($attempt = 1; $landed -lt $Kills -and $attempt -le $Kills * 3; $attempt++) {
            & $Reset
            $log = Join-Path $work "$Name-kill-$attempt.log"
            $child = Start-ChildCommand -Log $log -Command $text
            if (Stop-ChildAt -Process $child -Log $log -Delay ($random.NextDouble() * $duration * 0.9)) { $landed++ }
            elseif ($null -ne ($took = Get-ChildCommandTime -Log $log)) { $duration = [Math]::Min($duration, $took) }
            $null = Invoke-Expression $text
            Assert-Healed $Store "the retry after kill $attempt of $Name"
            & $Result | Should -Be $clean -Because "the retry after kill $attempt of $Name gives what a clean run gives"
        }

        Write-Host "$Name`: $landed kills landed in $($attempt - 1) attempts (the command takes $([Math]::Round($duration, 2)) s at the shortest)"
        $landed | Should -BeGreaterOrEqual $Kills
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
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
            Assert-Healed $store "kill $i inside RUN"
        }

        $null = New-Item -ItemType File -Force (Join-Path $runCtx 'go')
        try { (Build-LayeredImage -Path $runCtx -Tag run:1 -NoCache -StorePath $store).Id | Should -Be $cleanId }
        finally { Remove-Item (Join-Path $runCtx 'go') }
        Assert-Healed $store 'the retry'
    }
}

Describe 'A full disk (a small tmpfs as the store) for every writing cmdlet' -Tag Faults {
    BeforeAll {
        $script:disk = Join-Path $work 'tmpfs'
        $null = New-Item -ItemType Directory -Force $disk
        & mount -t tmpfs -o size=96m layertools-fault-tmpfs $disk
        if ($LASTEXITCODE -ne 0) { throw 'cannot mount a tmpfs for the full-disk tests' }
        $script:store = Join-Path $disk 'store'
        $null = Import-LayeredImage -Path $base -Tag busybox:test -StorePath $store
        $script:filler = Join-Path $disk 'filler'

        # 12 MB of data, in a folder (for COPY and Copy-ContainerItem) and as a docker-archive (for import).
        $script:twelve = Join-Path $work 'twelve'
        $null = New-Item -ItemType Directory -Force $twelve
        Get-ChildItem (Join-Path $ctx 'data') | Select-Object -First 120 | Copy-Item -Destination $twelve
        $script:twelveTar = New-DockerArchive -Path (Join-Path $work 'twelve.tar') -Images @(@{ Tag = 'twelve:1'; Layers = @($twelve) })
        $script:twelveCtx = Join-Path $work 'twelve-ctx'
        $null = New-Item -ItemType Directory -Force $twelveCtx
        Copy-Item -Recurse $twelve (Join-Path $twelveCtx 'data')
        Set-Content (Join-Path $twelveCtx 'Dockerfile') "FROM busybox:test`nCOPY data /data`n"

        function Set-FreeSpace {
            # Fills the tmpfs so that only $Bytes stay free.
            param([long] $Bytes)
            Remove-Item -Force -LiteralPath $filler -ErrorAction SilentlyContinue
            $avail = [long](& df -B1 --output=avail $disk | Select-Object -Last 1).Trim()
            if ($avail -gt $Bytes) { & fallocate -l ($avail - $Bytes) $filler }
        }

        function Set-FreeInode {
            # Limits the tmpfs to $Count more files or folders than it holds (nr_inodes; 0 lifts the limit).
            param([long] $Count)
            $used = [long](& df --output=iused $disk | Select-Object -Last 1).Trim()
            $limit = if ($Count -lt 0) { 0 } else { $used + $Count }
            & mount -o "remount,nr_inodes=$limit" $disk
            if ($LASTEXITCODE -ne 0) { throw "cannot limit the tmpfs to $limit inodes" }
        }

        function Invoke-FullDisk {
            # Runs $Action with $Free bytes free (or only $FreeInodes new files): it must fail with a LayerTools error and leave the store as it was; then with room it must succeed.
            param([long] $Free, [scriptblock] $Action, [string] $What, [long] $FreeInodes = -1)
            $before = @(Get-LayeredImage -StorePath $store | ForEach-Object { "$_ $($_.Id)" })
            if ($FreeInodes -ge 0) { Set-FreeInode $FreeInodes } else { Set-FreeSpace $Free }
            $failure = $null
            try { & $Action } catch { $failure = $_ }
            finally {
                Remove-Item -Force -LiteralPath $filler -ErrorAction SilentlyContinue
                if ($FreeInodes -ge 0) { Set-FreeInode -1 }
            }
            $failure | Should -Not -BeNullOrEmpty -Because "$What cannot fit in $Free bytes"
            $failure.FullyQualifiedErrorId | Should -Match '^[A-Za-z]+,LayerTools\.Commands\.' -Because "$What reports a LayerTools error id ($($failure.Exception.Message))"
            $failure.Exception.Message | Should -Match 'space' -Because 'the message says the disk is full'
            @(Get-LayeredImage -StorePath $store | ForEach-Object { "$_ $($_.Id)" }) | Should -Be $before
            @(Test-LayerStore -StorePath $store) | Should -BeNullOrEmpty
            @(Get-StoreLeftover $store) | Should -BeNullOrEmpty
            return $failure
        }
    }

    AfterAll {
        & umount $disk
    }

    It 'Import-LayeredImage' {
        $null = Invoke-FullDisk -Free 4MB -What 'an import' -Action { Import-LayeredImage -Path $twelveTar -StorePath $store -ErrorAction Stop }
        (Import-LayeredImage -Path $twelveTar -StorePath $store).ToString() | Should -Be 'twelve:1'
    }

    It 'Build-LayeredImage' {
        $null = Invoke-FullDisk -Free 4MB -What 'a build' -Action { Build-LayeredImage -Path $twelveCtx -Tag built:1 -StorePath $store -ErrorAction Stop }
        (Build-LayeredImage -Path $twelveCtx -Tag built:1 -StorePath $store).ToString() | Should -Be 'built:1'
    }

    It 'Copy-ContainerItem: nothing of the copy stays in the container, and the error names the file' {
        $null = New-ContainerLayer busybox:test -Name full -StorePath $store
        $failure = Invoke-FullDisk -Free 4MB -What 'a copy into a container' -Action { Copy-ContainerItem -Container full -Path $twelve -Destination /data -ToContainer -Recurse -StorePath $store -ErrorAction Stop }
        $failure.Exception.Message | Should -Match ([regex]::Escape($twelve) + '/f\d+\.bin')
        Get-ContainerChange full -StorePath $store | Should -BeNullOrEmpty
        Copy-ContainerItem -Container full -Path $twelve -Destination /data -ToContainer -Recurse -StorePath $store
        @(Get-ContainerChange full -StorePath $store).Count | Should -Be 121
    }

    It 'Copy-ContainerItem over files in the container, failing mid-copy: the container is byte for byte as before, and the error names the file' {
        # Host data/ merges into the container's /data: its 120 files overwrite the container's, then 30 new
        # folders, each with a file. Room for the staged data and the files but not the folders: the copy
        # fails after it swapped files in, and must put every one back.
        $mid = Join-Path $work 'mid/data'
        $null = New-Item -ItemType Directory -Force $mid
        Get-ChildItem $twelve | ForEach-Object { [IO.File]::WriteAllText((Join-Path $mid $_.Name), "new $($_.Name)") }
        foreach ($i in 1..30) { $null = New-TestTree -Root (Join-Path $mid "zz$i") -Files @{ 'new.txt' = "new $i" } }
        $null = New-ContainerLayer busybox:test -Name mid -StorePath $store
        Copy-ContainerItem -Container mid -Path $twelve -Destination /data -ToContainer -Recurse -StorePath $store
        $upper = Join-Path $store "layertools/containers/$((Get-ContainerLayer mid -StorePath $store).Id)"
        function Get-UpperState {
            Get-ChildItem -Force -Recurse -LiteralPath $upper | Where-Object Name -ne 'lock' | Sort-Object FullName | ForEach-Object {
                $hash = if ($_ -is [IO.FileInfo]) { (Get-FileHash -LiteralPath $_.FullName).Hash }
                "$($_.FullName.Substring($upper.Length)) $($_.UnixFileMode) $($_.LastWriteTimeUtc.Ticks) $hash"
            }
        }
        $before = @(Get-UpperState)
        $failure = Invoke-FullDisk -FreeInodes 165 -What 'a copy over files in a container' -Action { Copy-ContainerItem -Container mid -Path $mid -Destination / -ToContainer -Recurse -StorePath $store -ErrorAction Stop }
        $failure.Exception.Message | Should -Match ([regex]::Escape($mid) + '/zz\d+')
        @(Get-UpperState) | Should -Be $before
        Copy-ContainerItem -Container mid -Path $mid -Destination / -ToContainer -Recurse -StorePath $store
        Get-Content -Raw (Join-Path $upper 'upper/data/f1.bin') | Should -Be 'new f1.bin'
        @(Get-ContainerChange mid -StorePath $store).Count | Should -Be 181
        Remove-ContainerLayer mid -StorePath $store -Confirm:$false
    }

    It 'ConvertTo-LayeredImage' {
        $null = Invoke-FullDisk -Free 4MB -What 'a commit' -Action { ConvertTo-LayeredImage -Container full -Tag committed:1 -StorePath $store -ErrorAction Stop }
        (ConvertTo-LayeredImage -Container full -Tag committed:1 -StorePath $store).ToString() | Should -Be 'committed:1'
    }

    It 'Export-LayeredImage (to the full disk): no temporary file stays beside the destination' {
        $out = Join-Path $disk 'out.tar'
        $null = Invoke-FullDisk -Free 4MB -What 'an export' -Action { Export-LayeredImage twelve:1 -Path $out -StorePath $store -ErrorAction Stop }
        @(Get-ChildItem -Force $disk | Where-Object Name -like '.out.tar*') | Should -BeNullOrEmpty
        Export-LayeredImage twelve:1 -Path $out -StorePath $store
        Test-Path $out | Should -BeTrue
        Remove-Item $out
    }

    It 'Request-LayeredImage and Publish-LayeredImage (a real registry on 127.0.0.1)' {
        . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
        $registry = Start-TestRegistry
        $oldConfig = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = Join-Path $work 'docker-config'
        try {
            # An image the store has no layer of: 8 MB of new data, put in the registry by skopeo.
            $fresh = Join-Path $work 'fresh'
            $null = New-Item -ItemType Directory -Force $fresh
            $bytes = [byte[]]::new(100KB)
            $seeded = [Random]::new(2)
            foreach ($i in 1..80) { $seeded.NextBytes($bytes); [IO.File]::WriteAllBytes((Join-Path $fresh "p$i.bin"), $bytes) }
            $freshTar = New-DockerArchive -Path (Join-Path $work 'fresh.tar') -Images @(@{ Tag = 'fresh:1'; Layers = @($fresh) })
            & skopeo copy --dest-tls-verify=false "docker-archive:${freshTar}:fresh:1" "docker://$($registry.Host)/lib/fresh:1" 2>&1 | Out-Null
            $LASTEXITCODE | Should -Be 0
            $null = Invoke-FullDisk -Free 4MB -What 'a pull' -Action { Request-LayeredImage "$($registry.Host)/lib/fresh:1" -StorePath $store -ErrorAction Stop }
            (Request-LayeredImage "$($registry.Host)/lib/fresh:1" -StorePath $store).Id | Should -Not -BeNullOrEmpty

            # A push compresses the layer into the store first: no room for it.
            Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'layertools/compressed') -ErrorAction SilentlyContinue
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
            $null = Invoke-FullDisk -Free 0 -What 'a push' -Action { Publish-LayeredImage twelve:1 "$($registry.Host)/lib/twelve:1" -StorePath $store -ErrorAction Stop }
            (Publish-LayeredImage twelve:1 "$($registry.Host)/lib/twelve:1" -StorePath $store).Digest | Should -Not -BeNullOrEmpty
        } finally {
            $env:DOCKER_CONFIG = $oldConfig
            $registry | Stop-TestRegistry
        }
    }

    It 'Add-LayeredImageTag, Remove-LayeredImage and New-ContainerLayer' {
        $null = Invoke-FullDisk -Free 0 -What 'a tag' -Action { Add-LayeredImageTag twelve:1 twelve:2 -StorePath $store -ErrorAction Stop }
        $null = Invoke-FullDisk -Free 0 -What 'a removal' -Action { Remove-LayeredImage built:1 -StorePath $store -Confirm:$false -ErrorAction Stop }
        $null = Invoke-FullDisk -Free 0 -What 'a new container' -Action { New-ContainerLayer twelve:1 -Name nospace -StorePath $store -ErrorAction Stop }
        Add-LayeredImageTag twelve:1 twelve:2 -StorePath $store
        Remove-LayeredImage built:1 -StorePath $store -Confirm:$false
        (New-ContainerLayer twelve:1 -Name nospace -StorePath $store).Name | Should -Be 'nospace'
    }

    It 'Mount-ContainerLayer (its layers extracted on the full disk), and Remove-ContainerLayer frees space' {
        $null = New-ContainerLayer twelve:1 -Name mounted -StorePath $store
        $at = Join-Path $work 'full-mount'
        $null = New-Item -ItemType Directory -Force $at
        Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'layertools/snapshots/layers') -ErrorAction SilentlyContinue
        $null = Invoke-FullDisk -Free 4MB -What 'a mount' -Action { Mount-ContainerLayer mounted -Path $at -StorePath $store -ErrorAction Stop }
        @(Get-ChildItem -Force -LiteralPath $at) | Should -BeNullOrEmpty -Because 'nothing was mounted'
        Mount-ContainerLayer mounted -Path $at -StorePath $store
        try { @(Get-ChildItem -LiteralPath $at -Filter 'f*.bin').Count | Should -Be 120 }
        finally { Dismount-ContainerLayer mounted -StorePath $store }
        Set-FreeSpace 0
        try { Remove-ContainerLayer mounted -StorePath $store -Confirm:$false }
        finally { Remove-Item -Force -LiteralPath $filler -ErrorAction SilentlyContinue }
        Get-ContainerLayer -StorePath $store | Where-Object Name -eq 'mounted' | Should -BeNullOrEmpty
        @(Get-StoreLeftover $store) | Should -BeNullOrEmpty
    }

    It 'Optimize-LayerStore frees space on a full disk' {
        Set-FreeSpace 0
        try { $result = Optimize-LayerStore -StorePath $store -Confirm:$false }
        finally { Remove-Item -Force -LiteralPath $filler -ErrorAction SilentlyContinue }
        $result.BytesFreed | Should -BeGreaterThan 0
        @(Test-LayerStore -StorePath $store) | Should -BeNullOrEmpty
    }
}

Describe 'kill -9 at random instants' -Tag Faults {
    BeforeAll {
        $script:store = New-FaultStore
        $script:bigTar = New-DockerArchive -Path (Join-Path $work 'big.tar') -Images @(@{ Tag = 'big:1'; Layers = @((Join-Path $ctx 'data')) })
        Set-Content (Join-Path $ctx 'Dockerfile') "FROM busybox:test`nCOPY data /data`n"
        $layers = foreach ($i in 1..40) { New-TestTree -Root (Join-Path $work "garbage/$i") -Files @{ "g$i.txt" = "garbage $i" } }
        $script:garbageTar = New-DockerArchive -Path (Join-Path $work 'garbage.tar') -Images @(@{ Tag = 'garbage:1'; Layers = @($layers) })
    }

    It 'Import-LayeredImage' {
        Invoke-KillSeries -Name import -Store $store -Command "Import-LayeredImage -Path '$bigTar' -StorePath '{store}'" -Result { (Get-LayeredImage big:1 -StorePath $store).Id } -Reset {
            Remove-LayeredImage big:1 -StorePath $store -Confirm:$false -ErrorAction SilentlyContinue
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
        }
    }

    It 'Build-LayeredImage' {
        Invoke-KillSeries -Name build -Store $store -Command "Build-LayeredImage -Path '$ctx' -Tag copy:1 -NoCache -SourceDateEpoch 1700000000 -StorePath '{store}'" -Result { (Get-LayeredImage copy:1 -StorePath $store).Id } -Reset {
            Remove-LayeredImage copy:1 -StorePath $store -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'ConvertTo-LayeredImage' {
        $null = New-ContainerLayer busybox:test -Name big -StorePath $store
        Copy-ContainerItem -Container big -Path (Join-Path $ctx 'data') -Destination /data -ToContainer -Recurse -StorePath $store
        Invoke-KillSeries -Name commit -Store $store -Command "ConvertTo-LayeredImage -Container big -Tag committed:1 -StorePath '{store}'" -Result { (Get-ImageLayer committed:1 -StorePath $store).DiffId -join ',' } -Reset {
            Remove-LayeredImage committed:1 -StorePath $store -Confirm:$false -ErrorAction SilentlyContinue
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
        }
    }

    It 'Export-LayeredImage: nothing stays beside the destination' {
        $out = Join-Path $work 'export/big.tar'
        $null = New-Item -ItemType Directory -Force (Split-Path $out)
        Invoke-KillSeries -Name export -Store $store -Command "Export-LayeredImage big:1 -Path '$out' -Compression Gzip -Force -StorePath '{store}'" -Reset {
            Remove-Item -Force -LiteralPath $out -ErrorAction SilentlyContinue
            # Forget the gzip form, so that every export compresses again (the collector then takes its blob).
            Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'layertools/compressed') -ErrorAction SilentlyContinue
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
        } -Result {
            @(Get-ChildItem -Force (Split-Path $out)).Name | Should -Be @('big.tar')
            (Get-FileHash -LiteralPath $out).Hash
        }
    }

    It 'Export-LayeredImage as an OCI layout: no temporary file stays in the layout' {
        $layout = Join-Path $work 'export/layout'
        $null = Import-LayeredImage -Path $bigTar -StorePath $store
        Invoke-KillSeries -Name export-layout -Kills 4 -Store $store -Command "Export-LayeredImage big:1 -Path '$layout' -Format OciLayout -Compression Gzip -Force -StorePath '{store}'" -Reset {
            Remove-Item -Recurse -Force -LiteralPath $layout -ErrorAction SilentlyContinue
            # Every export compresses again, as in the series above: work enough for the kills to land.
            Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'layertools/compressed') -ErrorAction SilentlyContinue
            $null = Optimize-LayerStore -StorePath $store -Confirm:$false
        } -Result {
            @(Get-ChildItem -Force -Recurse -LiteralPath $layout | Where-Object Name -like '*.tmp') | Should -BeNullOrEmpty
            (Get-ChildItem -Force -LiteralPath $layout).Name -join ',' | Should -Be 'blobs,index.json,oci-layout'
            (Get-FileHash -LiteralPath (Join-Path $layout 'index.json')).Hash
        }
    }

    It 'Mount-ContainerLayer: a snapshot extracted outside a build is reclaimed, and no mount is lost' {
        $null = Import-LayeredImage -Path $bigTar -StorePath $store
        $null = New-ContainerLayer big:1 -Name mnt -StorePath $store
        $mnt = Join-Path $work 'mnt'
        $null = New-Item -ItemType Directory -Force $mnt
        $dismount = "try { `$null = Dismount-ContainerLayer mnt -StorePath '{store}' -ErrorAction Stop } catch { if (`$_.FullyQualifiedErrorId -notlike 'ContainerNotMounted,*') { throw } }"
        try {
            Invoke-KillSeries -Name mount -Kills 4 -Store $store -Command "$dismount; Mount-ContainerLayer mnt -Path '$mnt' -StorePath '{store}'" -Reset {
                Invoke-Expression $dismount.Replace('{store}', $store)
                # Forget the extracted layers, so that every mount extracts them again.
                Remove-Item -Recurse -Force -LiteralPath (Join-Path $store 'layertools/snapshots/layers') -ErrorAction SilentlyContinue
            } -Result {
                # big:1's one layer is the folder data's content: f1.bin .. f200.bin at the root (no data/ folder).
                # $log is Invoke-KillSeries' log of the run just made: what it said, and the mounts now, should the mount be missing.
                $mounts = @(Get-Content /proc/self/mountinfo | Where-Object { $_ -like "* $mnt *" })
                $files = @(Get-ChildItem -LiteralPath $mnt -Filter 'f*.bin' -File)
                $files.Count | Should -Be 200 -Because "the container is mounted at $mnt with its layer's 200 files (mounts there: $($mounts -join '; '); the command wrote: $(Get-Content -Raw "$log.err" -ErrorAction SilentlyContinue) $(Get-Content -Raw $log -ErrorAction SilentlyContinue))"
                (Get-FileHash -LiteralPath (Join-Path $mnt 'f200.bin')).Hash
            }
        } finally {
            Invoke-Expression $dismount.Replace('{store}', $store)
        }
    }

    It 'Copy-ContainerItem: its staging folder in the container is reclaimed' {
        $null = New-ContainerLayer busybox:test -Name cp -StorePath $store
        Invoke-KillSeries -Name copy -Kills 4 -Store $store -Command "Copy-ContainerItem -Container cp -Path '$(Join-Path $ctx 'data')' -Destination / -ToContainer -Recurse -StorePath '{store}'" -Reset {
            Remove-ContainerLayer cp -StorePath $store -Confirm:$false
            $null = New-ContainerLayer busybox:test -Name cp -StorePath $store
        } -Result { (Get-ContainerChange cp -StorePath $store | ForEach-Object { "$($_.Kind) $($_.Path)" }) -join ',' }
    }

    It 'Optimize-LayerStore' {
        Invoke-KillSeries -Name optimize -Store $store -Command "`$null = Optimize-LayerStore -StorePath '{store}' -Confirm:`$false" -Result { (Get-ChildItem (Join-Path $store 'blobs/sha256')).Name -join ',' } -Reset {
            $null = Import-LayeredImage -Path $garbageTar -StorePath $store
            Remove-LayeredImage garbage:1 -StorePath $store -Confirm:$false
        }
    }
}
