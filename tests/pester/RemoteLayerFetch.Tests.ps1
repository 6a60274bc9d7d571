# Fetching remote layers (an image built FROM a registry image keeps the base's layers there until a
# command reads their files): the fetch is stopped by Ctrl+C, signs in with the command's -Credential
# and -SkipCertificateCheck, shows per-blob progress, is counted in Get-LayeredImage, and is done by an
# export before it writes. Against the real docker-registry (its access log counts the blob GETs).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Reg = Start-TestRegistry -AccessLog
    $script:Password = 'looking-glass-7'
    $script:Secure = Start-TestRegistry -Tls -User 'alice' -Password $Password
    $script:Alice = [pscredential]::new('alice', (ConvertTo-SecureString $Password -AsPlainText -Force))
    $script:OldDockerConfig = $env:DOCKER_CONFIG
    $env:DOCKER_CONFIG = Join-Path $TestDrive 'docker-config'
    New-TestStore | Out-Null
    New-BusyboxImage -Root (Join-Path $TestDrive 'rootfs') -Tag busybox:test -Applets 'sh', 'echo', 'mkdir', 'cat' | Out-Null
    $null = Publish-LayeredImage busybox:test "$($Reg.Host)/lib/busybox:1"
    $null = Publish-LayeredImage busybox:test "$($Secure.Host)/lib/busybox:1" -Credential $Alice -SkipCertificateCheck
    Remove-TestStore
    $script:BaseManifest = Invoke-RestMethod "http://$($Reg.Host)/v2/lib/busybox/manifests/1" -Headers @{ Accept = 'application/vnd.oci.image.manifest.v1+json' }
    $script:BaseLayer = $BaseManifest.layers[0].digest
    $script:Context = New-TestTree -Root (Join-Path $TestDrive 'ctx') -Files @{ 'hello.txt' = "hello`n"; 'app/main.sh' = "echo hi`n" }

    function Get-BlobGetsSince([int] $Mark) {
        @(Get-RegistryRequest $Reg | Select-Object -Skip $Mark | Where-Object { $_.Method -eq 'GET' -and $_.Path -match '/blobs/sha256:' } | ForEach-Object { ($_.Path -split '/blobs/')[1] })
    }
    function New-Dockerfile([string] $Name, [string] $Text) {
        $path = Join-Path $Context $Name
        Set-Content -LiteralPath $path -Value $Text
        $path
    }
    # Runs a script in a runspace of its own, with the module and this store, and returns it with its handle (for Stop and Streams).
    function Start-InRunspace([string] $Script, [object[]] $Arguments) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("param(`$module, `$store, `$arguments) Import-Module `$module; `$env:LAYERTOOLS_STORE = `$store; $Script").
            AddArgument((Get-Module LayerTools).Path).AddArgument($env:LAYERTOOLS_STORE).AddArgument($Arguments)
        $ps
    }
}

AfterAll {
    $script:Reg, $script:Secure | Stop-TestRegistry
    $env:DOCKER_CONFIG = $OldDockerConfig
    Remove-TestStore
}

