# Registries as a user meets them: the real docker-registry started on 127.0.0.1 by the tests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Plain = Start-TestRegistry
    $script:Password = 'wonderland-42'
    $script:Secure = Start-TestRegistry -Tls -User 'alice' -Password $Password
    $script:Alice = [pscredential]::new('alice', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:OldDockerConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
    # Images skopeo pushes as the source of the pulls: base:1 and app:1 of the fixture archive.
    $script:Archive = New-FixtureImages
    foreach ($tag in 'base:1', 'app:1') {
        & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:$tag" "docker://$($Plain.Host)/lib/$tag" 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "skopeo could not push $tag" }
    }
}

AfterAll {
    $script:Plain, $script:Secure | Stop-TestRegistry
    $env:DOCKER_CONFIG = $OldDockerConfig
    Remove-TestStore
}

Describe 'The test registries' {
    It 'serves plain HTTP on loopback and TLS with a user on another port' {
        (Invoke-WebRequest "http://$($Plain.Host)/v2/").StatusCode | Should -Be 200
        $response = Invoke-WebRequest "https://$($Secure.Host)/v2/" -SkipCertificateCheck -SkipHttpErrorCheck
        $response.StatusCode | Should -Be 401
        $response.Headers['WWW-Authenticate'] | Should -BeLike 'Basic realm=*'
    }
}

