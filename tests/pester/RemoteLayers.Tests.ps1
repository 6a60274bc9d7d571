# Remote layers: a build reads a registry base's manifest and config only, and fetches a layer only
# when a step reads its files. The real docker-registry logs every request, which the tests count.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Reg = Start-TestRegistry -AccessLog
    $script:OldDockerConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
    New-TestStore | Out-Null
    New-BusyboxImage -Root (Join-Path $TestDrive 'rootfs') -Tag busybox:test -Applets 'sh', 'echo', 'mkdir', 'cat' | Out-Null
    $null = Publish-LayeredImage busybox:test "$($Reg.Host)/lib/busybox:1"
    Remove-TestStore
    $script:BaseManifest = Invoke-RestMethod "http://$($Reg.Host)/v2/lib/busybox/manifests/1" -Headers @{ Accept = 'application/vnd.oci.image.manifest.v1+json' }
    $script:BaseLayer = $BaseManifest.layers[0].digest
    $script:Context = New-TestTree -Root (Join-Path $TestDrive 'ctx') -Files @{ 'hello.txt' = "hello`n" }

    function Get-RequestsSince([int] $Mark) { @(Get-RegistryRequest $Reg) | Select-Object -Skip $Mark }
    function Get-BlobGets($Requests) { @($Requests | Where-Object { $_.Method -eq 'GET' -and $_.Path -match '/blobs/sha256:' } | ForEach-Object { ($_.Path -split '/blobs/')[1] }) }
}

AfterAll {
    $script:Reg | Stop-TestRegistry
    $env:DOCKER_CONFIG = $OldDockerConfig
    Remove-TestStore
}

