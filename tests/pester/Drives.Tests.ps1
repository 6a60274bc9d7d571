# The Image: and Container: drives, driven as a user would: navigation, content, and copy-on-write changes.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    # The tests that Set-Location onto a drive come back here (a FileSystem folder that outlives this file).
    $script:startLocation = (Get-Location -PSProvider FileSystem).ProviderPath
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)

    function Get-BlobDigests {
        # Every blob of the store with the digest of its bytes as they are now.
        Get-ChildItem -LiteralPath (Join-Path $script:store 'blobs/sha256') -File | Sort-Object Name |
            ForEach-Object { '{0}={1}' -f $_.Name, (Get-FileHash -Algorithm SHA256 -LiteralPath $_.FullName).Hash }
    }

    function Get-Whiteouts([string] $Container) {
        $id = (Get-ContainerLayer $Container).Id
        Get-Content -Raw -LiteralPath (Join-Path $script:store "layertools/containers/$id/whiteouts.json") | ConvertFrom-Json
    }
}

AfterAll {
    Set-Location -LiteralPath $script:startLocation
    Remove-TestStore
}

Describe 'The drives' {
    It 'exist as soon as the module is imported' {
        (Get-PSDrive Image).Provider.Name | Should -Be 'LayerTools'
        (Get-PSDrive Container).Provider.Name | Should -Be 'LayerTools'
    }

    It 'list the images at the top of Image:, as LayeredImage objects' {
        $images = @(Get-ChildItem Image:\)
        $images.PSChildName | Should -Be @('app:1', 'base:1')
        $images[0] | Should -BeOfType ([LayerTools.Core.Images.LayeredImage])
        $images[0].Layers.Count | Should -Be 2
        $images[0].PSIsContainer | Should -BeTrue
    }

    It 'follow $env:LAYERTOOLS_STORE as it is when used' {
        $other = New-TestStore
        try {
            @(Get-ChildItem Image:\).Count | Should -Be 0
        }
        finally {
            $env:LAYERTOOLS_STORE = $script:store
        }
        @(Get-ChildItem Image:\).Count | Should -Be 2
    }

    It 'can be made for another store with New-PSDrive and a <store>/images root' {
        $null = New-PSDrive -Name Other -PSProvider LayerTools -Root (Join-Path $script:store 'images') -Scope Global
        try {
            (Get-ChildItem Other:\).PSChildName | Should -Contain 'app:1'
            Get-Content Other:\app:1\etc\os-release | Should -Be 'ID=test'
        }
        finally {
            Remove-PSDrive Other -Scope Global
        }
        { New-PSDrive -Name Bad -PSProvider LayerTools -Root $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidDriveRoot*'
    }
}

Describe 'Image: (read-only union view)' {
    AfterEach {
        Set-Location -LiteralPath $script:startLocation
    }

    It 'lists a directory as the union shows it (whited-out files hidden)' {
        $etc = @(Get-ChildItem Image:\app:1\etc)
        $etc.Name | Should -Be @('app.conf', 'keep.conf', 'os-release')
        $etc[0] | Should -BeOfType ([LayerTools.Core.Layers.LayerFile])
        $etc[0].PSPath | Should -Be 'LayerTools\LayerTools::Image:/app:1/etc/app.conf'
        @(Get-ChildItem Image:\base:1\etc).Name | Should -Contain 'old.conf'
        @(Get-ChildItem Image:/app:1/opt/data).Name | Should -Be @('c.txt')
    }

    It 'reads a file with Get-Content (lines, -Raw, -AsByteStream)' {
        Get-Content Image:\app:1\etc\os-release | Should -Be 'ID=test'
        Get-Content Image:\app:1\app\hello.sh | Should -Be @('#!/bin/sh', 'echo hello')
        Get-Content Image:\app:1\app\hello.sh -Raw | Should -BeExactly "#!/bin/sh`necho hello`n"
        $bytes = Get-Content Image:\app:1\etc\os-release -AsByteStream
        $bytes.Count | Should -Be 8
        $bytes[0] | Should -BeOfType ([byte])
        (Get-Content Image:\app:1\etc\os-release -AsByteStream -Raw).GetType() | Should -Be ([byte[]])
        Get-Content Image:\app:1\usr\bin\busybox -TotalCount 1 | Should -Be ('x' * 2048)
    }

    It 'gives Get-Item the same properties as Get-LayerFile, with the layer the file comes from' {
        foreach ($path in '/app/hello.sh', '/etc/os-release', '/bin', '/usr/bin') {
            $item = Get-Item -LiteralPath ("Image:\app:1" + $path) -ErrorAction Stop
            $file = Get-LayerFile app:1 $path | Where-Object LayerPath -EQ $path
            if (-not $file) { $file = Get-LayerFile app:1 (Split-Path $path) | Where-Object LayerPath -EQ $path }
            $item.LayerPath | Should -Be $file.LayerPath
            $file.Path | Should -Be $item.Path
            $item.Path | Should -Be ("Image:{0}app:1{1}" -f [IO.Path]::DirectorySeparatorChar, $path.Replace('/', [IO.Path]::DirectorySeparatorChar))
            foreach ($property in 'Name', 'Type', 'Size', 'Mode', 'Uid', 'Gid', 'ModifiedTime', 'LinkTarget', 'Digest', 'LayerDiffId', 'LayerIndex', 'Image') {
                $item.$property | Should -Be $file.$property -Because "$path $property"
            }
        }
        (Get-Item Image:\app:1\app\hello.sh).LayerDiffId | Should -Be (Get-ImageLayer app:1)[1].DiffId
        (Get-Item Image:\app:1\etc\os-release).LayerDiffId | Should -Be (Get-ImageLayer app:1)[0].DiffId
    }

    It 'pipes its items into Get-Content and the other item cmdlets by their drive path, never a host path' {
        (Get-ChildItem Image:\app:1\etc -Filter os-* | Get-Content) | Should -Be 'ID=test'
        (Get-Item Image:\app:1\etc\keep.conf | Get-Content) | Should -Be 'keep'
        Get-Content -LiteralPath (Get-Item Image:\app:1\etc\keep.conf).PSPath | Should -Be 'keep'
        Get-Content -Path (Get-Item Image:\app:1\etc\keep.conf).Path | Should -Be 'keep'
        $err = $null
        try { Get-Item Image:\app:1\etc\keep.conf | Remove-Item -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ImageIsReadOnly*'
    }

    It 'shows symbolic links as links and follows them only inside the image' {
        $bin = Get-Item Image:\app:1\bin
        $bin.Type | Should -Be 'SymbolicLink'
        $bin.LinkTarget | Should -Be 'usr/bin'
        @(Get-ChildItem Image:\app:1\bin).Name | Should -Be @('bash', 'busybox')
        Get-Content Image:\app:1\bin\bash | Should -Be 'bash'
        (Get-ChildItem Image:\app:1 -Recurse).LayerPath | Should -Not -Contain '/bin/bash'
    }

    It 'supports Set-Location, Push-Location and relative paths' {
        Set-Location Image:\app:1\usr
        (Get-Location).Path | Should -Match '^Image:[\\/]app:1[\\/]usr$'
        @(Get-ChildItem bin).Name | Should -Be @('bash', 'busybox')
        Get-Content ..\etc\os-release | Should -Be 'ID=test'
        Get-Content ../etc/os-release | Should -Be 'ID=test'
        Push-Location ..\app
        Get-Content .\hello.sh -TotalCount 1 | Should -Be '#!/bin/sh'
        Pop-Location
        (Get-Location).Path | Should -Match 'usr$'
        Set-Location ..
        (Get-Item .\etc\keep.conf).LayerIndex | Should -Be 0
    }

    It 'tests paths' {
        Test-Path Image:\app:1\etc\os-release | Should -BeTrue
        Test-Path Image:\app:1\etc\old.conf | Should -BeFalse
        Test-Path Image:\base:1\etc\old.conf | Should -BeTrue
        Test-Path Image:\app:1\etc -PathType Container | Should -BeTrue
        Test-Path Image:\app:1\etc\os-release -PathType Leaf | Should -BeTrue
        Test-Path Image:\nothing:1 | Should -BeFalse
    }

    It 'matches wildcards, -Filter, -Include and -Exclude as on the FileSystem drive' {
        @(Get-ChildItem Image:\app:1\etc\*.conf).Name | Should -Be @('app.conf', 'keep.conf')
        @(Get-ChildItem Image:\app:1\etc -Filter *.conf).Name | Should -Be @('app.conf', 'keep.conf')
        @(Get-ChildItem Image:\app:1\etc -Filter *.CONF).Name | Should -Be @('app.conf', 'keep.conf')
        Test-Path Image:\app:1\ETC | Should -BeFalse
        @(Get-ChildItem Image:\app:1\etc\* -Include *.conf).Name | Should -Be @('app.conf', 'keep.conf')
        @(Get-ChildItem Image:\app:1\etc\* -Exclude *.conf).Name | Should -Be @('os-release')
        @(Get-ChildItem Image:\app:1\*\hello.sh).LayerPath | Should -Be @('/app/hello.sh')
        @(Get-ChildItem Image:\app:?\usr\bin\b*).Name | Should -Be @('bash', 'busybox')
        @(Get-ChildItem Image:\a*).PSChildName | Should -Be @('app:1')
    }

    It 'walks with -Recurse (with -Filter, -Include and -Depth)' {
        $all = (Get-ChildItem Image:\app:1 -Recurse).LayerPath
        $all | Should -Contain '/usr/bin/busybox'
        $all | Should -Contain '/opt/data/c.txt'
        $all | Should -Not -Contain '/etc/old.conf'
        @(Get-ChildItem Image:\app:1 -Recurse -Filter *.txt).LayerPath | Should -Be @('/opt/data/c.txt')
        @(Get-ChildItem Image:\app:1 -Recurse -Include *.sh).LayerPath | Should -Be @('/app/hello.sh')
        (Get-ChildItem Image:\app:1 -Recurse -Depth 0).LayerPath | Should -Not -Contain '/usr/bin'
        (Get-ChildItem Image:\app:1 -Recurse -Depth 1).LayerPath | Should -Contain '/usr/bin'
    }

    It 'names images whose reference holds "/" with %2F' {
        Add-LayeredImageTag app:1 registry.example/team/app:2
        (Get-ChildItem Image:\).PSChildName | Should -Contain 'registry.example%2Fteam%2Fapp:2'
        Get-Content Image:\registry.example%2Fteam%2Fapp:2\etc\os-release | Should -Be 'ID=test'
        (Get-Item Image:\registry.example%2fteam%2fapp:2\app\hello.sh).Image | Should -Be 'registry.example/team/app:2'
    }

    It 'lists from cached union views (one per ChainID): layer indexes are not read again' {
        $null = Get-ChildItem Image:\app:1\etc
        $indexes = Join-Path $script:store 'layertools/indexes/sha256'
        $aside = Join-Path $script:store 'indexes-aside'
        Move-Item -LiteralPath $indexes $aside
        try {
            @(Get-ChildItem Image:\app:1\usr\bin).Name | Should -Be @('bash', 'busybox')
            # Another name of the same layers shares the view.
            @(Get-ChildItem Image:\registry.example%2Fteam%2Fapp:2\opt\data).Name | Should -Be @('c.txt')
            Get-Content Image:\app:1\etc\os-release | Should -Be 'ID=test'
            $line = 'Get-ChildItem Image:\app:1\usr\bin\bu'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Match 'busybox$'
        }
        finally {
            Move-Item -LiteralPath $aside $indexes
        }
    }

    It 'completes paths with Tab' {
        $line = 'Get-ChildItem Image:\app:1\e'
        $completions = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $completions | Should -HaveCount 1
        $completions[0] | Should -Match '^Image:[\\/]app:1[\\/]etc$'
        $line = 'Get-Content Image:\ba'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Match 'base:1$'
    }

    It 'refuses every write with ImageIsReadOnly, and the image''s blobs stay as they were' {
        $before = Get-BlobDigests
        $writes = @(
            { Set-Content Image:\app:1\etc\os-release 'x' -ErrorAction Stop }
            { Add-Content Image:\app:1\etc\os-release 'x' -ErrorAction Stop }
            { Clear-Content Image:\app:1\etc\os-release -ErrorAction Stop }
            { New-Item Image:\app:1\etc\new.conf -Value 'x' -ErrorAction Stop }
            { New-Item Image:\app:1\srv -ItemType Directory -ErrorAction Stop }
            { Remove-Item Image:\app:1\etc -Recurse -Force -ErrorAction Stop }
            { Rename-Item Image:\app:1\etc\os-release other -ErrorAction Stop }
            { Copy-Item Image:\app:1\etc\os-release Image:\app:1\tmp -ErrorAction Stop }
            { Move-Item Image:\app:1\etc\os-release Image:\app:1\tmp -ErrorAction Stop }
            { Remove-Item Image:\app:1 -Recurse -Force -ErrorAction Stop }
        )
        foreach ($write in $writes) {
            $err = $null
            try { & $write } catch { $err = $_ }
            $err | Should -Not -BeNullOrEmpty -Because "$write must fail"
            $err.FullyQualifiedErrorId | Should -BeLike 'ImageIsReadOnly*' -Because "$write"
            $err.CategoryInfo.Category | Should -Be 'PermissionDenied'
            $err.Exception.Message | Should -Match 'read-only'
        }
        Get-BlobDigests | Should -Be $before
        Get-Content Image:\app:1\etc\os-release | Should -Be 'ID=test'
    }
}

Describe 'Container: (read-write copy-on-write view)' {
    BeforeAll {
        $null = New-ContainerLayer app:1 -Name web
        $null = New-ContainerLayer app:1 -Name other
        $script:imageBlobs = Get-BlobDigests
    }

    AfterEach {
        Set-Location -LiteralPath $script:startLocation
    }

    It 'lists the containers at the top, as ContainerLayer objects' {
        $containers = @(Get-ChildItem Container:\)
        $containers.PSChildName | Should -Be @('other', 'web')
        $containers[0] | Should -BeOfType ([LayerTools.Core.Containers.ContainerLayer])
        (Get-Item Container:\web).Image | Should -Be 'app:1'
        @(Get-ChildItem Container:\web\etc).Name | Should -Be @('app.conf', 'keep.conf', 'os-release')
    }

    It 'copies a lower file up on Set-Content, and the image keeps its file' {
        Set-Content Container:\web\etc\os-release 'ID=changed'
        Get-Content Container:\web\etc\os-release | Should -Be 'ID=changed'
        (Get-Item Container:\web\etc\os-release).LayerIndex | Should -Be 2
        Get-Content Image:\app:1\etc\os-release | Should -Be 'ID=test'
        Get-Content Container:\other\etc\os-release | Should -Be 'ID=test'
        (Get-ContainerChange web | Where-Object LayerPath -EQ '/etc/os-release').Kind | Should -Be 'Modified'
        Get-BlobDigests | Should -Be $script:imageBlobs
    }

    It 'appends with Add-Content, keeping the lower file''s data' {
        Add-Content Container:\web\etc\keep.conf 'more'
        Get-Content Container:\web\etc\keep.conf | Should -Be @('keep', 'more')
        Add-Content Container:\web\etc\keep.conf 'again'
        Get-Content Container:\web\etc\keep.conf | Should -Be @('keep', 'more', 'again')
        Get-Content Image:\app:1\etc\keep.conf | Should -Be 'keep'
    }

    It 'creates new files through -LiteralPath too (Set-Content and Add-Content)' {
        Set-Content -LiteralPath Container:\web\etc\literal-new.conf -Value 'set'
        Add-Content -LiteralPath Container:\web\etc\literal-added.conf -Value 'added'
        Get-Content -LiteralPath Container:\web\etc\literal-new.conf | Should -Be 'set'
        Get-Content Container:\web\etc\literal-added.conf | Should -Be 'added'
        (Get-ContainerChange web).LayerPath | Should -Contain '/etc/literal-new.conf'
        Remove-Item -LiteralPath Container:\web\etc\literal-new.conf, Container:\web\etc\literal-added.conf
    }

    It 'empties a file with Clear-Content' {
        Set-Content Container:\other\etc\app.conf 'port=81'
        Clear-Content Container:\other\etc\app.conf
        (Get-Item Container:\other\etc\app.conf).Size | Should -Be 0
        Get-Content Image:\app:1\etc\app.conf | Should -Be 'port=80'
    }

    It 'round-trips bytes with Set-Content -AsByteStream and Get-Content -AsByteStream -Raw' {
        $bytes = [byte[]](0..255 + 255..0)
        Set-Content Container:\web\srv.bin -Value $bytes -AsByteStream
        $back = Get-Content Container:\web\srv.bin -AsByteStream -Raw
        $back.Length | Should -Be 512
        [Convert]::ToBase64String($back) | Should -Be ([Convert]::ToBase64String($bytes))
        Set-Content Container:\web\text.txt -Value "a`nb" -NoNewline
        Get-Content Container:\web\text.txt -Raw | Should -BeExactly "a`nb"
    }

    It 'creates files, directories and symbolic links with New-Item' {
        $file = New-Item Container:\web\srv\www\index.html -Value '<p>hi</p>' -Force
        $file.Type | Should -Be 'File'
        Get-Content Container:\web\srv\www\index.html | Should -Be '<p>hi</p>'
        (New-Item Container:\web\data -ItemType Directory).Type | Should -Be 'Directory'
        Test-Path Container:\web\data -PathType Container | Should -BeTrue
        $link = New-Item Container:\web\data\release -ItemType SymbolicLink -Value /etc/os-release
        $link.Type | Should -Be 'SymbolicLink'
        $link.LinkTarget | Should -Be '/etc/os-release'
        Get-Content Container:\web\data\release | Should -Be 'ID=changed'
        { New-Item Container:\web\data -ItemType Directory -ErrorAction Stop } | Should -Throw -ErrorId 'ItemExists*'
        Test-Path Image:\app:1\srv | Should -BeFalse
    }

    It 'resolves a link that points out of the root inside the container' {
        $null = New-Item Container:\web\escape -ItemType SymbolicLink -Value ../../../../../etc/os-release
        Get-Content Container:\web\escape | Should -Be 'ID=changed'
        $null = New-Item Container:\web\hostetc -ItemType SymbolicLink -Value /etc
        @(Get-ChildItem Container:\web\hostetc).Name | Should -Be @('app.conf', 'keep.conf', 'os-release')
    }

    It 'removes a lower directory with Remove-Item -Recurse as one whiteout' {
        Remove-Item Container:\web\opt -Recurse
        Test-Path Container:\web\opt | Should -BeFalse
        Test-Path Container:\web\opt\data\c.txt | Should -BeFalse
        Test-Path Image:\app:1\opt\data\c.txt | Should -BeTrue
        @((Get-Whiteouts web).deleted) | Should -Be @('opt')
        Remove-Item Container:\web\usr\bin\bash
        @((Get-Whiteouts web).deleted) | Should -Be @('opt', 'usr/bin/bash')
        Test-Path Container:\other\opt\data\c.txt | Should -BeTrue
    }

    It 'honours -WhatIf' {
        Remove-Item Container:\web\etc\app.conf -WhatIf
        Test-Path Container:\web\etc\app.conf | Should -BeTrue
    }

    It 'renames with Rename-Item' {
        Rename-Item Container:\web\etc\app.conf app.conf.bak
        @(Get-ChildItem Container:\web\etc -Filter app*).Name | Should -Be @('app.conf.bak')
        Get-Content Container:\web\etc\app.conf.bak | Should -Be 'port=80'
        Get-Content Image:\app:1\etc\app.conf | Should -Be 'port=80'
    }

    It 'copies and moves inside a container with Copy-Item and Move-Item' {
        Copy-Item Container:\web\etc\keep.conf Container:\web\data
        Get-Content Container:\web\data\keep.conf | Should -Be @('keep', 'more', 'again')
        Copy-Item Container:\web\usr Container:\web\usr2 -Recurse
        @(Get-ChildItem Container:\web\usr2 -Recurse).LayerPath | Should -Be @('/usr2/bin', '/usr2/bin/busybox')
        Move-Item Container:\web\etc\app.conf.bak Container:\web\data\
        Test-Path Container:\web\etc\app.conf.bak | Should -BeFalse
        Get-Content Container:\web\data\app.conf.bak | Should -Be 'port=80'
        Move-Item Container:\web\data\keep.conf Container:\web\data\kept.conf
        Test-Path Container:\web\data\keep.conf | Should -BeFalse
        @(Get-ChildItem Container:\web\data -Filter kep*).Name | Should -Be @('kept.conf')
        Get-Content Container:\web\data\kept.conf -TotalCount 1 | Should -Be 'keep'
    }

    It 'copies from an image and between containers' {
        Copy-Item Image:\app:1\app Container:\other\srv -Recurse
        Get-Content Container:\other\srv\hello.sh -TotalCount 1 | Should -Be '#!/bin/sh'
        Copy-Item Container:\web\srv\www Container:\other\www -Recurse
        Get-Content Container:\other\www\index.html | Should -Be '<p>hi</p>'
        Test-Path Container:\web\srv\www\index.html | Should -BeTrue
    }

    It 'takes its items from the pipeline (Get-ChildItem | Remove-Item removes in the container)' {
        $null = New-Item Container:\other\tmp\a.log -Value 'a' -Force
        $null = New-Item Container:\other\tmp\b.log -Value 'b' -Force
        Get-ChildItem Container:\other\tmp -Filter *.log | Remove-Item
        @(Get-ChildItem Container:\other\tmp) | Should -HaveCount 0
        Get-Item Container:\web\srv\www\index.html | Copy-Item -Destination Container:\other\tmp
        Get-Content Container:\other\tmp\index.html | Should -Be '<p>hi</p>'
    }

    It 'makes hard links and moves between containers' {
        $link = New-Item Container:\other\etc\release-link -ItemType HardLink -Value /etc/os-release
        $link.Type | Should -Be 'HardLink'
        Get-Content Container:\other\etc\release-link | Should -Be 'ID=test'
        Move-Item Container:\other\www Container:\web\www-moved
        Test-Path Container:\other\www | Should -BeFalse
        Get-Content Container:\web\www-moved\index.html | Should -Be '<p>hi</p>'
    }

    It 'works with Set-Location and relative paths' {
        Set-Location Container:\web\etc
        Set-Content new.conf 'x=1'
        Get-Content .\new.conf | Should -Be 'x=1'
        (Get-ContainerChange web).LayerPath | Should -Contain '/etc/new.conf'
    }

    It 'sees changes another view made (the cached view is refreshed)' {
        $null = Get-ChildItem Container:\other\etc
        $asm = [LayerTools.Core.Layers.LayerFile].Assembly
        $layerStore = $asm.GetType('LayerTools.Core.Store.LayerStore')::Open($script:store)
        $containers = [Activator]::CreateInstance($asm.GetType('LayerTools.Core.Containers.ContainerStore'), @($layerStore))
        $view = $containers.Open('other')
        $view.Delete('etc/keep.conf', $false)
        $view.CreateDirectory('made-elsewhere', 493, $true)
        @(Get-ChildItem Container:\other\etc).Name | Should -Not -Contain 'keep.conf'
        Test-Path Container:\other\made-elsewhere | Should -BeTrue
    }

    It 'completes container names and paths inside them with Tab' {
        $line = 'Get-ChildItem Container:\we'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Match 'web$'
        $line = 'Get-Content Container:\web\etc\os'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Match 'os-release$'
    }

    It 'left the image''s blobs byte-identical' {
        Get-BlobDigests | Should -Be $script:imageBlobs
        Get-Content Image:\app:1\etc\os-release | Should -Be 'ID=test'
        @(Get-ChildItem Image:\app:1\etc).Name | Should -Be @('app.conf', 'keep.conf', 'os-release')
    }
}

Describe 'about_LayerTools_Providers' {
    It 'is found by Get-Help and explains the paths, the read-only image drive and other stores' {
        $text = Get-Help about_LayerTools_Providers | Out-String
        $text | Should -Match '%2F'
        $text | Should -Match 'ImageIsReadOnly'
        $text | Should -Match 'New-PSDrive'
        (Get-Help about_LayerTools | Out-String) | Should -Match 'about_LayerTools_Providers'
    }
}
