# Races between processes on one store: nothing the store references may go missing.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'FaultHelpers.ps1')
    Import-LayerToolsForTest

    function Start-OptimizeLoop {
        # Another process that runs Optimize-LayerStore over and over until $StopFile appears (at most $MaxSeconds).
        param([string] $Store, [string] $StopFile, [int] $MaxSeconds = 240)
        $module = $env:LAYERTOOLS_TEST_MODULE
        if (-not $module) { $module = Join-Path $PSScriptRoot '../../out/LayerTools' }
        $exe = (Get-Process -Id $PID).Path
        [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $command = @"
Import-Module '$(Join-Path $module 'LayerTools.psd1')' -ErrorAction Stop
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$runs = 0
while (-not (Test-Path -LiteralPath '$StopFile') -and `$watch.Elapsed.TotalSeconds -lt $MaxSeconds) {
    `$null = Optimize-LayerStore -StorePath '$Store' -Confirm:`$false
    `$runs++
    if (`$runs -eq 1) { Set-Content -LiteralPath '$StopFile.ready' -Value 1 }
}
Set-Content -LiteralPath '$StopFile.runs' -Value `$runs
"@
        $process = Start-Process -FilePath $exe -ArgumentList ($prefix + @('-NoProfile', '-NonInteractive', '-Command', $command)) -PassThru
        # Race only once the loop is collecting.
        $watch = [Diagnostics.Stopwatch]::StartNew()
        while (-not (Test-Path -LiteralPath "$StopFile.ready") -and -not $process.HasExited -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 50 }
        if (-not (Test-Path -LiteralPath "$StopFile.ready")) { throw 'the Optimize-LayerStore loop did not start' }
        return $process
    }

    function Stop-OptimizeLoop {
        param($Process, [string] $StopFile)
        $null = New-Item -ItemType File -Force $StopFile
        if (-not $Process.WaitForExit(60000)) { $Process.Kill(); throw 'the Optimize-LayerStore loop did not stop' }
        return [int](Get-Content -LiteralPath "$StopFile.runs")
    }
}

AfterAll {
    Remove-TestStore
}

Describe 'Import racing Optimize-LayerStore in another process' {
    BeforeAll {
        $script:store = New-TestStore
        $shared = New-TestTree -Root (Join-Path $TestDrive 'shared') -Files @{ 'etc/shared.conf' = "shared`n"; 'usr/bin/tool' = ('t' * 4096) }
        $big = Join-Path $TestDrive 'big'
        $null = New-Item -ItemType Directory -Force $big
        $bytes = [byte[]]::new(24MB)
        [Random]::new(9).NextBytes($bytes)
        [IO.File]::WriteAllBytes((Join-Path $big 'data.bin'), $bytes)
        $script:seed = New-DockerArchive -Path (Join-Path $TestDrive 'seed.tar') -Images @(@{ Tag = 'seed:1'; Layers = @($shared) })
        # app:1's first layer is seed:1's only layer; its second takes a while to copy in.
        $script:app = New-DockerArchive -Path (Join-Path $TestDrive 'app.tar') -Images @(@{ Tag = 'app:1'; Layers = @($shared, $big) })
    }

    It 'never leaves app:1 referring to a layer blob the collector removed (12 runs)' {
        $stop = Join-Path $TestDrive 'stop-import-race'
        $loop = Start-OptimizeLoop -Store $store -StopFile $stop
        $broken = @()
        try {
            foreach ($i in 1..12) {
                # The shared layer is in the store and no image references it when the import finds it there.
                $null = Import-LayeredImage -Path $seed -StorePath $store
                Remove-LayeredImage seed:1 -StorePath $store -Confirm:$false
                $null = Import-LayeredImage -Path $app -StorePath $store
                foreach ($layer in Get-ImageLayer app:1 -StorePath $store) {
                    if (-not (Test-Path -LiteralPath (Join-Path $store "blobs/sha256/$($layer.DiffId.Substring(7))"))) { $broken += "run ${i}: $($layer.DiffId) is missing" }
                }
                if ($i -lt 12) { Remove-LayeredImage app:1 -StorePath $store -Confirm:$false }
            }
        }
        finally {
            $runs = Stop-OptimizeLoop -Process $loop -StopFile $stop
        }
        $runs | Should -BeGreaterThan 0
        $broken | Should -BeNullOrEmpty
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
        $out = Join-Path $TestDrive 'app-out.tar'
        Export-LayeredImage app:1 -Path $out -StorePath $store
        Test-Path $out | Should -BeTrue
    }
}

Describe 'Builds and imports at once' {
    BeforeAll {
        $script:store = New-TestStore
        $script:work = Join-Path $TestDrive 'together'
        $rootfs = New-TestTree -Root (Join-Path $work 'rootfs') -Files @{ 'etc/os-release' = "ID=test`n"; 'bin/tool' = ('b' * 4096) }
        $null = Import-LayeredImage -Path $rootfs -Tag base:1 -StorePath $store
        $script:ctx = New-TestTree -Root (Join-Path $work 'ctx') -Files @{ 'Dockerfile' = "FROM base:1`nCOPY a /a`nCOPY b /b`n"; 'a/one.txt' = ('1' * 100000); 'b/two.txt' = ('2' * 100000) }
        $script:archive = New-DockerArchive -Path (Join-Path $work 'one.tar') -Images @(@{ Tag = 'ignored:1'; Layers = @((Join-Path $ctx 'a'), (Join-Path $ctx 'b')) })

        function Wait-Children {
            param([object[]] $Children, [string[]] $Logs)
            for ($i = 0; $i -lt $Children.Count; $i++) {
                if (-not $Children[$i].WaitForExit(180000)) { $Children[$i].Kill(); throw "child $i did not finish" }
                $Children[$i].ExitCode | Should -Be 0 -Because (Get-Content -Raw "$($Logs[$i]).err" -ErrorAction SilentlyContinue)
            }
        }
    }

    It 'a build racing an Optimize-LayerStore loop in another process never refers to a missing blob (6 runs)' {
        $stop = Join-Path $TestDrive 'stop-build-race'
        $loop = Start-OptimizeLoop -Store $store -StopFile $stop
        try {
            foreach ($i in 1..6) {
                $image = Build-LayeredImage -Path $ctx -Tag raced:1 -NoCache -SourceDateEpoch 1700000000 -StorePath $store
                foreach ($layer in Get-ImageLayer raced:1 -StorePath $store) {
                    Test-Path -LiteralPath (Join-Path $store "blobs/sha256/$($layer.DiffId.Substring(7))") | Should -BeTrue -Because "run $i"
                }
                Remove-LayeredImage raced:1 -StorePath $store -Confirm:$false
            }
        }
        finally {
            $runs = Stop-OptimizeLoop -Process $loop -StopFile $stop
        }
        $runs | Should -BeGreaterThan 0
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
    }

    It '4 parallel builds all succeed with the same image' {
        $logs = 1..4 | ForEach-Object { Join-Path $work "build-$_.log" }
        $children = 1..4 | ForEach-Object { Start-ChildCommand -Log $logs[$_ - 1] -Command "Build-LayeredImage -Path '$ctx' -Tag par:$_ -NoCache -SourceDateEpoch 1700000000 -StorePath '$store'" }
        Wait-Children $children $logs
        @(1..4 | ForEach-Object { (Get-LayeredImage "par:$_" -StorePath $store).Id } | Select-Object -Unique).Count | Should -Be 1
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
        @(Get-StoreLeftover $store) | Should -BeNullOrEmpty
    }

    It '4 parallel imports of one tag leave one image under it' {
        $logs = 1..4 | ForEach-Object { Join-Path $work "import-$_.log" }
        $children = 1..4 | ForEach-Object { Start-ChildCommand -Log $logs[$_ - 1] -Command "Import-LayeredImage -Path '$archive' -Tag one:1 -StorePath '$store'" }
        Wait-Children $children $logs
        @(Get-LayeredImage one:1 -StorePath $store).Count | Should -Be 1
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
        @(Get-StoreLeftover $store) | Should -BeNullOrEmpty
    }
}
