# Compare-Layer, Measure-LayeredImage and Get-LayerStore on crafted images whose right answers are known by construction.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)

    function New-BinaryFile([string] $Path, [int] $Length, [byte] $Fill) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        $bytes = [byte[]]::new($Length)
        if ($Fill) { [Array]::Fill($bytes, $Fill) }
        [IO.File]::WriteAllBytes($Path, $bytes)
    }

    # waste:1  layer 0: /data/big (10 MiB of zeros), /data/keep.txt (5 bytes)
    #          layer 1: /data/big again, 10 MiB of ones: the 10 MiB below are wasted, exactly.
    # meta:1   layer 0: /tools/run.sh mode 0644
    # meta:2   meta:1's layer + a layer with the same /tools/run.sh, mode 0755 (a chmod, nothing else).
    $script:tenMiB = 10 * 1024 * 1024
    $w0 = Join-Path $TestDrive 'w0'; $w1 = Join-Path $TestDrive 'w1'
    New-BinaryFile (Join-Path $w0 'data/big') $tenMiB 0
    [IO.File]::WriteAllText((Join-Path $w0 'data/keep.txt'), 'keep!')
    New-BinaryFile (Join-Path $w1 'data/big') $tenMiB 1
    $m0 = Join-Path $TestDrive 'm0'; $m1 = Join-Path $TestDrive 'm1'
    foreach ($m in $m0, $m1) {
        $null = New-Item -ItemType Directory -Force (Join-Path $m 'tools')
        [IO.File]::WriteAllText((Join-Path $m 'tools/run.sh'), "#!/bin/sh`necho run`n")
        & chmod 0755 $m (Join-Path $m 'tools')
    }
    & chmod 0644 (Join-Path $m0 'tools/run.sh')
    & chmod 0755 (Join-Path $m1 'tools/run.sh')
    $archive = Join-Path $TestDrive 'analysis.tar'
    New-DockerArchive -Path $archive -Images @(
        @{ Tag = 'waste:1'; Layers = @($w0, $w1) }
        @{ Tag = 'meta:1'; Layers = @($m0) }
        @{ Tag = 'meta:2'; Layers = @($m0, $m1) }
    ) | Out-Null
    $null = Import-LayeredImage -Path $archive

    # A layer's size measured apart from Get-ImageLayer: the length of its blob file in the store.
    function script:Get-BlobLength([string] $DiffId) {
        (Get-Item -LiteralPath (Join-Path $store "blobs/sha256/$($DiffId.Substring(7))")).Length
    }
}

AfterAll {
    Remove-TestStore
}

