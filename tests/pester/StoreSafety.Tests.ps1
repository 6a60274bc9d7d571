# The store and mounts, as docs/safety.md promises them: a mounted container gives an image's setuid
# files and device nodes nothing (nosuid,nodev); the store's files are private to their owner whatever
# the umask, or shared with the root folder's group when it has the setgid bit; looser modes are
# reported and closed; ingest errors name the archive and the entry.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore

    function Invoke-AsNobody([string[]] $Command, [int[]] $Groups = @()) {
        # A real unprivileged user (uid/gid 65534), with only the groups given.
        [string[]] $groupArgs = if ($Groups) { '--groups=' + ($Groups -join ',') } else { '--clear-groups' }
        $out = & setpriv --reuid=65534 --regid=65534 @groupArgs @Command 2>&1
        [pscustomobject]@{ Code = $LASTEXITCODE; Output = ($out | Out-String).Trim() }
    }

    function Invoke-ChildWithUmask([string] $Script) {
        # A child pwsh whose umask is 000: whatever the store gets, it gets from LayerTools, not the umask.
        $file = Join-Path $TestDrive ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$module'`n" + $Script)
        $exe = (Get-Process -Id $PID).Path
        [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $out = & /bin/sh -c 'umask 000; exec "$@"' sh $exe @prefix -NoProfile -NonInteractive -File $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The child failed ($LASTEXITCODE): $($out | Out-String)" }
        return $out
    }

    function Get-StoreModes([string] $Root) {
        # Every file and folder LayerTools made, with its mode (octal) and group, less the image content
        # kept in the owner-only folders (layers extracted, a container's upper/, a cache mount's files).
        $skip = '^(layertools/snapshots/layers/[^/]+/|layertools/containers/[^/]+/(upper|work|empty)/|layertools/cache/mounts/[^/]+/)'
        & find $Root -mindepth 1 -printf '%P\t%m\t%y\t%g\n' | ForEach-Object {
            $p, $m, $t, $g = $_ -split "`t"
            if (("$p/" -notmatch $skip) -and ($p -notmatch '^layertools/(snapshots/layers|cache/mounts)/[^/]+$') -and ($p -notmatch '^layertools/containers/[^/]+/(upper|work|empty)$')) {
                [pscustomobject]@{ Path = $p; Mode = $m; Type = $t; Group = $g }
            }
        }
    }

    $script:busybox = Join-Path $TestDrive 'bb-rootfs'
    $null = New-Item -ItemType Directory -Force (Join-Path $busybox 'bin')
    Copy-Item /usr/bin/busybox (Join-Path $busybox 'bin/busybox')
    foreach ($applet in 'sh', 'echo', 'mkdir', 'cat') {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $busybox "bin/$applet") -Target 'busybox'
    }
}

AfterAll {
    Remove-TestStore
}