Describe 'A build FROM a registry image that reads none of its files' {
    BeforeAll {
        New-TestStore | Out-Null
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.link') -Value "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link hello.txt /app/hello.txt`nENV MODE=prod`nCMD [`"/bin/sh`"]`n"
        $script:Mark = @(Get-RegistryRequest $Reg).Count
        $script:Verbose = $( $script:Built = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.link') -Tag "$($Reg.Host)/team/app:1" -Push -Verbose ) 4>&1 | Out-String
        $script:Requests = Get-RequestsSince $Mark
    }
    AfterAll { Remove-TestStore }

    It 'downloads no base layer: only the manifest and config, and says so' {
        Get-BlobGets $Requests | Should -Be @($BaseManifest.config.digest)
        ($Built.BuildSteps | Where-Object Index -EQ 0).RemoteLayers | Should -Be 1
        $Verbose | Should -Match '1 layer\(s\) stay in the registry until a step needs their files'
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'pushes with the base layer mounted across repositories, and the pushed image is whole' {
        $Built.Pushed.Mounted | Should -Be 1
        $Built.Pushed.Uploaded | Should -Be 2 -Because 'the config and the COPY layer are new'
        $Requests | Where-Object { $_.Method -eq 'POST' -and $_.Path -like "*mount=$BaseLayer*from=lib%2Fbusybox*" } | ForEach-Object Status | Should -Be 201
        $layout = Join-Path $TestDrive 'copied'
        & skopeo copy --src-tls-verify=false "docker://$($Reg.Host)/team/app:1" "oci:${layout}:app" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $bundle = Join-Path $TestDrive 'bundle'
        & umoci unpack --image "${layout}:app" $bundle 2>&1 | Out-Null
        Get-Content (Join-Path $bundle 'rootfs/app/hello.txt') -Raw | Should -Be "hello`n"
        Join-Path $bundle 'rootfs/bin/busybox' | Should -Exist
    }

    It 'fetches the base layer when a later command reads its files, and only then' {
        $mark = @(Get-RegistryRequest $Reg).Count
        Get-LayerFile $Built -Path /bin/busybox | Should -Not -BeNullOrEmpty
        Get-BlobGets (Get-RequestsSince $mark) | Should -Be @($BaseLayer)
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'A build FROM a registry image whose COPY reads the base''s files' {
    BeforeAll { New-TestStore | Out-Null }
    AfterAll { Remove-TestStore }

    It 'fetches the base layer at that step, and names the step' {
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.copy') -Value "FROM $($Reg.Host)/lib/busybox:1`nENV A=1`nCOPY hello.txt /app/hello.txt`n"
        $mark = @(Get-RegistryRequest $Reg).Count
        $verbose = $( $built = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.copy') -Verbose ) 4>&1 | Out-String
        $verbose | Should -Match 'COPY hello.txt /app/hello.txt: reads the stage''s files: fetching 1 remote layer'
        Get-BlobGets (Get-RequestsSince $mark) | Should -Contain $BaseLayer
        Get-LayerFile $built -Path /app/hello.txt | Get-Content | Should -Be 'hello'
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'A fully cached -CacheFrom build pushed back to the registry it came from' {
    BeforeAll {
        New-TestStore | Out-Null
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.multi') -Value @"
FROM $($Reg.Host)/lib/busybox:1 AS build
RUN mkdir /out && echo built > /out/file
FROM $($Reg.Host)/lib/busybox:1
COPY --link hello.txt /hello.txt
COPY --link --from=build /out/file /file
ENV X=1
WORKDIR /srv/app
"@
        $script:First = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.multi') -Tag "$($Reg.Host)/team/multi:1" -Push -CacheTo "$($Reg.Host)/team/multi-cache:1" -InformationAction SilentlyContinue
        Remove-TestStore
        New-TestStore | Out-Null
        $script:Mark = @(Get-RegistryRequest $Reg).Count
        $script:Second = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.multi') -Tag "$($Reg.Host)/team/multi:1" -Push -CacheFrom "$($Reg.Host)/team/multi-cache:1" -InformationAction SilentlyContinue
        $script:Requests = Get-RequestsSince $Mark
    }
    AfterAll { Remove-TestStore }

    It 'hits every step and makes the same image, pushed as the same manifest' {
        $Second.BuildSteps | Where-Object Instruction -NotLike 'FROM *' | ForEach-Object Cached | Should -Not -Contain $false
        $Second.Id | Should -Be $First.Id
        $Second.Pushed.Digest | Should -Be $First.Pushed.Digest
    }

    It 'uploads no blob' {
        $Second.Pushed.Uploaded | Should -Be 0
        $Requests | Where-Object { $_.Method -in 'PUT', 'PATCH' -and $_.Path -like '*/blobs/uploads/*' } | Should -BeNullOrEmpty
    }

    It 'downloads only the layers COPY --from reads: the build stage''s base and RUN layers' {
        $run = ($First.BuildSteps | Where-Object Instruction -Like 'RUN *').LayerDiffId
        $manifest = Invoke-RestMethod "http://$($Reg.Host)/v2/team/multi-cache/manifests/1" -Headers @{ Accept = 'application/vnd.oci.image.manifest.v1+json' }
        $cacheConfig = Invoke-RestMethod "http://$($Reg.Host)/v2/team/multi-cache/blobs/$($manifest.config.digest)"
        $runBlob = $manifest.layers[[array]::IndexOf(@($cacheConfig.layers.diffId), $run)].digest
        $layerGets = @(Get-BlobGets $Requests | Where-Object { $_ -in $manifest.layers.digest })
        $layerGets | Sort-Object | Should -Be (@($BaseLayer, $runBlob) | Sort-Object)
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Get-ImageHistory, Measure-LayeredImage and Compare-Layer with a registry reference' {
    BeforeAll {
        New-TestStore | Out-Null
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile.reads') -Value "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link hello.txt /app/hello.txt`nENV MODE=read`n"
        $null = Build-LayeredImage -Path $Context -File (Join-Path $Context 'Dockerfile.reads') -Tag "$($Reg.Host)/team/reads:1" -Push
        Remove-TestStore
        New-TestStore | Out-Null
    }
    AfterAll { Remove-TestStore }

    It 'Get-ImageHistory reads the manifest and config only, and names nothing in the store' {
        $mark = @(Get-RegistryRequest $Reg).Count
        $history = Get-ImageHistory "$($Reg.Host)/team/reads:1"
        $history[0].CreatedBy | Should -Be 'ENV MODE=read'
        $copy = $history | Where-Object CreatedBy -Like 'COPY *'
        $copy.InRegistry | Should -BeTrue
        $copy.Size | Should -BeGreaterThan 0
        $gets = Get-BlobGets (Get-RequestsSince $mark)
        $gets | Should -HaveCount 1 -Because 'only the config blob is read'
        Get-LayeredImage | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'Compare-Layer fetches each layer it reads once, and shows what the image adds to its base' {
        $mark = @(Get-RegistryRequest $Reg).Count
        $changes = Compare-Layer "$($Reg.Host)/lib/busybox:1" "$($Reg.Host)/team/reads:1"
        ($changes | Where-Object LayerPath -EQ '/app/hello.txt').Change | Should -Be 'Added'
        $layerGets = Get-BlobGets (Get-RequestsSince $mark) | Where-Object { $_ -ne $BaseManifest.config.digest }
        @($layerGets | Where-Object { $_ -eq $BaseLayer }) | Should -HaveCount 1 -Because 'the base layer both images share is fetched once'
        Get-LayeredImage | Should -BeNullOrEmpty
    }

    It 'Measure-LayeredImage says it fetches the layers still in the registry, and fetches them once' {
        Remove-TestStore
        New-TestStore | Out-Null
        $mark = @(Get-RegistryRequest $Reg).Count
        $verbose = $( $analysis = Measure-LayeredImage "$($Reg.Host)/team/reads:1" -Verbose ) 4>&1 | Out-String
        $analysis.Image | Should -Be "$($Reg.Host)/team/reads:1"
        $verbose | Should -Match 'fetching the 2 layer\(s\) still in the registry'
        @(Get-BlobGets (Get-RequestsSince $mark) | Where-Object { $_ -eq $BaseLayer }) | Should -HaveCount 1

        $mark = @(Get-RegistryRequest $Reg).Count
        $again = Measure-LayeredImage "$($Reg.Host)/team/reads:1"
        $again.WastedBytes | Should -Be $analysis.WastedBytes
        Get-BlobGets (Get-RequestsSince $mark) | Should -HaveCount 1 -Because 'only the config is read again; the layers are in the store now'
        Test-LayerStore | Should -BeNullOrEmpty
    }
}
