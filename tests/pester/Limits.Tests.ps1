# A decompression bomb: a small gzip layer that inflates past the layer size cap is refused, and the
# store is left as it was. The cap comes from $env:LAYERTOOLS_MAX_LAYER_BYTES (64 GiB by default).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
}

AfterAll {
    Remove-TestStore
}

Describe 'The layer size cap' {
    It 'refuses a gzip root filesystem that inflates past $env:LAYERTOOLS_MAX_LAYER_BYTES and leaves the store as it was' {
        $rootfs = Join-Path $TestDrive 'bomb'
        $null = New-Item -ItemType Directory -Force $rootfs
        $fs = [IO.File]::Create((Join-Path $rootfs 'zeros.bin')); $fs.SetLength(64MB); $fs.Dispose()
        $tar = Join-Path $TestDrive 'bomb.tar'
        New-LayerTar -Source $rootfs -Destination $tar | Out-Null
        & gzip -9 $tar
        (Get-Item "$tar.gz").Length | Should -BeLessThan 1MB
        $null = Import-LayeredImage -Path (New-FixtureImages) -StorePath $store
        $before = (Get-ChildItem -Recurse -File (Join-Path $store 'blobs')).Name | Sort-Object

        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        $script = "`$env:LAYERTOOLS_MAX_LAYER_BYTES = 8MB; Import-Module '$module'; try { Import-LayeredImage -Path '$tar.gz' -Tag bomb:1 -StorePath '$store' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $out = Invoke-ChildPwsh -Command $script
        ($out | Select-Object -Last 1) | Should -BeLike 'SizeLimitExceeded*'
        (Get-ChildItem -Recurse -File (Join-Path $store 'blobs')).Name | Sort-Object | Should -Be $before
        Get-LayeredImage bomb* -StorePath $store | Should -BeNullOrEmpty
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty
    }
}
