# Test-LayerStore and Optimize-LayerStore on a real store.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages) -StorePath $store
    function Get-BlobCount { @(Get-ChildItem (Join-Path $store 'blobs/sha256')).Count }
}

AfterAll {
    Remove-TestStore
}

Describe 'Test-LayerStore' {
    It 'writes nothing for a healthy store' {
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
    }

    It 'reports a corrupt blob as a StoreProblem naming it' {
        $copy = Join-Path $TestDrive 'corrupt-store'
        Copy-Item -Recurse $store $copy
        $diffId = (Get-ImageLayer app:1 -StorePath $copy)[1].DiffId
        $blob = Join-Path $copy "blobs/sha256/$($diffId.Substring(7))"
        $bytes = [IO.File]::ReadAllBytes($blob)
        $bytes[600] = $bytes[600] -bxor 0xff
        [IO.File]::WriteAllBytes($blob, $bytes)
        $problems = @(Test-LayerStore -StorePath $copy)
        $problems.Count | Should -BeGreaterOrEqual 1
        $problems[0] | Should -BeOfType ([LayerTools.Core.Maintenance.StoreProblem])
        $problems.Target | Should -Contain $diffId
        $problems.Kind | Should -Contain 'BlobDigestMismatch'
    }
}

Describe 'Read-only cmdlets where there is no store' {
    BeforeAll {
        $script:nowhere = Join-Path $TestDrive 'no-store-here'
    }

    It 'Get-LayeredImage -StorePath on a new path returns nothing and creates no folder' {
        Get-LayeredImage -StorePath $nowhere | Should -BeNullOrEmpty
        Test-Path $nowhere | Should -BeFalse
    }

    It 'Get-ImageHistory, Get-ImageLayer and Get-LayerFile report ImageNotFound and create no folder' {
        { Get-ImageHistory app:1 -StorePath $nowhere -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetImageHistoryCommand'
        { Get-ImageLayer app:1 -StorePath $nowhere -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetImageLayerCommand'
        { Get-LayerFile app:1 / -StorePath $nowhere -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetLayerFileCommand'
        Test-Path $nowhere | Should -BeFalse
    }

    It 'Test-LayerStore reports StoreNotFound and creates no folder' {
        { Test-LayerStore -StorePath $nowhere -ErrorAction Stop } |
            Should -Throw -ErrorId 'StoreNotFound,LayerTools.Commands.TestLayerStoreCommand'
        Test-Path $nowhere | Should -BeFalse
    }

    It 'tab completion of an image name creates no store either' {
        $line = "Get-ImageHistory -StorePath '$nowhere' ap"
        $null = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        Test-Path $nowhere | Should -BeFalse
    }
}

Describe 'Optimize-LayerStore' {
    It 'changes nothing with -WhatIf, then removes what nothing references' {
        Remove-LayeredImage app:1 -StorePath $store -Confirm:$false
        $before = Get-BlobCount
        Optimize-LayerStore -StorePath $store -WhatIf | Should -BeNullOrEmpty
        Get-BlobCount | Should -Be $before

        $result = Optimize-LayerStore -StorePath $store -Confirm:$false
        $result | Should -BeOfType ([LayerTools.Core.Maintenance.CollectResult])
        $result.Removed | Should -BeTrue
        $result.BlobCount | Should -Be 3    # app:1's manifest, config and top layer
        $result.BytesFreed | Should -BeGreaterThan 0
        Get-BlobCount | Should -Be ($before - 3)
        Get-LayeredImage base:1 -StorePath $store | Get-LayerFile -Path /etc/old.conf | Should -Not -BeNullOrEmpty
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
    }

    It 'says in its What if message how many blobs and bytes would go' {
        $null = Import-LayeredImage -Path (Join-Path $TestDrive 'fixtures.tar') -StorePath $store
        Remove-LayeredImage app:1 -StorePath $store -Confirm:$false
        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        $text = Invoke-ChildPwsh "Import-Module '$module'; Optimize-LayerStore -StorePath '$store' -WhatIf" 2>&1 | Out-String
        $text | Should -Match 'What if: .*Remove 3 unreferenced blobs, freeing \d'
        (Optimize-LayerStore -StorePath $store -Confirm:$false).BlobCount | Should -Be 3
    }

    It 'prunes with -Dangling the untagged images a rebuild left behind, and says so in its What if message' {
        $ctx = Join-Path $TestDrive 'dangling'
        $null = New-Item -ItemType Directory -Force $ctx
        Set-Content (Join-Path $ctx 'Dockerfile') "FROM base:1`nCOPY v.txt /v.txt"
        Set-Content (Join-Path $ctx 'v.txt') 'one'
        $first = Build-LayeredImage $ctx -Tag rebuilt:1 -StorePath $store
        Set-Content (Join-Path $ctx 'v.txt') 'two'
        $second = Build-LayeredImage $ctx -Tag rebuilt:1 -StorePath $store
        Get-LayeredImage -StorePath $store | Where-Object Id -EQ $first.Id | Should -Not -BeNullOrEmpty

        (Optimize-LayerStore -StorePath $store -Confirm:$false).ImageCount | Should -Be 0
        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        $text = Invoke-ChildPwsh "Import-Module '$module'; Optimize-LayerStore -Dangling -StorePath '$store' -WhatIf" 2>&1 | Out-String
        $text | Should -Match 'What if: .*Remove 1 untagged image and 2 unreferenced blobs'
        $result = Optimize-LayerStore -Dangling -StorePath $store -Confirm:$false
        $result.ImageCount | Should -Be 1
        Get-LayeredImage -StorePath $store | Where-Object Id -EQ $first.Id | Should -BeNullOrEmpty
        (Get-LayeredImage rebuilt:1 -StorePath $store).Id | Should -Be $second.Id
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
    }
}
