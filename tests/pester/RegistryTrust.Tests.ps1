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
    & skopeo copy --dest-tls-verify=false --dest-creds "alice:$Password" "docker-archive:${Archive}:app:1" "docker://$($Secure.Host)/lib/app:1" 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'skopeo could not push app:1 to the TLS registry' }
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

Describe '$env:LAYERTOOLS_INSECURE_REGISTRIES' {
    BeforeAll {
        # A plain-HTTP registry reached by a name that is not a loopback literal: the machine's host
        # name, on the loopback address it resolves to (127.0.0.1 here; 127.0.1.1 as Debian's installer
        # writes /etc/hosts), the registry started on that address. A host name that resolves to no
        # loopback address (a container's own IP) fails here, saying so, rather than test nothing.
        $name = [Net.Dns]::GetHostName()
        $loopback = @([Net.Dns]::GetHostAddresses($name) | Where-Object { $_.AddressFamily -eq 'InterNetwork' -and [Net.IPAddress]::IsLoopback($_) })
        if ($loopback.Count -eq 0) {
            throw "The host name '$name' resolves to no loopback address ($([Net.Dns]::GetHostAddresses($name) -join ', ')), which this test needs."
        }
        $script:Named = Start-TestRegistry -Address $loopback[0].ToString()
        & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:app:1" "docker://$($Named.Host)/lib/app:1" 2>&1 | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "skopeo could not push app:1 to $($Named.Host)" }
        $script:HostName = $name
        $script:ByName = "${name}:$($Named.Port)"
        $script:OldInsecure = $env:LAYERTOOLS_INSECURE_REGISTRIES
    }
    AfterAll {
        $env:LAYERTOOLS_INSECURE_REGISTRIES = $OldInsecure
        $script:Named | Stop-TestRegistry
    }
    BeforeEach {
        New-TestStore | Out-Null
        Remove-Item Env:LAYERTOOLS_INSECURE_REGISTRIES -ErrorAction SilentlyContinue
    }
    AfterEach { Remove-TestStore }

    It 'refuses plain HTTP to a registry named by a host that is not loopback, and leaves the store alone' {
        Request-LayeredImage "$ByName/lib/app:1" -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CertificateUntrusted,*'
        $failed[0].Exception.Message | Should -Match "TLS connection to $([regex]::Escape($ByName)) failed: .*list it in \`$env:LAYERTOOLS_INSECURE_REGISTRIES"
        Get-LayeredImage | Should -BeNullOrEmpty
        # Listing another registry changes nothing.
        $env:LAYERTOOLS_INSECURE_REGISTRIES = 'registry.example:5000'
        Request-LayeredImage "$ByName/lib/app:1" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-LayeredImage | Should -BeNullOrEmpty
    }

    It 'allows plain HTTP to a host:port or a host the variable lists' {
        $env:LAYERTOOLS_INSECURE_REGISTRIES = "registry.example:5000, $ByName"
        $image = Request-LayeredImage "$ByName/lib/app:1"
        $image.Reference | Should -Be "$ByName/lib/app:1"
        Get-LayerFile $image -Path /app/hello.sh | Should -Not -BeNullOrEmpty
        $env:LAYERTOOLS_INSECURE_REGISTRIES = $HostName
        (Find-LayeredImage "$ByName/lib/app").Tag | Should -Be '1'
    }
}

