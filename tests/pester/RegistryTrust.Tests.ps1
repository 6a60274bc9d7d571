# What issue 10 promises a user about platforms, plain HTTP, certificates and secrets, against the real
# docker-registry on 127.0.0.1 started by the tests, through the laid-out module as a user types it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Plain = Start-TestRegistry
    $script:Password = 'queen-of-hearts-77'
    $script:Secure = Start-TestRegistry -Tls -User 'alice' -Password $Password
    $script:Alice = [pscredential]::new('alice', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:OldDockerConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
    $script:Archive = New-FixtureImages
    & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:app:1" "docker://$($Plain.Host)/lib/app:1" 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'skopeo could not push app:1' }
}

AfterAll {
    $script:Plain, $script:Secure | Stop-TestRegistry
    $env:DOCKER_CONFIG = $OldDockerConfig
    Remove-TestStore
}

Describe 'Request-LayeredImage -Platform' {
    BeforeAll {
        # A two-platform OCI index in an OCI layout (app:1 as amd64, the same image re-configured as
        # arm64 by umoci), pushed whole by skopeo copy --all.
        $layout = Join-Path $TestDrive 'multi-layout'
        & skopeo copy "docker-archive:${Archive}:app:1" "oci:${layout}:amd64" 2>&1 | Out-Null
        & umoci config --image "${layout}:amd64" --architecture amd64 --os linux 2>&1 | Out-Null
        & umoci config --image "${layout}:amd64" --tag arm64 --architecture arm64 --os linux 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'umoci could not make the arm64 image' }
        $indexPath = Join-Path $layout 'index.json'
        $index = Get-Content -Raw $indexPath | ConvertFrom-Json
        $entries = foreach ($arch in 'amd64', 'arm64') {
            $d = $index.manifests | Where-Object { $_.annotations.'org.opencontainers.image.ref.name' -eq $arch }
            [ordered]@{ mediaType = $d.mediaType; digest = $d.digest; size = $d.size; platform = [ordered]@{ architecture = $arch; os = 'linux' } }
        }
        $bytes = [Text.Encoding]::UTF8.GetBytes((@{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.index.v1+json'; manifests = @($entries) } | ConvertTo-Json -Depth 5 -Compress))
        $hex = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant()
        [IO.File]::WriteAllBytes((Join-Path $layout "blobs/sha256/$hex"), $bytes)
        $index.manifests = @([ordered]@{ mediaType = 'application/vnd.oci.image.index.v1+json'; digest = "sha256:$hex"; size = $bytes.Length; annotations = @{ 'org.opencontainers.image.ref.name' = 'multi' } })
        Set-Content -LiteralPath $indexPath -Value ($index | ConvertTo-Json -Depth 5 -Compress) -NoNewline
        & skopeo copy --all --dest-tls-verify=false "oci:${layout}:multi" "docker://$($Plain.Host)/lib/multi:both" 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'skopeo could not push the two-platform index' }
        $raw = & skopeo inspect --raw --tls-verify=false "docker://$($Plain.Host)/lib/multi:both" | ConvertFrom-Json
        if (@($raw.manifests).Count -ne 2) { throw 'the registry does not hold a two-platform index' }
    }
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'pulls the host''s platform by default and the one -Platform names' {
        $default = Request-LayeredImage "$($Plain.Host)/lib/multi:both"
        $default.Architecture | Should -Be 'amd64'
        $arm = Request-LayeredImage "$($Plain.Host)/lib/multi:both" -Platform linux/arm64
        $arm.Architecture | Should -Be 'arm64'
        $arm.Id | Should -Not -Be $default.Id
        $arm.Layers | Should -Be $default.Layers
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'says PlatformNotFound, listing the platforms the index has, and leaves the store alone' {
        Request-LayeredImage "$($Plain.Host)/lib/multi:both" -Platform linux/s390x -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'PlatformNotFound,*'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failed[0].Exception.Message | Should -Match 'linux/s390x'
        $failed[0].Exception.Message | Should -Match 'linux/amd64, linux/arm64'
        Get-LayeredImage | Should -BeNullOrEmpty
    }
}