Describe 'Compare-Layer' {
    It 'lists what one image changed against another, ordered by path' {
        $changes = @(Compare-Layer base:1 app:1)
        $changes | Should -BeOfType ([LayerTools.Core.Analysis.LayerChange])
        $text = $changes | ForEach-Object { "$($_.Change) $($_.LayerPath)" }
        $text | Should -Be @(
            'Added /app'
            'Added /app/hello.sh'
            'Added /etc/app.conf'
            'Removed /etc/old.conf'
            'Removed /opt/data/a.txt'
            'Removed /opt/data/b.txt'
            'Added /opt/data/c.txt'
        )
        $hello = $changes | Where-Object LayerPath -EQ '/app/hello.sh'
        $hello.ReferenceSize | Should -BeNullOrEmpty
        $hello.DifferenceSize | Should -Be 21
        $hello.Reference | Should -Be 'base:1'
        $hello.Difference | Should -Be 'app:1'
        (Compare-Layer app:1 app:1) | Should -BeNullOrEmpty
    }

    It 'takes images from Get-LayeredImage and finds a layer by its DiffID or a prefix of it' {
        $layers = Get-ImageLayer app:1
        @(Compare-Layer (Get-LayeredImage base:1) (Get-LayeredImage app:1)).Count | Should -Be 7
        # The base layer alone is exactly base:1.
        Compare-Layer $layers[0].DiffId base:1 | Should -BeNullOrEmpty
        Compare-Layer $layers[0].DiffId.Substring(0, 20) base:1 | Should -BeNullOrEmpty
        (Compare-Layer $layers[1].DiffId.Substring(7, 12) app:1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Select-Object -First 1).Message |
            Should -Match '^Comparing layer [0-9a-f]{12} with app:1'
    }

    It 'compares the last two piped layers as what each holds: what the top layer changed, whiteouts included' {
        $changes = @(Get-ImageLayer app:1 | Select-Object -Last 2 | Compare-Layer)
        $byPath = @{}; foreach ($c in $changes) { $byPath[$c.LayerPath] = $c }
        # A layer on its own keeps its whiteouts under their tar names.
        $byPath['/etc/.wh.old.conf'].Change | Should -Be 'Added'
        $byPath['/etc/.wh.old.conf'].DifferenceType | Should -Be 'Whiteout'
        $byPath['/opt/data/.wh..wh..opq'].DifferenceType | Should -Be 'OpaqueWhiteout'
        $byPath['/etc/old.conf'].Change | Should -Be 'Removed'
        $byPath['/etc/old.conf'].Description | Should -Be 'file removed (whiteout)'
        $byPath['/opt/data/a.txt'].Description | Should -Be 'file removed (opaque directory /opt/data)'
        $byPath['/app/hello.sh'].Change | Should -Be 'Added'
        # Files the top layer never touched are not reported.
        $byPath.Keys | Should -Not -Contain '/usr/bin/busybox'
        $byPath.Keys | Should -Not -Contain '/etc/os-release'
        $byPath.Keys | Should -Not -Contain '/etc/keep.conf'
        $changes[0].Reference | Should -Be 'layer 0 of app:1'
        $changes[0].Difference | Should -Be 'layer 1 of app:1'
    }

    It 'warns when more than two objects are piped, and refuses fewer than two' {
        $null = 'base:1', 'base:1', 'app:1' | Compare-Layer -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings[0].Message | Should -Match 'compares the last two'
        { 'base:1' | Compare-Layer -ErrorAction Stop } | Should -Throw -ErrorId 'TooFewToCompare,LayerTools.Commands.CompareLayerCommand'
    }

    It 'compares each piped object with -Reference' {
        $counts = @('base:1', 'app:1' | Compare-Layer -Reference base:1 | Group-Object Difference -NoElement)
        $counts.Name | Should -Be @('app:1')
        $counts.Count | Should -Be 1
        $counts[0].Count | Should -Be 7
    }

    It 'compares an image with a host directory given by a relative path, a PowerShell drive or Get-Item' {
        $site = New-TestTree -Root (Join-Path $TestDrive 'site') -Files @{
            'etc/os-release' = "ID=changed`n"
            'etc/old.conf' = "old`n"
            'etc/keep.conf' = "keep`n"
            'usr/bin/busybox' = ('x' * 2048)
            'usr/bin/bash' = 'bash'
            'opt/data/a.txt' = 'a'
            'opt/data/b.txt' = 'b'
            'new.txt' = 'new'
        } -Links @{ 'bin' = 'usr/bin' }
        $expected = @('Added /new.txt', 'Modified /etc/os-release')
        $fromDrive = @(Compare-Layer base:1 'TestDrive:\site' -Property Content)
        ($fromDrive | ForEach-Object { "$($_.Change) $($_.LayerPath)" } | Sort-Object) | Should -Be $expected
        $os = $fromDrive | Where-Object LayerPath -EQ '/etc/os-release'
        $os.Details | Should -Be 'Content'
        $os.ReferenceSize | Should -Be 8
        $os.DifferenceSize | Should -Be 11
        $os.Difference | Should -Be $site
        Push-Location $TestDrive
        try {
            (@(Compare-Layer base:1 ./site -Property Content) | ForEach-Object { "$($_.Change) $($_.LayerPath)" } | Sort-Object) | Should -Be $expected
        }
        finally {
            Pop-Location
        }
        (@(Compare-Layer (Get-Item $site) base:1 -Property Content) | ForEach-Object { "$($_.Change) $($_.LayerPath)" } | Sort-Object) |
            Should -Be @('Modified /etc/os-release', 'Removed /new.txt')
    }

    It 'maps -Path on both sides when one side is a folder (help example 3: an image against the folder it was built from)' {
        $null = New-TestTree -Root (Join-Path $TestDrive 'built/site') -Files @{ 'hello.sh' = "#!/bin/sh`necho hello`n"; 'extra.txt' = 'x' }
        Push-Location (Join-Path $TestDrive 'built')
        try {
            $changes = @(Compare-Layer app:1 ./site -Path /app -Property Content)
            ($changes | ForEach-Object { "$($_.Change) $($_.LayerPath)" }) | Should -Be @('Added /app/extra.txt')
            $changes[0].Path | Should -Be (Join-Path (Join-Path $TestDrive 'built/site') 'extra.txt')
            [IO.File]::WriteAllText((Join-Path $TestDrive 'built/site/hello.sh'), 'changed')
            (Compare-Layer app:1 ./site -Path /app -Property Content | Where-Object Change -EQ Modified).LayerPath | Should -Be '/app/hello.sh'
        }
        finally {
            Pop-Location
        }
    }

    It 'with -Property Metadata shows a chmod-only change with its details, which -Property Content does not see' {
        $changes = @(Compare-Layer meta:1 meta:2 -Property Metadata)
        $changes.Count | Should -Be 1
        $changes[0].LayerPath | Should -Be '/tools/run.sh'
        $changes[0].Change | Should -Be 'MetadataChanged'
        $changes[0].Details | Should -Be 'Mode'
        $changes[0].Description | Should -Be 'mode -rw-r--r-- → -rwxr-xr-x'
        Compare-Layer meta:1 meta:2 -Property Content | Should -BeNullOrEmpty
        (Compare-Layer meta:1 meta:2).Change | Should -Be 'MetadataChanged'
    }

    It 'reports only the paths -Path selects' {
        (Compare-Layer base:1 app:1 -Path /opt).LayerPath | Should -Be @('/opt/data/a.txt', '/opt/data/b.txt', '/opt/data/c.txt')
        (Compare-Layer base:1 app:1 -Path '/etc/*.conf').LayerPath | Should -Be @('/etc/app.conf', '/etc/old.conf')
        (Compare-Layer base:1 app:1 -Path 'app').LayerPath | Should -Be @('/app', '/app/hello.sh')
        Compare-Layer base:1 app:1 -Path /nothing | Should -BeNullOrEmpty
    }

    It 'compares a container with its image, given as an object or by name' {
        $c = New-ContainerLayer app:1 -Name compare-me
        $note = Join-Path $TestDrive 'note.txt'
        Set-Content $note 'written in the container'
        Copy-ContainerItem -Container compare-me -Path $note -Destination /note.txt -ToContainer
        $changes = @(Compare-Layer app:1 $c)
        $changes.LayerPath | Should -Be @('/note.txt')
        $changes[0].Change | Should -Be 'Added'
        (Compare-Layer app:1 compare-me).LayerPath | Should -Be @('/note.txt')
        $piped = Compare-Layer app:1 compare-me
        $piped.Path | Should -Be ("Container:{0}compare-me{0}note.txt" -f [IO.Path]::DirectorySeparatorChar)
        (Compare-Layer compare-me app:1).Path | Should -Be ("Image:{0}app:1{0}note.txt" -f [IO.Path]::DirectorySeparatorChar)
        Remove-ContainerLayer compare-me -Confirm:$false
    }

    It 'writes errors with stable ids for sides it cannot find' {
        { Compare-Layer base:1 no-such-image:9 -ErrorAction Stop } | Should -Throw -ErrorId 'ComparisonSideNotFound,LayerTools.Commands.CompareLayerCommand'
        $file = Join-Path $TestDrive 'plain.txt'
        Set-Content -LiteralPath $file -Value 'x'
        { Compare-Layer base:1 $file -ErrorAction Stop } | Should -Throw -ErrorId 'NotADirectory,LayerTools.Commands.CompareLayerCommand'
        { Compare-Layer base:1 'sha256:0000000000000000000000000000000000000000000000000000000000000000' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ComparisonSideNotFound,LayerTools.Commands.CompareLayerCommand'
        $null = Compare-Layer base:1 nothing:1 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].TargetObject | Should -Be 'nothing:1'
    }
}