Describe 'Ctrl+C during a fetch of remote layers' {
    BeforeAll {
        New-TestStore | Out-Null
        $script:Hostile = Start-HostileRegistry -Stall
        # Only config steps: the base's layer stays in the (stalling) registry.
        $file = New-Dockerfile 'Dockerfile.stall' "FROM $($Hostile.Host)/evil:1`nENV A=1`n"
        $script:Lazy = Build-LayeredImage -Path $Context -File $file -Tag lazy:1 -InformationAction SilentlyContinue
        $script:StoreFiles = { Get-ChildItem -Recurse -File $env:LAYERTOOLS_STORE | Where-Object Name -NE 'store.lock' | ForEach-Object FullName | Sort-Object }
    }
    AfterAll { $script:Hostile | Stop-HostileRegistry; Remove-TestStore }

    It 'stops Get-LayerFile at once and leaves the store as it was' {
        $Lazy.RemoteLayerCount | Should -Be 1
        $before = & $StoreFiles
        Stop-WhileFetching (Start-InRunspace 'Get-LayerFile lazy:1 -Path /file') -Hostile $Hostile
        & $StoreFiles | Should -Be $before
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
        (Get-LayeredImage lazy:1).RemoteLayerCount | Should -Be 1
    }

    It 'stops a read of the Image: drive at once (the fetch it began, too), and leaves the store as it was' {
        $before = & $StoreFiles
        Stop-WhileFetching (Start-InRunspace 'Get-ChildItem Image:\lazy:1\') -Hostile $Hostile
        & $StoreFiles | Should -Be $before
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
        (Get-LayeredImage lazy:1).RemoteLayerCount | Should -Be 1
        # Another runspace's read, stopped too: each drive call watches its own command.
        Stop-WhileFetching (Start-InRunspace 'Get-Content Image:\lazy:1\file') -Hostile $Hostile
        & $StoreFiles | Should -Be $before
    }

    It 'stops a build whose COPY fetches the base at once, and leaves the store as it was' {
        $before = & $StoreFiles
        $file = New-Dockerfile 'Dockerfile.stallcopy' "FROM $($Hostile.Host)/evil:1`nCOPY hello.txt /hello.txt`n"
        Stop-WhileFetching (Start-InRunspace 'Build-LayeredImage -Path $arguments[0] -File $arguments[1] -Tag stopped:1' @($Context, $file)) -Hostile $Hostile
        Get-LayeredImage stopped:1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
        & $StoreFiles | Where-Object { $_ -notin $before } | Where-Object { $_ -like '*/blobs/sha256/*' -or $_ -like '*/indexes/*' } | Should -BeNullOrEmpty -Because 'no layer was half-written'
    }
}

Describe 'A drive read that unpacks a pulled (packed) layer' {
    BeforeAll {
        New-TestStore | Out-Null
        # A layer of 300 files of 2 MB of zeros (600 MB inflated, under 1 MB as gzip), written as a tar
        # straight into gzip while its DiffID is hashed, and pushed by plain HTTP: its unpack takes seconds.
        $gz = Join-Path $TestDrive 'zeros.tar.gz'
        $sha = [Security.Cryptography.SHA256]::Create()
        $file = [IO.File]::Create($gz)
        $gzip = [IO.Compression.GZipStream]::new($file, [IO.Compression.CompressionLevel]::Fastest)
        $hashed = [Security.Cryptography.CryptoStream]::new($gzip, $sha, [Security.Cryptography.CryptoStreamMode]::Write)
        $tar = [Formats.Tar.TarWriter]::new($hashed, [Formats.Tar.TarEntryFormat]::Pax, $false)
        $zeros = [IO.MemoryStream]::new([byte[]]::new(2MB))
        foreach ($i in 1..300) {
            $entry = [Formats.Tar.PaxTarEntry]::new([Formats.Tar.TarEntryType]::RegularFile, "zeros/$i.bin")
            $entry.ModificationTime = [DateTimeOffset]::UnixEpoch
            $zeros.Position = 0
            $entry.DataStream = $zeros
            $tar.WriteEntry($entry)
        }
        $tar.Dispose(); $hashed.Dispose(); $gzip.Dispose(); $file.Dispose()
        $diffId = 'sha256:' + [Convert]::ToHexString($sha.Hash).ToLowerInvariant()
        $config = [Text.Encoding]::UTF8.GetBytes((@{ architecture = 'amd64'; os = 'linux'; config = @{}; rootfs = @{ type = 'layers'; diff_ids = @($diffId) }; history = @(@{ created_by = 'ADD zeros /' }) } | ConvertTo-Json -Depth 5 -Compress))
        $layer = [IO.File]::ReadAllBytes($gz)
        function Send-Blob([byte[]] $Bytes) {
            $digest = 'sha256:' + [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($Bytes)).ToLowerInvariant()
            $started = Invoke-WebRequest -Method Post "http://$($Reg.Host)/v2/lib/zeros/blobs/uploads/"
            $location = [string]$started.Headers.Location
            $location = if ($location.StartsWith('/')) { "http://$($Reg.Host)$location" } else { $location }
            $null = Invoke-WebRequest -Method Put -Body $Bytes -ContentType 'application/octet-stream' ($location + $(if ($location.Contains('?')) { '&' } else { '?' }) + "digest=$digest")
            @{ digest = $digest; size = $Bytes.Length }
        }
        $c = Send-Blob $config
        $l = Send-Blob $layer
        $manifest = @{ schemaVersion = 2; mediaType = 'application/vnd.oci.image.manifest.v1+json'
            config = @{ mediaType = 'application/vnd.oci.image.config.v1+json'; digest = $c.digest; size = $c.size }
            layers = @(@{ mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'; digest = $l.digest; size = $l.size }) } | ConvertTo-Json -Depth 5 -Compress
        $null = Invoke-WebRequest -Method Put -Body $manifest -ContentType 'application/vnd.oci.image.manifest.v1+json' "http://$($Reg.Host)/v2/lib/zeros/manifests/1"
        $null = Request-LayeredImage "$($Reg.Host)/lib/zeros:1"
        $null = Add-LayeredImageTag "$($Reg.Host)/lib/zeros:1" zeros:1
        $null = Request-LayeredImage "$($Reg.Host)/lib/busybox:1"
        $null = Add-LayeredImageTag "$($Reg.Host)/lib/busybox:1" packed-busybox:1
        $script:StoreFiles = { Get-ChildItem -Recurse -File $env:LAYERTOOLS_STORE | Where-Object Name -NE 'store.lock' | ForEach-Object FullName | Sort-Object }
    }
    AfterAll { Remove-TestStore }

    It 'is stopped by Ctrl+C while it unpacks, and leaves the store as it was' {
        (Get-LayeredImage zeros:1).PackedLayerCount | Should -Be 1
        $before = & $StoreFiles
        # Stopped once the unpack is writing the layer into its staging area.
        $tmp = Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp'
        Stop-WhileFetching (Start-InRunspace 'Get-Content Image:\zeros:1\zeros\300.bin -TotalCount 1') -Until { Get-ChildItem -Recurse -File $tmp -ErrorAction SilentlyContinue | Where-Object Length -GT 8MB }
        & $StoreFiles | Should -Be $before
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') | Should -BeNullOrEmpty
        (Get-LayeredImage zeros:1).PackedLayerCount | Should -Be 1
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'says "Unpacking layer ..." with -Verbose, as a cmdlet does, and shows its progress' {
        $ps = Start-InRunspace 'Get-ChildItem Image:\packed-busybox:1\bin -Verbose'
        try {
            $listed = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $verbose = @($ps.Streams.Verbose | ForEach-Object Message)
            $records = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $listed.Name | Should -Contain 'busybox'
        $verbose | Where-Object { $_ -like 'Unpacking layer *' } | Should -HaveCount 1
        $records | Where-Object Activity -Like 'Unpacking 1 layer(s)' | Should -Not -BeNullOrEmpty
        (Get-LayeredImage packed-busybox:1).PackedLayerCount | Should -Be 0
    }
}

Describe 'A fetch signs in as the command that triggers it' {
    BeforeAll {
        New-TestStore | Out-Null
        Remove-Item -Recurse -Force $env:DOCKER_CONFIG -ErrorAction SilentlyContinue
        $file = New-Dockerfile 'Dockerfile.secure' "FROM $($Secure.Host)/lib/busybox:1`nCOPY --link hello.txt /hello.txt`n"
        $script:SecureVerbose = $( $script:Built = Build-LayeredImage -Path $Context -File $file -Tag secure-app:1 -Credential $Alice -SkipCertificateCheck -Verbose -InformationAction SilentlyContinue ) 4>&1 | Out-String
    }
    AfterAll { Remove-TestStore }

    It 'builds FROM a registry that needs a password with -Credential, nothing saved' {
        $Built.RemoteLayerCount | Should -Be 1
        $SecureVerbose | Should -Match "as 'alice' \(-Credential\)"
        $SecureVerbose | Should -Not -Match $Password
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
    }

    It 'fails a fetch without -Credential, naming the refusal, and leaves the store as it was' {
        Get-LayerFile secure-app:1 -Path /bin/busybox -SkipCertificateCheck -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
        Get-LayerFile secure-app:1 -Path /bin/busybox -Credential $Alice -ErrorVariable untrusted -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $untrusted[0].FullyQualifiedErrorId | Should -BeLike 'CertificateUntrusted,*'
        (Get-LayeredImage secure-app:1).RemoteLayerCount | Should -Be 1
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'fetches with the -Credential and -SkipCertificateCheck given to Get-LayerFile, never saving or showing the password' {
        $verbose = $( $file = Get-LayerFile secure-app:1 -Path /bin/busybox -Credential $Alice -SkipCertificateCheck -Verbose ) 4>&1 | Out-String
        $file.Size | Should -Be (Get-Item /usr/bin/busybox).Length
        $verbose | Should -Match "Fetching 1 remote layer\(s\) from $([regex]::Escape($Secure.Host))/lib/busybox .* as 'alice' \(-Credential\)"
        $verbose | Should -Not -Match $Password
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
        (Get-LayeredImage secure-app:1).RemoteLayerCount | Should -Be 0
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'reads an image in a registry that needs a password with the -Credential of Get-ImageHistory and Measure-LayeredImage' {
        Remove-TestStore
        New-TestStore | Out-Null
        $reference = "$($Secure.Host)/lib/busybox:1"
        Get-ImageHistory $reference -SkipCertificateCheck -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
        (Get-ImageHistory $reference -Credential $Alice -SkipCertificateCheck).InRegistry | Should -Contain $true
        $verbose = $( $measured = Measure-LayeredImage $reference -Credential $Alice -SkipCertificateCheck -Verbose ) 4>&1 | Out-String
        $measured.Size | Should -BeGreaterThan ((Get-Item /usr/bin/busybox).Length)
        $verbose | Should -Not -Match $Password
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
    }

    It 'fetches with the build''s -Credential when a COPY reads the base' {
        Remove-TestStore
        New-TestStore | Out-Null
        $file = New-Dockerfile 'Dockerfile.securecopy' "FROM $($Secure.Host)/lib/busybox:1`nCOPY hello.txt /hello.txt`n"
        $built = Build-LayeredImage -Path $Context -File $file -Tag secure-copy:1 -Credential $Alice -SkipCertificateCheck -InformationAction SilentlyContinue
        $built.RemoteLayerCount | Should -Be 0
        Get-LayerFile $built -Path /hello.txt | Get-Content | Should -Be 'hello'
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
    }

    It 'fetches with the -Credential and -SkipCertificateCheck of Test-Dockerfile -Image (its layers weighed), refused without' {
        Remove-TestStore
        New-TestStore | Out-Null
        $file = New-Dockerfile 'Dockerfile.securelint' "FROM $($Secure.Host)/lib/busybox:1`nCOPY --link hello.txt /hello.txt`n"
        $null = Build-LayeredImage -Path $Context -File $file -Tag secure-lint:1 -Credential $Alice -SkipCertificateCheck -InformationAction SilentlyContinue
        (Get-LayeredImage secure-lint:1).RemoteLayerCount | Should -Be 1
        # The findings are grounded in the layers (COPY --link found in history), and LT014 weighs them all.
        $null = Test-Dockerfile $file -Image secure-lint:1 -SkipCertificateCheck -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnauthorized,*'
        (Get-LayeredImage secure-lint:1).RemoteLayerCount | Should -Be 1
        $verbose = $( $null = Test-Dockerfile $file -Image secure-lint:1 -Credential $Alice -SkipCertificateCheck -Verbose -ErrorVariable refused ) 4>&1 | Out-String
        $refused | Should -BeNullOrEmpty
        $verbose | Should -Match "as 'alice' \(-Credential\)"
        $verbose | Should -Not -Match $Password
        (Get-LayeredImage secure-lint:1).RemoteLayerCount | Should -Be 0
        Join-Path $env:DOCKER_CONFIG 'config.json' | Should -Not -Exist
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Progress while remote layers are fetched' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'writes a record for the fetch and a child record per blob, as a pull does (Get-LayerFile)' {
        $file = New-Dockerfile 'Dockerfile.progress' "FROM $($Reg.Host)/lib/busybox:1`nENV P=1`n"
        $null = Build-LayeredImage -Path $Context -File $file -Tag progress:1 -InformationAction SilentlyContinue
        $ps = Start-InRunspace 'Get-LayerFile progress:1 -Path /bin/busybox'
        try {
            $listed = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $listed | Should -HaveCount 1
        $parent = $records | Where-Object { $_.Activity -like "Fetching 1 layer(s) of $($Reg.Host)/lib/busybox" -and $_.ParentActivityId -eq -1 }
        $parent | Should -Not -BeNullOrEmpty
        $parent[-1].RecordType | Should -Be 'Completed'
        $children = $records | Where-Object { $_.ParentActivityId -eq $parent[0].ActivityId }
        $children.Activity | Sort-Object -Unique | Should -Be ('Layer ' + $BaseLayer.Substring(7, 12))
        $children | Where-Object RecordType -EQ 'Completed' | Should -HaveCount 1
    }

    It 'shows the fetch a build''s COPY makes under the build' {
        $file = New-Dockerfile 'Dockerfile.progresscopy' "FROM $($Reg.Host)/lib/busybox:1`nCOPY hello.txt /hello.txt`n"
        $ps = Start-InRunspace 'Build-LayeredImage -Path $arguments[0] -File $arguments[1] -InformationAction SilentlyContinue' @($Context, $file)
        try {
            $null = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $children = $records | Where-Object { $_.ParentActivityId -ne -1 -and $_.Activity -eq ('Layer ' + $BaseLayer.Substring(7, 12)) }
        $children | Should -Not -BeNullOrEmpty
        $children[-1].RecordType | Should -Be 'Completed'
    }
}

Describe 'Get-LayeredImage of an image with remote layers' {
    BeforeAll {
        New-TestStore | Out-Null
        $file = New-Dockerfile 'Dockerfile.size' "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link hello.txt /hello.txt`n"
        $script:Sized = Build-LayeredImage -Path $Context -File $file -Tag sized:1 -InformationAction SilentlyContinue
    }
    AfterAll { Remove-TestStore }

    It 'counts the remote layers at their compressed size from the manifest, apart from the layers in the store' {
        $image = Get-LayeredImage sized:1
        $image.RemoteLayerCount | Should -Be 1
        $image.RemoteSize | Should -Be $BaseManifest.layers[0].size
        $copyLayer = $image.Layers[-1]
        $image.Size | Should -Be (Get-Item (Join-Path $env:LAYERTOOLS_STORE "blobs/sha256/$($copyLayer.Substring(7))")).Length
        $table = $image | Format-Table | Out-String
        $table | Should -Match 'SIZE +REMOTE'
        $table | Should -Match ('2\.\d+kB +' + [regex]::Escape([LayerTools.Formatting.DisplayText]::Size($image.RemoteSize)) + ' ')
    }

    It 'counts the layer in Size, uncompressed, once it is fetched' {
        $null = Get-LayerFile sized:1 -Path /bin/busybox
        $image = Get-LayeredImage sized:1
        $image.RemoteLayerCount | Should -Be 0
        $image.RemoteSize | Should -Be 0
        $image.Size | Should -BeGreaterThan ((Get-Item /usr/bin/busybox).Length)
        ($image | Format-Table | Out-String) | Should -Match ([regex]::Escape([LayerTools.Formatting.DisplayText]::Size($image.Size)) + ' +1 ')
    }
}

Describe 'Get-ImageLayer of an image with remote layers' {
    BeforeAll {
        New-TestStore | Out-Null
        $file = New-Dockerfile 'Dockerfile.layers' "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link hello.txt /hello.txt`n"
        $null = Build-LayeredImage -Path $Context -File $file -Tag layers:1 -InformationAction SilentlyContinue
    }
    AfterAll { Remove-TestStore }

    It 'describes a remote layer from the manifest alone, fetching nothing, and the table says remote' {
        $mark = @(Get-RegistryRequest $Reg).Count
        $layers = @(Get-ImageLayer layers:1)
        $table = $layers | Format-Table | Out-String
        Get-BlobGetsSince $mark | Should -BeNullOrEmpty -Because 'listing the layers needs no layer'
        $layers.Count | Should -Be 2
        $layers[0].InRegistry | Should -BeTrue
        $layers[0].Digest | Should -Be $BaseLayer
        $layers[0].BlobSize | Should -Be $BaseManifest.layers[0].size
        $layers[0].MediaType | Should -Be $BaseManifest.layers[0].mediaType
        $layers[0].Size | Should -BeNullOrEmpty
        $layers[0].FileCount | Should -BeNullOrEmpty
        $layers[0].WhiteoutCount | Should -BeNullOrEmpty
        $layers[1].InRegistry | Should -BeFalse
        $layers[1].FileCount | Should -Be 1
        $layers[1].Size | Should -BeGreaterThan 0
        $table | Should -Match ('(?m)^ +0 ' + [regex]::Escape($layers[0].DiffId.Substring(7, 12)) + ' +remote +remote ')
        $table | Should -Match ('(?m)^ +1 ' + [regex]::Escape($layers[1].DiffId.Substring(7, 12)) + ' +\S+ +1 ')
        (Get-LayeredImage layers:1).RemoteLayerCount | Should -Be 1
    }

    It 'fetches the remote layers with -Fetch, and then knows their size and files' {
        $mark = @(Get-RegistryRequest $Reg).Count
        $layers = @(Get-ImageLayer layers:1 -Fetch)
        Get-BlobGetsSince $mark | Should -Contain $BaseLayer
        $layers[0].InRegistry | Should -BeFalse
        $layers[0].Digest | Should -Be $BaseLayer -Because 'the manifest still names the registry blob'
        $layers[0].Size | Should -BeGreaterThan ((Get-Item /usr/bin/busybox).Length)
        $layers[0].FileCount | Should -BeGreaterThan 4
        (Get-LayeredImage layers:1).RemoteLayerCount | Should -Be 0
        $mark = @(Get-RegistryRequest $Reg).Count
        (Get-ImageLayer layers:1)[0].FileCount | Should -Be $layers[0].FileCount
        Get-BlobGetsSince $mark | Should -BeNullOrEmpty
        Test-LayerStore | Should -BeNullOrEmpty
    }
}

Describe 'Export-LayeredImage of an image with remote layers' {
    BeforeAll {
        New-TestStore | Out-Null
        $script:ExportFile = New-Dockerfile 'Dockerfile.export' "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link hello.txt /app/hello.txt`nCMD [`"/bin/sh`"]`n"
    }
    AfterAll { Remove-TestStore }

    It 'fetches the layers first, and writes an OCI layout skopeo and umoci read whole' -ForEach @(
        @{ Format = 'OciLayout'; Compression = 'Gzip' }
        @{ Format = 'OciLayout'; Compression = 'None' }
    ) {
        Remove-TestStore
        New-TestStore | Out-Null
        $null = Build-LayeredImage -Path $Context -File $ExportFile -Tag exported:1 -InformationAction SilentlyContinue
        (Get-LayeredImage exported:1).RemoteLayerCount | Should -Be 1
        $mark = @(Get-RegistryRequest $Reg).Count
        $layout = Join-Path $TestDrive "layout-$Compression"
        $verbose = Export-LayeredImage exported:1 -Path $layout -Format $Format -Compression $Compression -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'Fetching 1 remote layer\(s\)'
        Get-BlobGetsSince $mark | Should -Be @($BaseLayer)
        (Get-LayeredImage exported:1).RemoteLayerCount | Should -Be 0
        $copied = Join-Path $TestDrive "copied-$Compression"
        & skopeo copy "oci:${layout}:exported:1" "oci:${copied}:app" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $bundle = Join-Path $TestDrive "bundle-$Compression"
        & umoci unpack --image "${copied}:app" $bundle 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Get-Content (Join-Path $bundle 'rootfs/app/hello.txt') -Raw | Should -Be "hello`n"
        (Get-Item (Join-Path $bundle 'rootfs/bin/busybox')).Length | Should -Be (Get-Item /usr/bin/busybox).Length
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'writes a docker-archive skopeo reads whole' {
        Remove-TestStore
        New-TestStore | Out-Null
        $null = Build-LayeredImage -Path $Context -File $ExportFile -Tag exported:2 -InformationAction SilentlyContinue
        $archive = Join-Path $TestDrive 'exported.tar'
        Export-LayeredImage exported:2 -Path $archive
        $copied = Join-Path $TestDrive 'from-archive'
        & skopeo copy "docker-archive:$archive" "oci:${copied}:app" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $bundle = Join-Path $TestDrive 'bundle-archive'
        & umoci unpack --image "${copied}:app" $bundle 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        Join-Path $bundle 'rootfs/bin/busybox' | Should -Exist
        Get-Content (Join-Path $bundle 'rootfs/app/hello.txt') -Raw | Should -Be "hello`n"
    }
}

Describe 'Build steps that do not need the remote base''s files' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'COPY --link with a numeric --chown and a WORKDIR the stage''s own layers hold fetch nothing' {
        $file = New-Dockerfile 'Dockerfile.nofetch' "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link --chown=1000:1000 app /app`nWORKDIR /app`n"
        $mark = @(Get-RegistryRequest $Reg).Count
        $built = Build-LayeredImage -Path $Context -File $file -Tag nofetch:1 -InformationAction SilentlyContinue
        Get-BlobGetsSince $mark | Should -Not -Contain $BaseLayer
        $built.RemoteLayerCount | Should -Be 1
        $built.LayerCount | Should -Be 2 -Because 'WORKDIR /app is a folder already: no layer'
        $built.Config.WorkingDir | Should -Be '/app'
        $main = Get-LayerFile $built -Path /app/main.sh
        $main.Uid, $main.Gid | Should -Be 1000, 1000
    }

    It 'makes the same image as the same build over the pulled base' -ForEach @(
        @{ Steps = "COPY --link --chown=1000:1000 app /app`nWORKDIR /app`nWORKDIR /srv/data" }
        @{ Steps = "COPY --link app /app`nWORKDIR /app/sub`nCOPY hello.txt ." }
        @{ Steps = "COPY --link --chown=app app /app`nENV A=1" }
    ) {
        $file = New-Dockerfile 'Dockerfile.same' "FROM $($Reg.Host)/lib/busybox:1`n$Steps`n"
        $lazy = Build-LayeredImage -Path $Context -File $file -SourceDateEpoch 0 -InformationAction SilentlyContinue
        Remove-TestStore
        New-TestStore | Out-Null
        $null = Request-LayeredImage "$($Reg.Host)/lib/busybox:1"
        $pulled = Build-LayeredImage -Path $Context -File $file -SourceDateEpoch 0 -InformationAction SilentlyContinue
        $pulled.RemoteLayerCount | Should -Be 0
        $lazy.Id | Should -Be $pulled.Id
    }

    It 'a WORKDIR the stage''s layers do not hold, and --chown with a user name, fetch the base (they depend on its files)' {
        $file = New-Dockerfile 'Dockerfile.workdir' "FROM $($Reg.Host)/lib/busybox:1`nWORKDIR /srv/data`n"
        $mark = @(Get-RegistryRequest $Reg).Count
        $built = Build-LayeredImage -Path $Context -File $file -InformationAction SilentlyContinue
        Get-BlobGetsSince $mark | Should -Contain $BaseLayer
        $built.LayerCount | Should -Be 2

        Remove-TestStore
        New-TestStore | Out-Null
        $file = New-Dockerfile 'Dockerfile.chownname' "FROM $($Reg.Host)/lib/busybox:1`nCOPY --link --chown=app app /app`n"
        $mark = @(Get-RegistryRequest $Reg).Count
        $built = Build-LayeredImage -Path $Context -File $file -InformationAction SilentlyContinue
        Get-BlobGetsSince $mark | Should -Contain $BaseLayer -Because '--chown=app is looked up in the base''s /etc/passwd'
        (Get-LayerFile $built -Path /app/main.sh).Uid | Should -Be 1000
    }
}
