# Containers as a user types them: create, change (docker cp and a mounted overlay), diff, commit,
# remove; the image never changes, containers never see each other, and umoci agrees with the commit.
BeforeDiscovery {
    # Mounting needs Linux and root: where that is missing, the refusal is what is tested.
    $script:canMount = $IsLinux -and ((& id -u) -eq '0')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)
    $script:canMount = $IsLinux -and ((& id -u) -eq '0')

    function Get-BlobHashes {
        Get-ChildItem -LiteralPath (Join-Path $store 'blobs/sha256') -File | Sort-Object Name | ForEach-Object { '{0} {1}' -f $_.Name, (Get-FileHash -Algorithm SHA256 -LiteralPath $_.FullName).Hash }
    }

    function Get-ViewTree([string] $Image) {
        # Every path of an image's union view with its type and, for files, its content.
        Get-LayerFile $Image -Recurse | Sort-Object LayerPath | ForEach-Object {
            $line = '{0} {1}' -f $_.LayerPath, $_.Type
            if ($_.Type -eq 'SymbolicLink') { $line += ' -> ' + $_.LinkTarget }
            $line
        }
    }
}

AfterAll {
    Get-ContainerLayer -ErrorAction SilentlyContinue | ForEach-Object {
        Dismount-ContainerLayer $_ -ErrorAction SilentlyContinue
    }
    Remove-TestStore
}

