# Get-LayerFile: the union view and single layers, with wildcards, -Recurse and whiteouts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)
}

AfterAll {
    Remove-TestStore
}

Describe 'Get-LayerFile (the union view)' {
    It 'lists the root''s children without -Path' {
        $names = (Get-LayerFile app:1).LayerPath
        $names | Should -Contain '/etc'
        $names | Should -Contain '/app'
        $names | Should -Contain '/bin'
        $names | Should -Not -Contain '/etc/os-release'
    }

    It 'lists a directory''s children, hiding what upper layers whited out' {
        $etc = @(Get-LayerFile app:1 -Path /etc)
        ($etc.LayerPath | Sort-Object) | Should -Be @('/etc/app.conf', '/etc/keep.conf', '/etc/os-release')
        (Get-LayerFile base:1 /etc).LayerPath | Should -Contain '/etc/old.conf'
    }

    It 'shows only the upper layer''s children of an opaque directory' {
        (Get-LayerFile app:1 /opt/data).LayerPath | Should -Be @('/opt/data/c.txt')
        ((Get-LayerFile base:1 /opt/data).LayerPath | Sort-Object) | Should -Be @('/opt/data/a.txt', '/opt/data/b.txt')
    }

    It 'matches wildcards in the last name and in directories' {
        ((Get-LayerFile app:1 'etc/*.conf').LayerPath | Sort-Object) | Should -Be @('/etc/app.conf', '/etc/keep.conf')
        (Get-LayerFile app:1 '/usr/bin/b*').LayerPath | Should -Be @('/usr/bin/bash', '/usr/bin/busybox')
        (Get-LayerFile app:1 '/*/hello.sh').LayerPath | Should -Be @('/app/hello.sh')
    }

    It 'walks below with -Recurse, and with a wildcard matches the name at every depth' {
        $all = (Get-LayerFile app:1 -Recurse).LayerPath
        $all | Should -Contain '/usr/bin/busybox'
        $all | Should -Contain '/app/hello.sh'
        $all | Should -Not -Contain '/etc/old.conf'
        (Get-LayerFile app:1 '/*.txt' -Recurse).LayerPath | Should -Be @('/opt/data/c.txt')
    }

    It 'fills in the layer each file comes from, its mode, owner, size and link target' {
        $hello = Get-LayerFile app:1 /app/hello.sh
        $hello.LayerIndex | Should -Be 1
        $hello.LayerDiffId | Should -Be (Get-ImageLayer app:1)[1].DiffId
        $hello.Size | Should -Be 21
        $hello.Uid | Should -Be 0
        $hello.ModeString | Should -Match '^-rw'
        $hello.ModifiedTime.Year | Should -Be 2024
        (Get-LayerFile app:1 /usr/bin/busybox).LayerIndex | Should -Be 0
        $bin = Get-LayerFile app:1 '/bi*'
        $bin.Type | Should -Be 'SymbolicLink'
        $bin.LinkTarget | Should -Be 'usr/bin'
    }

    It 'follows a link to a directory as Get-ChildItem does' {
        ((Get-LayerFile app:1 /bin).LayerPath | Sort-Object) | Should -Be @('/usr/bin/bash', '/usr/bin/busybox')
        (Get-LayerFile app:1 /bin/bash).LayerPath | Should -Be '/usr/bin/bash'
    }

    It 'addresses piped files on the read-only Image: drive, never on the host' {
        $file = Get-LayerFile app:1 /app/hello.sh
        $file.Path | Should -Be ("Image:{0}app:1{0}app{0}hello.sh" -f [IO.Path]::DirectorySeparatorChar)
        ($file | Get-Content -Raw) | Should -Be (Get-Content -Raw Image:\app:1\app\hello.sh)
        { $file | Remove-Item -ErrorAction Stop } | Should -Throw -ErrorId 'ImageIsReadOnly*'
        Get-LayerFile app:1 /app/hello.sh | Should -Not -BeNullOrEmpty
        $otherStore = Join-Path $TestDrive 'other-store'
        $null = Import-LayeredImage -Path (New-FixtureImages) -StorePath $otherStore
        $other = Get-LayerFile app:1 /app/hello.sh -StorePath $otherStore
        $other.Path | Should -BeLike 'LayerTools\LayerTools::*app:1/app/hello.sh'
        { $other | Remove-Item -ErrorAction Stop } | Should -Throw -ErrorId 'ImageIsReadOnly*'
    }

    It 'reports a missing path as PathNotFound' {
        { Get-LayerFile app:1 /etc/old.conf -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound,LayerTools.Commands.GetLayerFileCommand'
    }
}

Describe 'Get-LayerFile -Layer (one layer, whiteouts shown)' {
    It 'lists one layer by index with its whiteouts' {
        $top = @(Get-LayerFile app:1 -Layer 1 -Recurse)
        $whiteout = $top | Where-Object LayerPath -EQ '/etc/old.conf'
        $whiteout.Type | Should -Be 'Whiteout'
        $whiteout.IsWhiteout | Should -BeTrue
        $opaque = $top | Where-Object Type -EQ 'OpaqueWhiteout'
        $opaque.LayerPath | Should -Be '/opt/data'
        $opaque.IsWhiteout | Should -BeTrue
        $top.LayerPath | Should -Not -Contain '/usr/bin/busybox'
        ($top | Where-Object LayerPath -EQ '/app/hello.sh').LayerIndex | Should -Be 1
    }

    It 'finds a layer by DiffID, a DiffID prefix, or a negative index from the top' {
        $diffId = (Get-ImageLayer app:1)[0].DiffId
        (Get-LayerFile app:1 -Layer $diffId /usr/bin).Name | Should -Contain 'busybox'
        (Get-LayerFile app:1 -Layer $diffId.Substring(7, 10) /usr/bin).Name | Should -Contain 'busybox'
        (Get-LayerFile app:1 -Layer -1 /app).Name | Should -Be 'hello.sh'
    }

    It 'reports a layer the image does not have as LayerNotFound' {
        { Get-LayerFile app:1 -Layer 5 -ErrorAction Stop } | Should -Throw -ErrorId 'LayerNotFound,LayerTools.Commands.GetLayerFileCommand'
        { Get-LayerFile app:1 -Layer 'ffffffffffff' -ErrorAction Stop } | Should -Throw -ErrorId 'LayerNotFound,LayerTools.Commands.GetLayerFileCommand'
    }
}
