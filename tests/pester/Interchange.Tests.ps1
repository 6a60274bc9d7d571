# Export-LayeredImage in every format, then import the result back.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)
    $script:app = Get-LayeredImage app:1
}

AfterAll {
    Remove-TestStore
}

Describe 'Export-LayeredImage' {
    It 'writes <Format> with <Compression> layers that imports back to the same image ID' -ForEach @(
        @{ Format = 'DockerArchive'; Compression = 'Gzip'; Name = 'app.tar' }
        @{ Format = 'OciArchive'; Compression = 'Zstd'; Name = 'app-oci.tar' }
        @{ Format = 'OciLayout'; Compression = 'None'; Name = 'app-layout' }
    ) {
        $target = Join-Path $TestDrive $Name
        $out = Export-LayeredImage app:1 -Path $target -Format $Format -Compression $Compression -PassThru
        $out.FullName | Should -Be $target
        Test-Path $target | Should -BeTrue
        $other = Join-Path $TestDrive "reimport-$Format"
        $back = @(Import-LayeredImage -Path $target -StorePath $other)
        $back.Count | Should -Be 1
        $back[0].Id | Should -Be $app.Id
        $back[0].Reference | Should -Be 'app:1'
        (Get-LayerFile app:1 -StorePath $other /etc).Name | Should -Not -Contain 'old.conf'
        Test-LayerStore -StorePath $other | Should -BeNullOrEmpty
    }

    It 'puts several piped images into one archive' {
        $target = Join-Path $TestDrive 'both.tar'
        Get-LayeredImage app*, base* | Export-LayeredImage -Path $target
        $back = @(Import-LayeredImage -Path $target -StorePath (Join-Path $TestDrive 'both-store'))
        ($back.Reference | Sort-Object) | Should -Be @('app:1', 'base:1')
    }

    It 'writes an OCI layout that skopeo reads' {
        $layout = Join-Path $TestDrive 'app-layout'
        $json = & skopeo inspect --raw "oci:${layout}:app:1" | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $json.layers.Count | Should -Be 2
    }

    It 'refuses to overwrite an existing file without -Force, and overwrites with it' {
        $target = Join-Path $TestDrive 'exists.tar'
        Set-Content -LiteralPath $target -Value 'old'
        { Export-LayeredImage app:1 -Path $target -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExportTargetExists,LayerTools.Commands.ExportLayeredImageCommand'
        (Get-Content -Raw $target).Trim() | Should -Be 'old'
        Export-LayeredImage app:1 -Path $target -Force
        (Get-Item $target).Length | Should -BeGreaterThan 1000
    }

    It 'writes nothing with -WhatIf' {
        $target = Join-Path $TestDrive 'whatif.tar'
        Export-LayeredImage app:1 -Path $target -WhatIf
        Test-Path $target | Should -BeFalse
    }
}
