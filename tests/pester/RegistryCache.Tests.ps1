# Build-LayeredImage -CacheTo / -CacheFrom with a cache image, against the real docker-registry on 127.0.0.1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Plain = Start-TestRegistry
    $script:OldDockerConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
}

AfterAll {
    $script:Plain | Stop-TestRegistry
    $env:DOCKER_CONFIG = $OldDockerConfig
    Remove-TestStore
}

Describe 'Build-LayeredImage -CacheTo' {
    BeforeAll {
        New-TestStore | Out-Null
        $work = Join-Path $TestDrive 'cacheto'
        New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:test -Applets 'sh', 'echo', 'mkdir' | Out-Null
        $null = Publish-LayeredImage busybox:test "$($Plain.Host)/ct/busybox:1"
        $script:Context = New-TestTree -Root (Join-Path $work 'ctx') -Files @{ 'hello.txt' = "hello`n" }
        Set-Content -LiteralPath (Join-Path $Context 'Dockerfile') -Value @"
FROM $($Plain.Host)/ct/busybox:1 AS build
RUN mkdir /out && echo built > /out/file
ENV STAGE=build
FROM $($Plain.Host)/ct/busybox:1
COPY --from=build /out/file /file
COPY hello.txt /hello.txt
"@
        $script:First = Build-LayeredImage -Path $Context -Tag "$($Plain.Host)/ct/app:1" -Push -CacheTo "$($Plain.Host)/ct/cache:main" -InformationAction SilentlyContinue
        Remove-TestStore
    }
    AfterEach { Remove-TestStore }

    It 'pushes a cache image whose config lists every stage''s steps and layers' {
        $First.CachePushed.Reference | Should -Be "$($Plain.Host)/ct/cache:main"
        $manifest = & skopeo inspect --raw --tls-verify=false "docker://$($Plain.Host)/ct/cache:main" | ConvertFrom-Json
        $manifest.config.mediaType | Should -Be 'application/vnd.layertools.cache.config.v1+json'
        # busybox, the RUN of the build stage, the two COPY layers of the final stage.
        $manifest.layers | Should -HaveCount 4
        $manifest.layers.mediaType | Sort-Object -Unique | Should -Be 'application/vnd.oci.image.layer.v1.tar+gzip'
        $config = Invoke-RestMethod "http://$($Plain.Host)/v2/ct/cache/blobs/$($manifest.config.digest)"
        $config.layers.diffId | Should -Contain ($First.BuildSteps | Where-Object Instruction -Like 'RUN *').LayerDiffId
        $config.records.createdBy | Should -Contain 'ENV STAGE=build'
    }

    It 'lets a fresh store hit every step of every stage with -CacheFrom the cache image, and make the same image' {
        New-TestStore | Out-Null
        $verbose = $( $second = Build-LayeredImage -Path $Context -CacheFrom "$($Plain.Host)/ct/cache:main" -Verbose -InformationAction SilentlyContinue ) 4>&1 | Out-String
        $verbose | Should -Match 'a cache image of 4 layer\(s\), 0 in the store, 4 left in the registry'
        $second.Id | Should -Be $First.Id
        $steps = $second.BuildSteps | Where-Object Instruction -NotLike 'FROM *'
        $steps | Should -HaveCount 4
        $steps.Cached | Should -Not -Contain $false
        Get-LayerFile $second -Path /file | Get-Content | Should -Be 'built'
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'runs the RUN of an intermediate stage again with only the inline cache of the final image (why -CacheTo exists)' {
        New-TestStore | Out-Null
        $third = Build-LayeredImage -Path $Context -CacheFrom "$($Plain.Host)/ct/app:1" -InformationAction SilentlyContinue
        ($third.BuildSteps | Where-Object Instruction -Like 'RUN *').Cached | Should -BeFalse
    }

    It 'records the cache image''s remote layers only under the store lock (two processes at once keep both records)' {
        $store = New-TestStore
        # A store holding the FROM image (its layer's record written by the pull), so the build needs no pull.
        $null = Request-LayeredImage "$($Plain.Host)/ct/busybox:1"
        $remote = Join-Path $store 'layertools/remote'
        $before = @(Get-ChildItem -Path $remote -Filter *.json).Name
        # Another process's commit holds the store lock while this build reads the cache image.
        $held = [IO.File]::Open((Join-Path $store 'layertools/store.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $job = Start-ThreadJob -ArgumentList (Get-Module LayerTools).Path, $Context, "$($Plain.Host)/ct/cache:main" -ScriptBlock {
                param($Module, $Path, $Cache)
                Import-Module $Module
                Build-LayeredImage -Path $Path -CacheFrom $Cache -InformationAction SilentlyContinue
            }
            # Without the lock the records are written about a second after the job starts; bounded wait.
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            $added = { @(Get-ChildItem -Path $remote -Filter *.json | Where-Object Name -NotIn $before) }
            while ([DateTime]::UtcNow -lt $deadline -and @(& $added).Count -eq 0) { Start-Sleep -Milliseconds 200 }
            & $added | Should -BeNullOrEmpty -Because 'a record is written only in a commit, under the store lock'
        } finally {
            $held.Dispose()
        }
        $built = $job | Wait-Job -Timeout 180 | Receive-Job -ErrorAction Stop
        $job | Remove-Job -Force
        $built.Id | Should -Be $First.Id
        # busybox's record was there; the RUN and the two COPY layers are recorded after the lock is let go.
        @(& $added).Count | Should -Be 3
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 're-pushing the same cache uploads nothing' {
        New-TestStore | Out-Null
        $again = Build-LayeredImage -Path $Context -CacheFrom "$($Plain.Host)/ct/cache:main" -CacheTo "$($Plain.Host)/ct/cache:main" -InformationAction SilentlyContinue
        $again.CachePushed.Uploaded | Should -Be 0
        $again.CachePushed.Digest | Should -Be $First.CachePushed.Digest
    }
}