Describe 'Request-LayeredImage' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'pulls an image tagged with its full reference, with the DiffIDs skopeo reports' {
        $image = Request-LayeredImage "$($Plain.Host)/lib/app:1"
        $image.Reference | Should -Be "$($Plain.Host)/lib/app:1"
        $config = & skopeo inspect --config --tls-verify=false "docker://$($Plain.Host)/lib/app:1" | ConvertFrom-Json
        $image.Layers | Should -Be $config.rootfs.diff_ids
        (Get-LayeredImage "$($Plain.Host)/lib/app:1").Id | Should -Be $image.Id
        Get-LayerFile $image -Path /app/hello.sh | Should -Not -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'keeps the layers packed until first use, which unpacks them in the store with no registry, once' {
        # A registry of its own, stopped before the first read.
        $own = Start-TestRegistry
        try {
            & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:app:1" "docker://$($own.Host)/lib/app:1" 2>&1 | Out-Null
            $image = Request-LayeredImage "$($own.Host)/lib/app:1"
            $manifest = & skopeo inspect --raw --tls-verify=false "docker://$($own.Host)/lib/app:1" | ConvertFrom-Json
        }
        finally { $own | Stop-TestRegistry }
        $image.PackedLayerCount | Should -Be $image.Layers.Count
        $image.RemoteLayerCount | Should -Be 0
        # Only the registry's compressed blobs: no layer tar by DiffID, no entry index.
        foreach ($diffId in $image.Layers) {
            Join-Path $env:LAYERTOOLS_STORE "blobs/sha256/$($diffId.Substring(7))" | Should -Not -Exist
            Join-Path $env:LAYERTOOLS_STORE "layertools/indexes/sha256/$($diffId.Substring(7)).json" | Should -Not -Exist
        }
        foreach ($layer in $manifest.layers) { Join-Path $env:LAYERTOOLS_STORE "blobs/sha256/$($layer.digest.Substring(7))" | Should -Exist }
        $layers = Get-ImageLayer $image
        $layers.Packed | Should -Not -Contain $false
        $layers.InRegistry | Should -Not -Contain $true
        ($layers | Format-Table | Out-String) | Should -Match 'packed'
        Test-LayerStore | Should -BeNullOrEmpty

        # The first read unpacks every layer from the store, and says so; the second reads them as they are.
        $said = Get-LayerFile $image -Path /app/hello.sh -Verbose 4>&1
        @($said | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Unpacking layer *' }).Count | Should -Be $image.Layers.Count
        ($said | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Path | Should -BeLike '*/app/hello.sh'
        foreach ($diffId in $image.Layers) { Join-Path $env:LAYERTOOLS_STORE "layertools/indexes/sha256/$($diffId.Substring(7)).json" | Should -Exist }
        (Get-LayeredImage $image).PackedLayerCount | Should -Be 0
        $again = Get-LayerFile $image -Path /app/hello.sh -Verbose 4>&1
        $again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Unpacking*' } | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'says ManifestUnknown for a tag the registry does not have, and leaves the store alone' {
        Request-LayeredImage "$($Plain.Host)/lib/app:nope" -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ManifestUnknown,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-LayeredImage | Should -BeNullOrEmpty
    }

    It 'refuses a certificate it does not trust unless -SkipCertificateCheck' {
        Request-LayeredImage "$($Secure.Host)/lib/app:1" -Credential $Alice -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CertificateUntrusted,*'
        $failed[0].Exception.Message | Should -Match 'SkipCertificateCheck'
    }

    It 'refuses a blob whose bytes do not match its digest and leaves the store unchanged' {
        $null = Request-LayeredImage "$($Plain.Host)/lib/base:1"
        $before = Get-ChildItem -Recurse -File $env:LAYERTOOLS_STORE | Where-Object Name -NE 'store.lock' | ForEach-Object FullName | Sort-Object
        $hostile = Start-HostileRegistry
        try {
            Request-LayeredImage "$($hostile.Host)/evil:1" -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'DigestMismatch,*'
        }
        finally { $hostile | Stop-HostileRegistry }
        Get-ChildItem -Recurse -File $env:LAYERTOOLS_STORE | Where-Object Name -NE 'store.lock' | ForEach-Object FullName | Sort-Object | Should -Be $before
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Ctrl+C during a pull' {
    BeforeAll { New-TestStore | Out-Null }
    AfterAll { Remove-TestStore }

    It 'stops at once and leaves nothing in the store' {
        $hostile = Start-HostileRegistry -Stall
        try {
            # One script, not a batch of statements: a stopped batch would go on to its next statement.
            $ps = [powershell]::Create()
            $null = $ps.AddScript('param($module, $reference) Import-Module $module; Request-LayeredImage $reference').
                AddArgument((Get-Module LayerTools).Path).AddArgument("$($hostile.Host)/evil:1")
            Stop-WhileFetching $ps -Hostile $hostile
            Get-HostileStallCount $hostile | Should -Be 1 -Because 'the pull waited for the stalled blob'
        }
        finally { $hostile | Stop-HostileRegistry }
        Get-LayeredImage | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Connect-ImageRegistry and Disconnect-ImageRegistry' {
    AfterEach { Remove-Item -Recurse -Force $env:DOCKER_CONFIG -ErrorAction SilentlyContinue }

    It 'refuses a wrong password, saves nothing, and never shows it' {
        $wrong = [pscredential]::new('alice', (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $out = Connect-ImageRegistry $Secure.Host -Credential $wrong -SkipCertificateCheck -Verbose -ErrorVariable failed -ErrorAction SilentlyContinue 4>&1 | Out-String
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
        ($out + ($failed | Out-String)) | Should -Not -Match 'not-the-password'
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
    }

    It 'saves a good credential where skopeo finds it, which later pulls use, and removes it again' {
        $verbose = Connect-ImageRegistry $Secure.Host -Credential $Alice -SkipCertificateCheck -Verbose 4>&1 | Out-String
        $verbose | Should -Not -Match $Password
        $config = Join-Path $env:DOCKER_CONFIG 'config.json'
        (Get-Item $config).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
        (Get-Content $config -Raw | ConvertFrom-Json).auths.($Secure.Host).auth | Should -Be ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("alice:$Password")))
        & skopeo list-tags --authfile $config --tls-verify=false "docker://$($Secure.Host)/nothing" 2>&1 | Out-String | Should -Not -Match 'unauthorized'

        New-TestStore | Out-Null
        try {
            $pushed = Request-LayeredImage "$($Plain.Host)/lib/base:1" | Publish-LayeredImage -Destination "$($Secure.Host)/team/base:1" -SkipCertificateCheck
            $pushed.Reference | Should -Be "$($Secure.Host)/team/base:1"
            (Find-LayeredImage "$($Secure.Host)/team/base" -SkipCertificateCheck).Tag | Should -Be '1'
        }
        finally { Remove-TestStore }

        Disconnect-ImageRegistry $Secure.Host
        Get-Content $config -Raw | Should -Not -Match ([regex]::Escape($Secure.Host))
        Find-LayeredImage "$($Secure.Host)/team/base" -SkipCertificateCheck -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
    }
}

Describe 'Publish-LayeredImage and Find-LayeredImage' {
    BeforeAll { New-TestStore | Out-Null }
    AfterAll { Remove-TestStore }

    It 'pushes an imported image that skopeo copies and umoci unpacks, and a re-push uploads nothing' {
        Import-LayeredImage -Path $Archive | Out-Null
        $first = Publish-LayeredImage app:1 "$($Plain.Host)/pushed/app:1"
        $first.Uploaded | Should -Be 3
        $layout = Join-Path $TestDrive 'copied'
        & skopeo copy --src-tls-verify=false "docker://$($Plain.Host)/pushed/app:1" "oci:${layout}:app" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $bundle = Join-Path $TestDrive 'bundle'
        & umoci unpack --image "${layout}:app" $bundle 2>&1 | Out-Null
        Get-Content (Join-Path $bundle 'rootfs/app/hello.sh') -Raw | Should -Be "#!/bin/sh`necho hello`n"
        Join-Path $bundle 'rootfs/etc/old.conf' | Should -Not -Exist

        $again = Get-LayeredImage app:1 | Publish-LayeredImage -Destination "$($Plain.Host)/pushed/app:1"
        $again.Digest | Should -Be $first.Digest
        $again.Uploaded | Should -Be 0
        (Find-LayeredImage "$($Plain.Host)/pushed/app").Reference | Should -Be "$($Plain.Host)/pushed/app:1"
    }

    It 'compresses a layer never compressed as it uploads it (POST, PATCH, PUT), and a re-push only asks (HEAD)' {
        $logged = Start-TestRegistry -AccessLog
        try {
            $context = New-TestTree -Root (Join-Path $TestDrive 'streamed') -Files @{ 'one.txt' = ('line one' * 40000); 'two.txt' = ('line two' * 40000) }
            Set-Content -LiteralPath (Join-Path $context 'Dockerfile') -Value "FROM scratch`nCOPY one.txt /one.txt`nCOPY two.txt /two.txt`n"
            $null = Build-LayeredImage $context -Tag streamed:1
            $first = Publish-LayeredImage streamed:1 "$($logged.Host)/streamed/app:1"
            $first.Uploaded | Should -Be 3
            $manifest = & skopeo inspect --raw --tls-verify=false "docker://$($logged.Host)/streamed/app:1" | ConvertFrom-Json
            $sent = @(Get-RegistryRequest $logged | Where-Object { $_.Path -like '/v2/streamed/app/blobs/*' })
            # Each layer: one POST, one PATCH of its compressed bytes, one PUT naming the digest the registry stored.
            @($sent | Where-Object Method -EQ 'POST') | Should -HaveCount 3
            @($sent | Where-Object Method -EQ 'PATCH') | Should -HaveCount 2
            foreach ($layer in $manifest.layers) {
                @($sent | Where-Object { $_.Method -eq 'PUT' -and $_.Path -like "*digest=$([uri]::EscapeDataString($layer.digest))" -and $_.Status -eq 201 }) | Should -HaveCount 1
                @($sent | Where-Object { $_.Method -eq 'HEAD' -and $_.Path -like "*/$($layer.digest)" }) | Should -HaveCount 0
            }

            # The store kept those compressed blobs: the re-push only asks for each blob and sends nothing.
            $before = @(Get-RegistryRequest $logged).Count
            $again = Publish-LayeredImage streamed:1 "$($logged.Host)/streamed/app:1"
            "$($again.Uploaded) $($again.Existing) $($again.Digest)" | Should -Be "0 3 $($first.Digest)"
            $later = @(Get-RegistryRequest $logged | Select-Object -Skip $before | Where-Object { $_.Path -like '/v2/streamed/app/blobs/*' })
            @($later | Where-Object Method -NE 'HEAD') | Should -HaveCount 0
            @($later) | Should -HaveCount 3
        }
        finally { $logged | Stop-TestRegistry }
    }

    It 'mounts the blobs of a pulled image into another repository instead of sending them' {
        $pulled = Request-LayeredImage "$($Plain.Host)/lib/base:1"
        $moved = $pulled | Publish-LayeredImage -Destination "$($Plain.Host)/other/base:7"
        $moved.Mounted | Should -Be 2
        $moved.Uploaded | Should -Be 0
        $moved.Digest | Should -Be $pulled.ManifestDigest
    }

    It 'asks for a destination for an untagged image, and -WhatIf sends nothing' {
        Publish-LayeredImage app:1 "$($Plain.Host)/whatif/app:1" -WhatIf | Should -BeNullOrEmpty
        Find-LayeredImage "$($Plain.Host)/whatif/app" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Build-LayeredImage with a registry' {
    BeforeAll {
        New-TestStore | Out-Null
        $script:Context = New-TestTree -Root (Join-Path $TestDrive 'ctx') -Files @{ 'hello.txt' = "hello`n" }
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile') -Value "FROM $($Plain.Host)/lib/base:1`nCOPY hello.txt /hello.txt`n"
    }
    AfterAll { Remove-TestStore }

    It 'pulls the FROM image the store lacks, and -Push sends the result' {
        $built = Build-LayeredImage -Path $Context -Tag "$($Plain.Host)/built/app:1" -Push
        (Get-LayeredImage "$($Plain.Host)/lib/base:1").Layers | Should -HaveCount 1
        $built.Layers | Should -HaveCount 2
        $built.Pushed.Reference | Should -Be "$($Plain.Host)/built/app:1"
        $config = & skopeo inspect --config --tls-verify=false "docker://$($Plain.Host)/built/app:1" | ConvertFrom-Json
        $config.rootfs.diff_ids | Should -Be $built.Layers
    }

    It 'builds on the FROM image the store has, and -Pull takes the newer manifest the registry has under its tag' {
        & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:base:1" "docker://$($Plain.Host)/lib/moving:1" 2>&1 | Out-Null
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.moving') -Value "FROM $($Plain.Host)/lib/moving:1`nCOPY hello.txt /hello.txt`n"
        $base = (& skopeo inspect --config --tls-verify=false "docker://$($Plain.Host)/lib/base:1" | ConvertFrom-Json).rootfs.diff_ids
        $first = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.moving')
        $first.Layers | Select-Object -SkipLast 1 | Should -Be $base

        # The tag moves to app:1 in the registry: without -Pull the build keeps the base it has, with -Pull it takes the new one.
        & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:app:1" "docker://$($Plain.Host)/lib/moving:1" 2>&1 | Out-Null
        $app = (& skopeo inspect --config --tls-verify=false "docker://$($Plain.Host)/lib/moving:1" | ConvertFrom-Json).rootfs.diff_ids
        @($app).Count | Should -BeGreaterThan @($base).Count
        (Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.moving')).Layers | Select-Object -SkipLast 1 | Should -Be $base
        $pulled = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.moving') -Pull
        $pulled.Layers | Select-Object -SkipLast 1 | Should -Be $app
        (Get-LayeredImage "$($Plain.Host)/lib/moving:1").Layers | Should -Be $app
    }

    It 'says BaseImageNotFound for a reference neither the store nor the registry has' {
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.missing') -Value "FROM $($Plain.Host)/lib/none:1`n"
        { Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.missing') -ErrorAction Stop } |
            Should -Throw -ErrorId 'BaseImageNotFound*'
    }
}

Describe 'Build-LayeredImage -CacheFrom' {
    AfterAll { Remove-TestStore }

    It 'lets a fresh store hit every step of an image pushed from another, and make the same image' {
        New-TestStore | Out-Null
        $work = Join-Path $TestDrive 'cachefrom'
        New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:test -Applets 'sh', 'echo', 'mkdir' | Out-Null
        $null = Publish-LayeredImage busybox:test "$($Plain.Host)/cache/busybox:1"
        $context = New-TestTree -Root (Join-Path $work 'ctx') -Files @{ 'hello.txt' = "hello`n" }
        Set-Content -LiteralPath (Join-Path $context 'Dockerfile') -Value "FROM $($Plain.Host)/cache/busybox:1`nRUN mkdir /made && echo made > /made/file`nCOPY hello.txt /hello.txt`nENV GREETING=hi`n"
        $first = Build-LayeredImage -Path $context -Tag "$($Plain.Host)/cache/app:1" -Push -InformationAction SilentlyContinue

        Remove-TestStore
        New-TestStore | Out-Null
        $second = Build-LayeredImage -Path $context -CacheFrom "$($Plain.Host)/cache/app:1" -InformationAction SilentlyContinue
        $second.Id | Should -Be $first.Id
        $steps = $second.BuildSteps | Where-Object Instruction -NotLike 'FROM *'
        $steps | Should -HaveCount 3
        $steps.Cached | Should -Not -Contain $false
    }
}