Describe 'The default certificate folders' {
    BeforeAll {
        $script:OldCertsD = $env:LAYERTOOLS_CERTS_D
        Remove-Item Env:LAYERTOOLS_CERTS_D -ErrorAction SilentlyContinue
        # Docker's own layout, as a user sets it up: /etc/docker/certs.d/<host:port>/ca.crt. Only this
        # registry's folder (its port is free and new) is written, and removed again.
        $script:HostCerts = "/etc/docker/certs.d/$($Secure.Host)"
        if (Test-Path -LiteralPath $HostCerts) { throw "$HostCerts exists already." }
        $script:MadeCertsD = -not (Test-Path -LiteralPath /etc/docker/certs.d)
    }
    AfterAll {
        Remove-Item -Recurse -Force -LiteralPath $HostCerts -ErrorAction SilentlyContinue
        if ($MadeCertsD) { Remove-Item -Recurse -Force -LiteralPath /etc/docker/certs.d -ErrorAction SilentlyContinue }
        if ($OldCertsD) { $env:LAYERTOOLS_CERTS_D = $OldCertsD }
    }
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'trusts the CA in /etc/docker/certs.d/<host:port>/ca.crt with no -SkipCertificateCheck and no LAYERTOOLS_CERTS_D' {
        Request-LayeredImage "$($Secure.Host)/lib/app:1" -Credential $Alice -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'CertificateUntrusted,*'
        $failed[0].Exception.Message | Should -Match ([regex]::Escape("/etc/docker/certs.d/$($Secure.Host)/ca.crt"))

        $null = New-Item -ItemType Directory -Force -Path $HostCerts
        Copy-Item -LiteralPath (Join-Path $Secure.CertDir 'ca.crt') -Destination (Join-Path $HostCerts 'ca.crt')
        $image = Request-LayeredImage "$($Secure.Host)/lib/app:1" -Credential $Alice
        $image.Reference | Should -Be "$($Secure.Host)/lib/app:1"
        Get-LayerFile $image -Path /app/hello.sh | Should -Not -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Secrets' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach {
        Remove-Item -Recurse -Force $env:DOCKER_CONFIG -ErrorAction SilentlyContinue
        Remove-TestStore
    }

    It 'never shows a -Credential''s password in errors, verbose or debug output, or the session''s history' {
        # A session of its own that records history as an interactive one does; the credentials are
        # handed in as variables, as Get-Credential would make them (the typed text holds no password).
        $wrongPassword = 'mad-hatter-tea-party-19'
        $session = [powershell]::Create()
        try {
            $session.Runspace.SessionStateProxy.SetVariable('right', $Alice)
            $session.Runspace.SessionStateProxy.SetVariable('wrong', [pscredential]::new('alice', (ConvertTo-SecureString $wrongPassword -AsPlainText -Force)))
            $settings = [Management.Automation.PSInvocationSettings]::new()
            $settings.AddToHistory = $true
            $typed = @(
                "Import-Module '$((Get-Module LayerTools).Path)'"
                "Request-LayeredImage $($Secure.Host)/lib/app:1 -Credential `$wrong -SkipCertificateCheck -Verbose -Debug -ErrorAction Continue"
                "Request-LayeredImage $($Secure.Host)/lib/app:1 -Credential `$right -SkipCertificateCheck -Verbose -Debug"
                "Connect-ImageRegistry $($Secure.Host) -Credential `$wrong -SkipCertificateCheck -Verbose -Debug -ErrorAction Continue"
                "Connect-ImageRegistry $($Secure.Host) -Credential `$right -SkipCertificateCheck -Verbose -Debug"
                "Publish-LayeredImage $($Secure.Host)/lib/app:1 $($Secure.Host)/lib/copy:1 -SkipCertificateCheck -Verbose -Debug"
            )
            $said = foreach ($line in $typed) {
                $session.Commands.Clear()
                $null = $session.AddScript($line)
                $session.Invoke($null, $settings) | Out-String
            }
            $errors = @($session.Streams.Error)
            $errors.FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
            $errors | Should -HaveCount 2
            $seen = @(
                $said
                $errors | ForEach-Object { $_ | Format-List * -Force | Out-String; $_.Exception.ToString(); $_.TargetObject | Out-String; $_.ErrorDetails | Out-String }
                $session.Streams.Verbose | Out-String
                $session.Streams.Debug | Out-String
                $session.Streams.Warning | Out-String
                $session.Streams.Information | Out-String
            ) -join "`n"
            $session.Commands.Clear()
            $null = $session.AddScript('$Error | ForEach-Object { $_ | Format-List * -Force | Out-String }')
            $seen += $session.Invoke() | Out-String
            $session.Commands.Clear()
            $null = $session.AddScript('Get-History | Format-List * | Out-String')
            $history = $session.Invoke() | Out-String
            $history | Should -Match ([regex]::Escape('Connect-ImageRegistry')) -Because 'the history holds the typed commands'
            $seen += $history
            $session.Streams.Verbose | Should -Not -BeNullOrEmpty
            $seen | Should -Not -Match $Password
            $seen | Should -Not -Match $wrongPassword
        } finally {
            $session.Dispose()
        }
    }
}
