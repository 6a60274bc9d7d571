# Importing, listing, history, layers, tags and removal, as a user types them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:archive = New-FixtureImages
    $script:imported = @(Import-LayeredImage -Path $archive)
}

AfterAll {
    Remove-TestStore
}

Describe 'Import-LayeredImage' {
    It 'imports every image of a docker-archive as LayeredImage objects' {
        $imported.Count | Should -Be 2
        $imported | ForEach-Object { $_ | Should -BeOfType ([LayerTools.Core.Images.LayeredImage]) }
        ($imported.Reference | Sort-Object) | Should -Be @('app:1', 'base:1')
        ($imported | Where-Object Reference -EQ 'app:1').LayerCount | Should -Be 2
        $imported[0].StorePath | Should -Be $store
    }

    It 'imports a directory as a one-layer image with -Tag' {
        $dir = New-TestTree -Root (Join-Path $TestDrive 'rootfs') -Files @{ 'etc/hostname' = 'box'; 'srv/index.html' = '<p>hi</p>' }
        $image = Import-LayeredImage -Path $dir -Tag 'dir:1'
        $image.Reference | Should -Be 'dir:1'
        $image.LayerCount | Should -Be 1
        (Get-LayerFile dir:1 /srv).LayerPath | Should -Be '/srv/index.html'
        $history = @(Get-ImageHistory dir:1)
        $history.Count | Should -Be 1
        $history[0].CreatedBy | Should -Be 'ADD rootfs /'
        $history[0].Comment | Should -Be 'Imported by LayerTools'
        (Get-ImageLayer dir:1).CreatedBy | Should -Be 'ADD rootfs /'
        Get-ImageHistory dir:1 | Format-Table | Out-String | Should -Match 'Imported by LayerTools\s+ADD rootfs /'
    }

    It 'takes files from Get-ChildItem through the pipeline' {
        $other = Join-Path $TestDrive 'piped'
        $null = New-Item -ItemType Directory $other
        Copy-Item $archive (Join-Path $other 'one.tar')
        $images = @(Get-ChildItem (Join-Path $other '*.tar') | Import-LayeredImage)
        $images.Count | Should -Be 2
        ($images | Where-Object Reference -EQ 'base:1').Id | Should -Be ($imported | Where-Object Reference -EQ 'base:1').Id
    }

    It 'resolves wildcards in -Path and reports a missing path with PathNotFound' {
        @(Import-LayeredImage -Path (Join-Path $TestDrive 'fixt*.tar')).Count | Should -Be 2
        { Import-LayeredImage -Path (Join-Path $TestDrive 'nope.tar') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound,LayerTools.Commands.ImportLayeredImageCommand'
    }

    It 'refuses a malformed -Tag with InvalidReference' {
        { Import-LayeredImage -Path $archive -Tag 'Bad Name:1' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidReference,LayerTools.Commands.ImportLayeredImageCommand'
    }
}

Describe 'Get-LayeredImage' {
    It 'lists every image' {
        (Get-LayeredImage).Reference | Should -Contain 'app:1'
        (Get-LayeredImage).Reference | Should -Contain 'base:1'
    }

    It 'matches wildcards on the reference, the name and the short ID' {
        (Get-LayeredImage app*).Reference | Should -Be @('app:1')
        (Get-LayeredImage '*:1').Count | Should -BeGreaterOrEqual 2
        $id = (Get-LayeredImage base:1).ShortId
        (Get-LayeredImage ($id.Substring(0, 6) + '*')).Reference | Should -Be @('base:1')
    }

    It 'finds an image by name, full ID and unique ID prefix' {
        $base = Get-LayeredImage base:1
        (Get-LayeredImage base).Reference | Should -Be @('base:1')
        (Get-LayeredImage $base.Id).Reference | Should -Be @('base:1')
        (Get-LayeredImage $base.ShortId.Substring(0, 8)).Reference | Should -Be @('base:1')
    }

    It 'writes ImageNotFound for a name that matches nothing, and nothing for a wildcard that matches nothing' {
        { Get-LayeredImage nothere:1 -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetLayeredImageCommand'
        Get-LayeredImage 'nothere*' -ErrorAction Stop | Should -BeNullOrEmpty
    }

    It 'uses -StorePath over the default store' {
        $other = Join-Path $TestDrive 'other-store'
        $tree = New-TestTree -Root (Join-Path $TestDrive 'elsewhere') -Files @{ 'a.txt' = 'a' }
        $null = Import-LayeredImage -Path $tree -Tag 'elsewhere:1' -StorePath $other
        (Get-LayeredImage -StorePath $other).Reference | Should -Be @('elsewhere:1')
        (Get-LayeredImage).Reference | Should -Not -Contain 'elsewhere:1'
        # A path with no store reads as empty, and is not created (Get-LayeredImage only reads).
        $empty = Join-Path $TestDrive 'empty-store'
        Get-LayeredImage -StorePath $empty | Should -BeNullOrEmpty
        Test-Path $empty | Should -BeFalse
    }
}

Describe 'Get-ImageHistory' {
    It 'lists the history newest first, like docker history' {
        $history = @(Get-ImageHistory app:1)
        $history.Count | Should -Be 3
        $history[0].CreatedBy | Should -Be 'CMD ["/app/hello.sh"]'
        $history[0].EmptyLayer | Should -BeTrue
        $history[0].Size | Should -Be 0
        $history[1].CreatedBy | Should -Be 'COPY . /app # buildkit'
        $history[1].Size | Should -BeGreaterThan 0
        $history[2].CreatedBy | Should -Be 'ADD rootfs.tar / # buildkit'
        $history[2].Comment | Should -Be 'buildkit.dockerfile.v0'
    }

    It 'finds a piped image in the store it came from, whatever the default store is' {
        $image = Get-LayeredImage app:1
        $env:LAYERTOOLS_STORE = Join-Path $TestDrive 'elsewhere'
        try {
            @($image | Get-ImageHistory).Count | Should -Be 3
            { Get-ImageHistory app:1 -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetImageHistoryCommand'
        }
        finally {
            $env:LAYERTOOLS_STORE = $store
        }
    }

    It 'takes images from Get-LayeredImage through the pipeline' {
        $rows = @(Get-LayeredImage app*, base* | Get-ImageHistory)
        $rows.Count | Should -Be 4
        ($rows.Image | Sort-Object -Unique) | Should -Be @('app:1', 'base:1')
    }
}

Describe 'Get-ImageLayer' {
    It 'lists layers base first, with the shared base counted' {
        $layers = @(Get-ImageLayer app:1)
        $layers.Count | Should -Be 2
        $layers[0].Index | Should -Be 0
        $layers[0].DiffId | Should -Be (Get-ImageLayer base:1).DiffId
        $layers[0].SharedBy | Should -BeGreaterOrEqual 2
        $layers[1].SharedBy | Should -Be 1
        $layers[1].WhiteoutCount | Should -Be 2
        $layers[1].CreatedBy | Should -Be 'COPY . /app # buildkit'
    }

    It 'passes its objects on to Get-ImageHistory and Get-LayerFile by the image they name' {
        @(Get-ImageLayer app:1 | Select-Object -First 1 | Get-ImageHistory).Count | Should -Be 3
        (Get-ImageLayer app:1 | Select-Object -First 1 | Get-LayerFile -Path /app).Name | Should -Be 'hello.sh'
    }
}

Describe 'Add-LayeredImageTag and Remove-LayeredImage' {
    It 'adds tags, by name or from the pipeline, and -PassThru returns the new names' {
        Add-LayeredImageTag -Image base:1 -Tag base:2, 'team/base:latest'
        (Get-LayeredImage base:2).Id | Should -Be (Get-LayeredImage base:1).Id
        (Get-LayeredImage team/base).Reference | Should -Be 'team/base:latest'
        $new = Get-LayeredImage base:1 | Add-LayeredImageTag -Tag base:3 -PassThru
        $new.Reference | Should -Be 'base:3'
    }

    It 'changes nothing with -WhatIf' {
        Add-LayeredImageTag base:1 -Tag base:whatif -WhatIf
        Get-LayeredImage base:whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Remove-LayeredImage base:2 -WhatIf
        Get-LayeredImage base:2 | Should -Not -BeNullOrEmpty
    }

    It 'removes one tag and keeps the image under its other names' {
        Remove-LayeredImage base:2 -Confirm:$false
        { Get-LayeredImage base:2 -ErrorAction Stop } | Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.GetLayeredImageCommand'
        Get-LayeredImage base:1 | Should -Not -BeNullOrEmpty
    }

    It 'refuses to remove by ID an image with several tags unless -Force' {
        $id = (Get-LayeredImage base:1).ShortId
        { Remove-LayeredImage $id -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageHasMultipleTags,LayerTools.Commands.RemoveLayeredImageCommand'
        Get-LayeredImage base:1 | Should -Not -BeNullOrEmpty
        Remove-LayeredImage $id -Force -Confirm:$false
        Get-LayeredImage | Where-Object ShortId -EQ $id | Should -BeNullOrEmpty
        (Get-LayeredImage app:1).LayerCount | Should -Be 2
    }

    It 'removes piped images' {
        Add-LayeredImageTag app:1 -Tag gone:1, gone:2
        Get-LayeredImage gone | Remove-LayeredImage -Confirm:$false
        Get-LayeredImage 'gone*' | Should -BeNullOrEmpty
        Get-LayeredImage app:1 | Should -Not -BeNullOrEmpty
    }

    It 'reports an unknown image as ImageNotFound and an ambiguous prefix is never guessed' {
        { Remove-LayeredImage nothere:1 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.RemoveLayeredImageCommand'
        { Add-LayeredImageTag nothere:1 -Tag x:1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,LayerTools.Commands.AddLayeredImageTagCommand'
    }
}