Describe 'New-ContainerLayer and Get-ContainerLayer' {
    It 'creates a container on an image, with a generated unique name when none is given' {
        $c = New-ContainerLayer app:1 -Name listed
        $c.Name | Should -Be 'listed'
        $c.Image | Should -Be 'app:1'
        $c.ImageId | Should -Be (Get-LayeredImage app:1).Id
        $c.Changes | Should -Be 0
        $c.Size | Should -Be 0
        $c.Id | Should -Match '^[0-9a-f]{64}$'

        $g1 = New-ContainerLayer -Image app:1
        $g2 = Get-LayeredImage base:1 | New-ContainerLayer
        $g1.Name | Should -Match '^[a-z]+_[a-z]+'
        $g2.Name | Should -Not -Be $g1.Name
        $g2.Image | Should -Be 'base:1'
        (Get-ContainerLayer).Name | Should -Contain $g2.Name
        $g1, $g2 | Remove-ContainerLayer -Confirm:$false
    }

    It 'finds containers by wildcard, name or ID prefix, and says so when there is none' {
        $c = Get-ContainerLayer listed
        (Get-ContainerLayer 'list*').Id | Should -Be $c.Id
        (Get-ContainerLayer $c.Id.Substring(0, 10)).Name | Should -Be 'listed'
        Get-ContainerLayer 'nomatch*' | Should -BeNullOrEmpty
        { Get-ContainerLayer nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotFound,LayerTools.Commands.GetContainerLayerCommand'
        { New-ContainerLayer app:1 -Name listed -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNameInUse,LayerTools.Commands.NewContainerLayerCommand'
    }

    It 'shows containers like docker ps -a, and completes their names' {
        $text = Get-ContainerLayer listed | Out-String -Width 200
        $text | Should -Match 'CONTAINER ID\s+CREATED\s+SIZE\s+CHANGES\s+NAMES\s+IMAGE'
        $text | Should -Match 'listed\s+app:1'
        $line = 'Get-ContainerChange -Container lis'
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'listed'
    }
}

Describe 'Changing a container with Copy-ContainerItem' {
    BeforeAll {
        $script:blobsBefore = Get-BlobHashes
        $script:c = New-ContainerLayer app:1 -Name cp
        $script:other = New-ContainerLayer app:1 -Name other
        $script:hostDir = Join-Path $TestDrive 'host'
        New-TestTree -Root $hostDir -Files @{ 'motd' = "hello`n"; 'app.conf' = "port=8080`n"; 'tree/a/b.txt' = 'b' } | Out-Null
    }

    It 'copies host files into the container, copy-on-write, and Get-ContainerChange shows A and C' {
        Push-Location $hostDir
        try {
            Copy-ContainerItem -Container cp -Path ./motd -Destination /etc/motd -ToContainer
            Copy-ContainerItem cp 'app.*' /etc/app.conf -ToContainer
            Copy-ContainerItem -Container $c -Path tree -Destination /srv -ToContainer -Recurse
        }
        finally { Pop-Location }
        $changes = Get-ContainerChange cp
        ($changes | ForEach-Object ToString) | Should -Be @('C /etc', 'C /etc/app.conf', 'A /etc/motd', 'A /srv', 'A /srv/a', 'A /srv/a/b.txt')
        (Get-ContainerLayer cp).Changes | Should -Be 6
        $text = $changes | Out-String
        $text | Should -Match 'A\s+/etc/motd'
        $text | Should -Match 'C\s+/etc/app.conf'
    }

    It 'pipes changes by their Container: drive path, so Remove-Item acts in the container and never on the host' {
        $c = New-ContainerLayer app:1 -Name piped
        $note = Join-Path $TestDrive 'piped-note.txt'
        Set-Content $note 'only in the container'
        Copy-ContainerItem -Container piped -Path $note -Destination /etc/piped-note.txt -ToContainer
        $change = Get-ContainerChange piped | Where-Object LayerPath -EQ '/etc/piped-note.txt'
        $change.Path | Should -Be ("Container:{0}piped{0}etc{0}piped-note.txt" -f [IO.Path]::DirectorySeparatorChar)
        $change | Remove-Item
        (Get-ContainerChange piped).LayerPath | Should -Not -Contain '/etc/piped-note.txt'
        Remove-ContainerLayer $c -Confirm:$false
    }

    It 'copies out of the container what it sees' {
        $out = Join-Path $TestDrive 'out'
        $null = New-Item -ItemType Directory $out
        $item = Copy-ContainerItem cp /etc -Destination $out -FromContainer -Recurse -PassThru
        $item.FullName | Should -Be (Join-Path $out 'etc')
        Get-Content -Raw (Join-Path $out 'etc/app.conf') | Should -Be "port=8080`n"
        Get-Content -Raw (Join-Path $out 'etc/motd') | Should -Be "hello`n"
        Get-Content -Raw (Join-Path $out 'etc/keep.conf') | Should -Be "keep`n"
    }

    It 'asks for a direction and refuses a folder without -Recurse' {
        { Copy-ContainerItem cp -Path $hostDir -Destination / -ErrorAction Stop } | Should -Throw -ErrorId 'CopyDirectionMissing,LayerTools.Commands.CopyContainerItemCommand'
        Copy-ContainerItem cp -Path (Join-Path $hostDir 'tree') -Destination /x -ToContainer -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'DirectoryNeedsRecurse,LayerTools.Commands.CopyContainerItemCommand'
    }

    It 'keeps another container on the same image unchanged' {
        Get-ContainerChange other | Should -BeNullOrEmpty
        $out = Join-Path $TestDrive 'other-conf'
        Copy-ContainerItem other /etc/app.conf $out -FromContainer
        Get-Content -Raw $out | Should -Be "port=80`n"
    }

    It 'commits with ConvertTo-LayeredImage: history extends the image, files show the container''s view, -Change sets the config' {
        $image = Get-ContainerLayer cp | ConvertTo-LayeredImage -Tag committed:1 -Message 'from cp' -Author 'Tester <t@example.com>' -Change 'ENV MODE=test', 'CMD ["/app/hello.sh", "$MODE"]', 'EXPOSE 8080'
        $image.Reference | Should -Be 'committed:1'
        $history = @(Get-ImageHistory committed:1)
        $history.Count | Should -Be (@(Get-ImageHistory app:1).Count + 1)
        $history[0].Comment | Should -Be 'from cp'
        $history[0].Size | Should -BeGreaterThan 0
        @(Get-ImageLayer committed:1).Count | Should -Be 3
        $image.Config.Env | Should -Contain 'MODE=test'
        $image.Config.Cmd | Should -Be @('/app/hello.sh', '$MODE')
        (Get-LayerFile committed:1 /etc/motd).LayerIndex | Should -Be 2
        (Get-LayerFile committed:1 -Path /srv/a/b.txt).Size | Should -Be 1
        $view = New-ContainerLayer committed:1 -Name committed-view
        Copy-ContainerItem $view /etc/app.conf (Join-Path $TestDrive 'committed.conf') -FromContainer
        Get-Content -Raw (Join-Path $TestDrive 'committed.conf') | Should -Be "port=8080`n"
        Remove-ContainerLayer committed-view -Confirm:$false
    }

    It 'refuses a -Change a commit cannot take, before writing anything' {
        $before = @(Get-LayeredImage).Count
        { ConvertTo-LayeredImage cp -Tag bad:1 -Change 'RUN rm -rf /' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidChange,LayerTools.Commands.ConvertToLayeredImageCommand'
        @(Get-LayeredImage).Count | Should -Be $before
    }

    It 'left the image''s blobs byte-identical' {
        $after = Get-BlobHashes
        foreach ($line in $blobsBefore) { $after | Should -Contain $line }
    }
}

Describe 'Removing containers and the images they stand on' {
    It 'Remove-ContainerLayer -WhatIf changes nothing' {
        $c = New-ContainerLayer base:1 -Name keepme
        Remove-ContainerLayer keepme -WhatIf
        (Get-ContainerLayer keepme).Id | Should -Be $c.Id
        Test-Path (Join-Path $store "layertools/containers/$($c.Id)") | Should -BeTrue
    }

    It 'Remove-LayeredImage refuses an image a container stands on, unless -Force' {
        Add-LayeredImageTag base:1 -Tag inuse:1
        $c = New-ContainerLayer inuse:1 -Name user
        Remove-LayeredImage base:1 -Confirm:$false   # another name remains: a plain untag
        { Remove-LayeredImage inuse:1 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ImageInUse,LayerTools.Commands.RemoveLayeredImageCommand'
        Remove-LayeredImage $c.ImageId -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'ImageInUse,LayerTools.Commands.RemoveLayeredImageCommand'
        $err[0].Exception.Message | Should -Match 'user'
        (Get-LayeredImage inuse:1).Id | Should -Be $c.ImageId

        Remove-LayeredImage inuse:1 -Force -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -Match 'user'
        Get-LayeredImage 'inuse*' | Should -BeNullOrEmpty
        # The container still stands on its image.
        Copy-ContainerItem user /etc/os-release (Join-Path $TestDrive 'os-release') -FromContainer
        Get-Content -Raw (Join-Path $TestDrive 'os-release') | Should -Be "ID=test`n"
        Remove-ContainerLayer user, keepme -Confirm:$false
        Get-ContainerLayer 'keepme', 'user' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

if (-not $canMount) {
    Describe 'Mount-ContainerLayer without Linux and root' {
        It 'says what it needs' {
            $null = New-ContainerLayer app:1 -Name nomount
            { Mount-ContainerLayer nomount -Path (Join-Path $TestDrive 'm') -ErrorAction Stop } | Should -Throw -ErrorId ($IsLinux ? 'MountNeedsRoot,LayerTools.Commands.MountContainerLayerCommand' : 'MountNeedsLinux,LayerTools.Commands.MountContainerLayerCommand')
        }
    }
}
else {
Describe 'Mount-ContainerLayer (Linux, root)' {
    Context 'a mounted container' {
        BeforeAll {
            $script:blobsBefore = Get-BlobHashes
            $script:m = New-ContainerLayer app:1 -Name mounted
            $script:mnt = Join-Path $TestDrive 'mnt'
        }

        It 'mounts the container where programs change it, and dismounts it' {
            Copy-ContainerItem mounted -Path (New-TestTree -Root (Join-Path $TestDrive 'pre') -Files @{ 'pre.txt' = 'pre' }) -Destination / -ToContainer -Recurse
            Mount-ContainerLayer mounted -Path $mnt
            Get-Content -Raw (Join-Path $mnt 'etc/os-release') | Should -Be "ID=test`n"
            Get-Content -Raw (Join-Path $mnt 'pre/pre.txt') | Should -Be 'pre'
            Set-Content -LiteralPath (Join-Path $mnt 'etc/keep.conf') -Value 'changed' -NoNewline
            Set-Content -LiteralPath (Join-Path $mnt 'etc/new.conf') -Value 'new' -NoNewline
            Remove-Item -LiteralPath (Join-Path $mnt 'etc/app.conf')
            Remove-Item -LiteralPath (Join-Path $mnt 'opt') -Recurse -Force
            & /usr/bin/busybox sh -c "echo from-busybox > '$mnt/app/out.txt'"
            $LASTEXITCODE | Should -Be 0

            { Remove-ContainerLayer mounted -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerMounted,LayerTools.Commands.RemoveContainerLayerCommand'
            { Mount-ContainerLayer mounted -Path (Join-Path $TestDrive 'mnt2') -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerMounted,LayerTools.Commands.MountContainerLayerCommand'
            $late = Join-Path $TestDrive 'late.txt'
            Set-Content $late 'late'
            { Copy-ContainerItem mounted -Path $late -Destination /late.txt -ToContainer -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerMounted*'
            Test-Path (Join-Path $mnt 'late.txt') | Should -BeFalse

            Dismount-ContainerLayer mounted
            Get-ChildItem -LiteralPath $mnt | Should -BeNullOrEmpty
            { Dismount-ContainerLayer mounted -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerNotMounted,LayerTools.Commands.DismountContainerLayerCommand'
        }

        It 'shows what the programs did as the container''s changes' {
            $changes = (Get-ContainerChange mounted | ForEach-Object ToString)
            $changes | Should -Contain 'C /etc/keep.conf'
            $changes | Should -Contain 'A /etc/new.conf'
            $changes | Should -Contain 'D /etc/app.conf'
            $changes | Should -Contain 'D /opt'
            $changes | Should -Contain 'A /app/out.txt'
            $changes | Should -Contain 'A /pre/pre.txt'
            $changes | Should -Not -Contain 'D /opt/data'
        }

        It 'commits them, and umoci unpacks the exported commit to the container''s view' {
            $null = ConvertTo-LayeredImage mounted -Tag 'mounted:1'
            $files = Get-ViewTree mounted:1
            $files | Should -Contain '/etc/new.conf File'
            $files | Should -Not -Contain '/etc/app.conf File'
            ($files | Where-Object { $_ -like '/opt*' }) | Should -BeNullOrEmpty

            # The container's view, copied out.
            $view = Join-Path $TestDrive 'view'
            $null = New-Item -ItemType Directory $view
            Copy-ContainerItem mounted -Path / -Destination $view -FromContainer -Recurse
            $viewRoot = Join-Path $view 'mounted'

            $layout = Join-Path $TestDrive 'mounted-oci'
            Export-LayeredImage mounted:1 -Path $layout -Format OciLayout
            $bundle = Join-Path $TestDrive 'bundle'
            $log = & umoci unpack --image "${layout}:mounted:1" $bundle 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($log | Out-String)

            function Get-HostTree([string] $Root) {
                Get-ChildItem -LiteralPath $Root -Recurse -Force | Sort-Object FullName | ForEach-Object {
                    $rel = $_.FullName.Substring($Root.Length).Replace('\', '/')
                    if ($_.LinkTarget) { "$rel -> $($_.LinkTarget)" }
                    elseif ($_.PSIsContainer) { "$rel/" }
                    else { "$rel " + (Get-FileHash -LiteralPath $_.FullName).Hash }
                }
            }
            $expected = Get-HostTree $viewRoot
            $expected | Should -Contain ('/etc/keep.conf ' + (Get-FileHash -InputStream ([IO.MemoryStream]::new([Text.Encoding]::UTF8.GetBytes('changed')))).Hash)
            Get-HostTree (Join-Path $bundle 'rootfs') | Should -Be $expected
        }

        It 'left the image''s blobs byte-identical, and Remove-ContainerLayer -Force dismounts first' {
            $after = Get-BlobHashes
            foreach ($line in $blobsBefore) { $after | Should -Contain $line }
            Mount-ContainerLayer mounted -Path $mnt
            Remove-ContainerLayer mounted -Force -Confirm:$false
            Get-ContainerLayer mounted -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            (& findmnt -n $mnt) | Should -BeNullOrEmpty
        }
    }
}
}