Describe 'A mounted container is nosuid,nodev' {
    BeforeAll {
        # A static program that prints its effective uid, setuid-root in the image, and a device node
        # (the host's /dev/null, 1:3, crw-rw-rw-).
        $src = Join-Path $TestDrive 'euid.c'
        Set-Content -LiteralPath $src -Value "#include <stdio.h>`n#include <unistd.h>`nint main(void) { printf(`"%d\n`", (int)geteuid()); return 0; }`n"
        $script:rootfs = Join-Path $TestDrive 'suid-rootfs'
        $null = New-Item -ItemType Directory -Force (Join-Path $rootfs 'bin'), (Join-Path $rootfs 'dev')
        & gcc -static -O2 -o (Join-Path $rootfs 'bin/euid') $src
        if ($LASTEXITCODE -ne 0) { throw 'gcc -static failed' }
        & chown 0:0 (Join-Path $rootfs 'bin/euid'); & chmod 4755 (Join-Path $rootfs 'bin/euid')
        & mknod -m 666 (Join-Path $rootfs 'dev/null') c 1 3
        & chmod 755 $rootfs (Join-Path $rootfs 'bin') (Join-Path $rootfs 'dev')
        $script:tar = New-LayerTar -Source $rootfs -Destination (Join-Path $TestDrive 'suid.tar')
        $null = Import-LayeredImage -Path $tar -Tag suid:1
        $null = New-ContainerLayer suid:1 -Name suid
        # The mount point where any user reaches it, as a user's -Path would be.
        $script:mnt = Join-Path ([IO.Path]::GetTempPath()) ('lt-suid-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory $mnt
        & chmod 755 $mnt
        Mount-ContainerLayer suid -Path $mnt
    }

    AfterAll {
        Dismount-ContainerLayer suid -ErrorAction SilentlyContinue | Out-Null
        Remove-Item -LiteralPath $mnt -Force -ErrorAction SilentlyContinue
    }

    It 'the probe is real: setuid-root outside the mount, nobody runs it as root' {
        $probe = Join-Path $TestDrive 'euid-host'
        Copy-Item (Join-Path $rootfs 'bin/euid') $probe
        & chown 0:0 $probe; & chmod 4755 $probe
        & chmod 755 $TestDrive
        (Invoke-AsNobody @($probe)).Output | Should -Be '0'
    }

    It 'keeps the setuid bit in the mount, but nobody runs the program as nobody' {
        $probe = Join-Path $mnt 'bin/euid'
        (& stat -c '%a %u' $probe) | Should -Be '4755 0'
        $run = Invoke-AsNobody @($probe)
        $run.Code | Should -Be 0
        $run.Output | Should -Be '65534'
    }

    It 'refuses to open the image''s device node, even for root' {
        (& stat -c '%F %t:%T' (Join-Path $mnt 'dev/null')) | Should -Be 'character special file 1:3'
        $err = & /bin/sh -c "echo x > '$mnt/dev/null'" 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        "$err" | Should -Match 'Permission denied'
    }

    It 'gives RUN an overlay root file system mounted nosuid,nodev' {
        $ctx = Join-Path $TestDrive 'run-ctx'
        $null = New-Item -ItemType Directory -Force $ctx
        Set-Content -LiteralPath (Join-Path $ctx 'Dockerfile') -Value "FROM busybox:mounts`nRUN cat /proc/self/mountinfo > /mountinfo`n"
        $null = Import-LayeredImage -Path $busybox -Tag busybox:mounts
        $null = Build-LayeredImage -Path $ctx -Tag mounts:1
        $root = Get-Content Image:\mounts:1\mountinfo | ForEach-Object { , ($_ -split ' ') } | Where-Object { $_[4] -eq '/' }
        $root[5] -split ',' | Should -Contain 'nosuid'
        $root[5] -split ',' | Should -Contain 'nodev'
    }

    It 'keeps the setuid bit and the device node when the container is committed' {
        Set-Content -LiteralPath (Join-Path $mnt 'note.txt') -Value 'changed through the mount'
        $null = Dismount-ContainerLayer suid
        $null = ConvertTo-LayeredImage suid -Tag suid:2
        $null = Mount-ContainerLayer suid -Path $mnt
        $files = Get-LayerFile -Image suid:2 -Recurse
        ($files | Where-Object LayerPath -eq '/bin/euid').ModeString | Should -Be '-rwsr-xr-x'
        ($files | Where-Object LayerPath -eq '/dev/null').ModeString | Should -Be 'crw-rw-rw-'
        ($files | Where-Object LayerPath -eq '/note.txt') | Should -Not -BeNullOrEmpty
    }

    It 'is mounted nosuid,nodev' {
        (& findmnt -n -o OPTIONS --target $mnt) -split ',' | Should -Contain 'nosuid'
        (& findmnt -n -o OPTIONS --target $mnt) -split ',' | Should -Contain 'nodev'
    }
}

Describe 'The store''s modes' {
    BeforeAll {
        $script:fixtures = New-FixtureImages
        $script:ctx = Join-Path $TestDrive 'modes-ctx'
        $null = New-Item -ItemType Directory -Force $ctx
        Set-Content -LiteralPath (Join-Path $ctx 'hello.txt') -Value 'hello'
        Set-Content -LiteralPath (Join-Path $ctx 'Dockerfile') -Value "FROM busybox:modes`nCOPY hello.txt /srv/`nRUN --mount=type=cache,target=/cache echo built > /srv/built && echo c > /cache/c`n"
        # Import, build (COPY, RUN with a cache mount), a container changed and committed, mounted and dismounted, an export.
        $script:work = @"
`$s = `$args[0]
Import-LayeredImage -Path '$fixtures' -StorePath `$s | Out-Null
Import-LayeredImage -Path '$busybox' -Tag busybox:modes -StorePath `$s | Out-Null
Build-LayeredImage -Path '$ctx' -Tag built:1 -StorePath `$s | Out-Null
New-ContainerLayer built:1 -Name work -StorePath `$s | Out-Null
Copy-ContainerItem -Path '$ctx/hello.txt' -Destination /srv/again.txt -Container work -ToContainer -StorePath `$s
ConvertTo-LayeredImage work -Tag committed:1 -StorePath `$s | Out-Null
`$m = Join-Path '$TestDrive' ('m-' + [guid]::NewGuid().ToString('n'))
New-Item -ItemType Directory `$m | Out-Null
Mount-ContainerLayer work -Path `$m -StorePath `$s
Dismount-ContainerLayer work -StorePath `$s | Out-Null
Export-LayeredImage app:1 -Path (Join-Path '$TestDrive' ('e-' + [guid]::NewGuid().ToString('n') + '.tar')) -StorePath `$s | Out-Null
'umask ' + (& /bin/sh -c umask)
"@
    }

    It 'are 0700 for folders and 0600 for files everywhere, with umask 000' {
        $private = Join-Path ([IO.Path]::GetTempPath()) ('lt-private-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        try {
            Invoke-ChildWithUmask ($work -replace '\$args\[0\]', "'$private'") | Should -Contain 'umask 0000'
            (& stat -c '%a' $private) | Should -Be '700'
            $modes = @(Get-StoreModes $private)
            $modes.Count | Should -BeGreaterThan 20
            $modes | Where-Object Path -like 'layertools/compressed/*' | Should -Not -BeNullOrEmpty
            $modes | Where-Object Path -like 'layertools/containers/*/container.json' | Should -Not -BeNullOrEmpty
            $modes | Where-Object { $_.Type -eq 'd' -and $_.Mode -ne '700' } | Should -BeNullOrEmpty
            $modes | Where-Object { $_.Type -eq 'f' -and $_.Mode -ne '600' } | Should -BeNullOrEmpty
            Test-LayerStore -StorePath $private | Should -BeNullOrEmpty
            # Another user reads nothing of it.
            (Invoke-AsNobody @('cat', (Join-Path $private 'index.json'))).Code | Should -Not -Be 0
        }
        finally { Remove-Item -Recurse -Force -LiteralPath $private -ErrorAction SilentlyContinue }
    }

    It 'are shared with the root folder''s group when it has the setgid bit, but snapshots, containers and cache mounts stay owner-only' {
        $shared = Join-Path ([IO.Path]::GetTempPath()) ('lt-shared-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        try {
            $null = New-Item -ItemType Directory $shared
            & chgrp users $shared; & chmod 2770 $shared
            Invoke-ChildWithUmask ($work -replace '\$args\[0\]', "'$shared'") | Should -Contain 'umask 0000'
            $modes = @(Get-StoreModes $shared)
            $ownerOnly = '^layertools/(snapshots|containers|cache/mounts)(/|$)'
            $open = $modes | Where-Object Path -notmatch $ownerOnly
            $open | Where-Object { $_.Group -ne 'users' } | Should -BeNullOrEmpty
            $open | Where-Object { $_.Type -eq 'd' -and $_.Mode -ne '2770' } | Should -BeNullOrEmpty
            $open | Where-Object { $_.Type -eq 'f' -and $_.Path -match '^(blobs/sha256|layertools/indexes/sha256)/' -and $_.Mode -ne '440' } | Should -BeNullOrEmpty
            $open | Where-Object { $_.Type -eq 'f' -and $_.Path -notmatch '^(blobs/sha256|layertools/indexes/sha256)/' -and $_.Mode -ne '660' } | Should -BeNullOrEmpty
            foreach ($dir in 'layertools/snapshots', 'layertools/containers', 'layertools/cache/mounts') {
                ($modes | Where-Object Path -eq $dir).Mode | Should -Be '700'
            }
            Test-LayerStore -StorePath $shared | Should -BeNullOrEmpty
            # A member of the group reads images; a user outside it reads nothing; nobody enters the snapshots.
            $blob = (Get-ChildItem (Join-Path $shared 'blobs/sha256') | Select-Object -First 1).FullName
            (Invoke-AsNobody @('cat', (Join-Path $shared 'index.json')) -Groups 100).Code | Should -Be 0
            (Invoke-AsNobody @('cat', $blob) -Groups 100).Code | Should -Be 0
            (Invoke-AsNobody @('/bin/sh', '-c', 'echo x > "$0"', $blob) -Groups 100).Output | Should -Match 'Permission denied'
            (Invoke-AsNobody @('cat', (Join-Path $shared 'index.json'))).Code | Should -Not -Be 0
            foreach ($dir in 'layertools/snapshots/layers', 'layertools/containers', 'layertools/cache/mounts') {
                (Invoke-AsNobody @('ls', (Join-Path $shared $dir)) -Groups 100).Output | Should -Match 'Permission denied'
            }
        }
        finally { Remove-Item -Recurse -Force -LiteralPath $shared -ErrorAction SilentlyContinue }
    }

    It 'looser than that, are reported by Test-LayerStore and closed by Optimize-LayerStore' {
        $old = Join-Path ([IO.Path]::GetTempPath()) ('lt-old-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        try {
            $null = Import-LayeredImage -Path $fixtures -StorePath $old
            # As an older LayerTools left a store under umask 022.
            & chmod -R go+rX (Join-Path $old 'blobs') (Join-Path $old 'index.json') (Join-Path $old 'layertools')
            $problem = @(Test-LayerStore -StorePath $old)
            $problem.Count | Should -Be 1
            $problem[0].Kind | Should -Be 'LooseMode'
            $problem[0].Message | Should -Match 'other users'
            Optimize-LayerStore -StorePath $old -WhatIf
            @(Test-LayerStore -StorePath $old).Count | Should -Be 1
            $result = Optimize-LayerStore -StorePath $old -Confirm:$false
            $result.Tightened.Count | Should -BeGreaterThan 5
            ($result | Format-Table | Out-String) | Should -Match "\s$($result.Tightened.Count)\s+True\s"
            Test-LayerStore -StorePath $old | Should -BeNullOrEmpty
            (& stat -c '%a' (Join-Path $old 'index.json')) | Should -Be '600'
            (& stat -c '%a' (Join-Path $old 'blobs/sha256')) | Should -Be '700'
        }
        finally { Remove-Item -Recurse -Force -LiteralPath $old -ErrorAction SilentlyContinue }
    }
}

Describe 'Ingest errors name the archive and the entry' {
    BeforeAll {
        # A layer with a 12 MiB file, refused under an 8 MiB cap in every form it can come in.
        $script:big = Join-Path $TestDrive 'big-rootfs'
        $null = New-Item -ItemType Directory -Force (Join-Path $big 'data')
        Set-Content -LiteralPath (Join-Path $big 'a.txt') -Value 'a'
        $fs = [IO.File]::Create((Join-Path $big 'data/zeros.bin')); $fs.SetLength(12MB); $fs.Dispose()
        $script:bigTar = New-LayerTar -Source $big -Destination (Join-Path $TestDrive 'big.tar')
        $script:bigDocker = New-DockerArchive -Path (Join-Path $TestDrive 'big-docker.tar') -Images @(@{ Tag = 'big:1'; Layers = @($big); History = @('ADD big /') })
        $limitStore = Join-Path ([IO.Path]::GetTempPath()) ('lt-limit-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $script:TestStores += $limitStore
        $null = Import-LayeredImage -Path $bigDocker -StorePath $limitStore
        $script:bigOci = Join-Path $TestDrive 'big-oci'
        Export-LayeredImage big:1 -Path $bigOci -Format OciLayout -StorePath $limitStore | Out-Null
        $script:addCtx = Join-Path $TestDrive 'add-ctx'
        $null = New-Item -ItemType Directory -Force $addCtx
        Copy-Item $bigTar (Join-Path $addCtx 'big.tar')
        Set-Content -LiteralPath (Join-Path $addCtx 'Dockerfile') -Value "FROM scratch`nADD big.tar /x/`n"

        function Get-CappedError([string] $Command) {
            # In a child: the cap is read once, when the module first needs it.
            $s = Join-Path ([IO.Path]::GetTempPath()) ('lt-capped-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
            $script:TestStores += $s
            $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
            $out = Invoke-ChildPwsh -Command "`$env:LAYERTOOLS_MAX_LAYER_BYTES = 8MB; Import-Module '$module'; try { $Command -StorePath '$s' -ErrorAction Stop | Out-Null; 'no error' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
            [pscustomobject]@{ Id = ($out | Select-Object -First 1); Message = ($out | Select-Object -Skip 1) -join ' '; Store = $s }
        }
    }

    It 'names the archive, the layer in it and the entry when a layer passes the size cap: <Form>' -ForEach @(
        @{ Form = 'a root filesystem tar'; Source = 'bigTar'; Member = $null }
        @{ Form = 'a docker-archive'; Source = 'bigDocker'; Member = 'layer.tar' }
        @{ Form = 'an OCI layout'; Source = 'bigOci'; Member = 'blobs/sha256/' }
    ) {
        $path = Get-Variable -Scope Script -Name $Source -ValueOnly
        $err = Get-CappedError "Import-LayeredImage -LiteralPath '$path' -Tag capped:1"
        $err.Id | Should -BeLike 'SizeLimitExceeded*'
        $err.Message | Should -BeLike "*'$path*"
        if ($Member) { $err.Message | Should -BeLike "*$Member*" }
        $err.Message | Should -Match "entry '(\./)?data/zeros\.bin'"
        $err.Message | Should -Match 'LAYERTOOLS_MAX_LAYER_BYTES'
        Get-LayeredImage capped* -StorePath $err.Store | Should -BeNullOrEmpty
    }

    It 'names the archive and the entry when an ADD archive passes the size cap' {
        $err = Get-CappedError "Build-LayeredImage -Path '$addCtx' -Tag capped:1 -Quiet"
        $err.Id | Should -BeLike 'LayerTooLarge*'
        $err.Message | Should -BeLike '*Dockerfile:2*'
        $err.Message | Should -BeLike "*archive 'big.tar'*"
        $err.Message | Should -Match "entry '(\./)?data/zeros\.bin'"
    }

    It 'names the archive and the entry when a layer is damaged after its first entry' {
        $bytes = [IO.File]::ReadAllBytes($bigTar)
        # The header after a.txt's one data block (./ at 0, ./a.txt at 512, data at 1024): spoil its checksum.
        $bytes[1536 + 148] = [byte][char]'9'
        $damaged = Join-Path $TestDrive 'damaged.tar'
        [IO.File]::WriteAllBytes($damaged, $bytes)
        $err = { Import-LayeredImage -Path $damaged -Tag damaged:1 -ErrorAction Stop } | Should -Throw -PassThru
        # Read as an image archive first (a docker-archive is a tar too), then as a layer: either names it.
        $err.FullyQualifiedErrorId | Should -Match '^Corrupt(Archive|Layer),'
        $err.Exception.Message | Should -BeLike "*'$damaged'*"
        $err.Exception.Message | Should -Match "entry '(\./)?a\.txt'"
    }

    It 'names the archive and the entry that climbs out with ..' {
        $evil = Join-Path $TestDrive 'evil.tar'
        & tar -C $big -cf $evil --transform 's,^\./a\.txt,../escape.txt,' ./a.txt
        $err = { Import-LayeredImage -Path $evil -Tag evil:1 -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'PathTraversal*'
        $err.Exception.Message | Should -BeLike "*'$evil'*"
        $err.Exception.Message | Should -BeLike "*'../escape.txt'*"
    }
}