Describe 'Measure-LayeredImage' {
    It 'counts a layer that overwrites a 10 MiB file as exactly 10 MiB wasted, with the path and its layers' {
        $a = Measure-LayeredImage waste:1
        $a | Should -BeOfType ([LayerTools.Core.Analysis.ImageAnalysis])
        $a.Image | Should -Be 'waste:1'
        $a.WastedBytes | Should -Be $tenMiB
        $a.LayerCount | Should -Be 2
        $a.Size | Should -Be ((Get-ImageLayer waste:1).DiffId | ForEach-Object { Get-BlobLength $_ } | Measure-Object -Sum).Sum
        $a.Size | Should -BeGreaterThan (2 * $tenMiB)
        $a.WastedPaths[0].LayerPath | Should -Be '/data/big'
        $a.WastedPaths[0].WastedBytes | Should -Be $tenMiB
        $a.WastedPaths[0].LayerIndexes | Should -Be @(0, 1)
        $a.WastedPaths[0].Removed | Should -BeFalse
        # dive: the smallest copy of each path over all copies.
        $a.Efficiency | Should -BeGreaterThan (($tenMiB + 5) / (2 * $tenMiB + 5) - 1e-9)
        $a.Efficiency | Should -BeLessThan (($tenMiB + 5) / (2 * $tenMiB + 5) + 1e-9)
        (Measure-LayeredImage meta:1).WastedBytes | Should -Be 0
        (Measure-LayeredImage meta:1).Efficiency | Should -Be 1
    }

    It 'counts deleted files as wasted' {
        $a = Measure-LayeredImage app:1
        # old.conf (4 bytes) whited out; a.txt and b.txt (1 byte each) hidden by the opaque directory.
        $a.WastedBytes | Should -Be 6
        ($a.WastedPaths | Where-Object LayerPath -EQ '/etc/old.conf').Removed | Should -BeTrue
    }

    It 'writes WastedBytesExceeded after the analysis when -MaximumWastedBytes is crossed, so $? is false' {
        $result = Measure-LayeredImage waste:1 -MaximumWastedBytes 1MB -ErrorVariable failed -ErrorAction SilentlyContinue
        $succeeded = $?
        $succeeded | Should -BeFalse
        $result.WastedBytes | Should -Be $tenMiB
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'WastedBytesExceeded,LayerTools.Commands.MeasureLayeredImageCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $failed[0].TargetObject | Should -Be 'waste:1'
        $failed[0].Exception.Message | Should -Match '^waste:1 wastes 10.5MB \(10485760 bytes\), more than -MaximumWastedBytes 1.05MB \(1048576 bytes\)\. The largest: /data/big'
        { Measure-LayeredImage waste:1 -MaximumWastedBytes 1MB -ErrorAction Stop } |
            Should -Throw -ErrorId 'WastedBytesExceeded,LayerTools.Commands.MeasureLayeredImageCommand'
    }

    It 'passes an image within -MaximumWastedBytes' {
        $result = Measure-LayeredImage waste:1 -MaximumWastedBytes 10MB -ErrorVariable failed
        $succeeded = $?
        $succeeded | Should -BeTrue
        $failed | Should -BeNullOrEmpty
        $result.Image | Should -Be 'waste:1'
    }

    It 'writes EfficiencyBelowMinimum when -MinimumEfficiency is not reached' {
        $result = Measure-LayeredImage waste:1 -MinimumEfficiency 0.9 -ErrorVariable failed -ErrorAction SilentlyContinue
        $succeeded = $?
        $succeeded | Should -BeFalse
        $result | Should -Not -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -Be 'EfficiencyBelowMinimum,LayerTools.Commands.MeasureLayeredImageCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $null = Measure-LayeredImage waste:1 -MinimumEfficiency 0.5 -ErrorVariable passed
        $passed | Should -BeNullOrEmpty
        { Measure-LayeredImage waste:1 -MinimumEfficiency 0.51 -ErrorAction Stop } |
            Should -Throw -ErrorId 'EfficiencyBelowMinimum,LayerTools.Commands.MeasureLayeredImageCommand'
    }

    It 'gates only the images past the limit when several are measured' {
        $results = @('waste:1', 'meta:1' | Measure-LayeredImage -MaximumWastedBytes 1MB -ErrorVariable failed -ErrorAction SilentlyContinue)
        $results.Image | Should -Be @('waste:1', 'meta:1')
        $failed.Count | Should -Be 1
        "$($failed[0].TargetObject)" | Should -Be 'waste:1'
    }

    It 'splits sizes into shared and unique as docker system df -v does, over piped images' {
        $layers = @((Get-ImageLayer app:1).DiffId | ForEach-Object { Get-BlobLength $_ })
        $results = @('base:1', 'app:1' | Measure-LayeredImage)
        $results.Image | Should -Be @('base:1', 'app:1')
        $results[0].SharedSize | Should -Be $layers[0]
        $results[0].UniqueSize | Should -Be 0
        $results[1].SharedSize | Should -Be $layers[0]
        $results[1].UniqueSize | Should -Be $layers[1]
        (Measure-LayeredImage meta:2).SharedSize | Should -Be (Get-BlobLength (Get-ImageLayer meta:1).DiffId)
    }

    It 'lists the -Top most wasteful paths, and writes ImageNotFound for a missing image while measuring the rest' {
        (Measure-LayeredImage app:1 -Top 1).WastedPaths.Count | Should -Be 1
        (Measure-LayeredImage app:1 -Top 0).WastedPaths.Count | Should -Be 0
        $results = @(Measure-LayeredImage -Image 'missing:1', 'meta:1' -ErrorVariable failed -ErrorAction SilentlyContinue)
        $results.Image | Should -Be @('meta:1')
        $failed[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,LayerTools.Commands.MeasureLayeredImageCommand'
    }
}

Describe 'Get-LayerStore' {
    BeforeAll {
        # A store of its own: the two fixture images that share their base layer.
        $script:outer = $env:LAYERTOOLS_STORE
        $script:own = New-TestStore
        $env:LAYERTOOLS_STORE = $outer
        $null = Import-LayeredImage -Path (New-FixtureImages) -StorePath $own
        $script:blobSize = { param($digest) (Get-Item -LiteralPath (Join-Path $own "blobs/sha256/$($digest.Substring(7))")).Length }
    }

    It 'counts images, tags and layers, and the bytes of the shared base layer' {
        $s = Get-LayerStore -StorePath $own
        $s | Should -BeOfType ([LayerTools.Core.Maintenance.StoreSummary])
        $s.StorePath | Should -Be $own
        $s.Images | Should -Be 2
        $s.Tags | Should -Be 2
        $s.Layers | Should -Be 2
        $s.Containers | Should -Be 0
        $s.CacheEntries | Should -Be 0
        $base = Get-ImageLayer base:1 -StorePath $own
        $s.SharedBytes | Should -Be $base[0].Size
        $s.ReclaimableBytes | Should -Be 0
        $blobs = (Get-ChildItem -File (Join-Path $own 'blobs/sha256') | Measure-Object Length -Sum).Sum
        $s.BlobBytes | Should -Be $blobs
        $all = (Get-ChildItem -File -Recurse $own | Measure-Object Length -Sum).Sum
        $s.TotalBytes | Should -Be $all
    }

    It 'tells what removing an image makes reclaimable' {
        $app = Get-LayeredImage app:1 -StorePath $own
        $expected = (& $blobSize $app.ManifestDigest) + (& $blobSize $app.Id) + (& $blobSize $app.Layers[1])
        Remove-LayeredImage app:1 -StorePath $own -Confirm:$false
        $s = Get-LayerStore -StorePath $own
        $s.Images | Should -Be 1
        $s.SharedBytes | Should -Be 0
        $s.ReclaimableBlobs | Should -Be 3
        $s.ReclaimableBytes | Should -BeGreaterOrEqual $expected
    }
}

Describe 'Analysis views and completion' {
    It 'shows changes like docker diff, sizes human-readable' {
        $text = Compare-Layer base:1 app:1 | Format-Table | Out-String -Width 200
        $text | Should -Match 'Compared: base:1 → app:1'
        $text | Should -Match 'Change\s+Reference\s+Difference\s+Description\s+Path'
        $text | Should -Match 'Added\s+21B\s+file added\s+/app/hello.sh'
        $text | Should -Match 'Removed\s+4B\s+file removed\s+/etc/old.conf'
    }

    It 'shows analyses as a table and, with Format-List, the most wasteful paths' {
        $table = Measure-LayeredImage waste:1 | Format-Table | Out-String -Width 200
        $table | Should -Match 'SIZE\s+WASTED\s+EFFICIENCY\s+LAYERS\s+SHARED\s+UNIQUE\s+IMAGE'
        $table | Should -Match '21MB\s+10.5MB\s+50%\s+2\s+0B\s+21MB\s+waste:1'
        $list = Measure-LayeredImage waste:1 | Format-List | Out-String -Width 200
        $list | Should -Match 'WastedBytes\s+: 10.5MB'
        $list | Should -Match 'Efficiency\s+: 50%'
        $list | Should -Match '10.5MB\s+/data/big\s+\(layers 0, 1\)'
        (Measure-LayeredImage app:1).WastedPaths | Format-Table | Out-String | Should -Match 'WASTED\s+COUNT\s+LAYERS\s+REMOVED\s+PATH'
    }

    It 'shows the store summary as a list by default and as a table on request' {
        $list = Get-LayerStore | Out-String -Width 200
        foreach ($label in 'Images', 'Tags', 'Layers', 'Containers', 'CacheEntries', 'Total', 'Shared', 'Reclaimable') {
            $list | Should -Match "(?m)^$label\s+: "
        }
        $list | Should -Match '(?m)^Total\s+: \d+(\.\d+)?[kMG]?B$'
        Get-LayerStore | Format-Table | Out-String -Width 200 | Should -Match 'IMAGES\s+TAGS\s+LAYERS\s+CONTAINERS\s+CACHE\s+TOTAL\s+SHARED\s+RECLAIMABLE\s+STORE'
    }

    It 'completes image names for Compare-Layer and Measure-LayeredImage' {
        $line = 'Compare-Layer ap'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('app:1')
        $line = 'Compare-Layer base:1 -Difference me'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('meta:1', 'meta:2')
        $line = 'Measure-LayeredImage wa'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('waste:1')
    }
}
