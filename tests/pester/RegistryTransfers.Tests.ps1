# Registry transfers as a user meets them: client certificates from certs.d (docker's layout, the
# root moved with $env:LAYERTOOLS_CERTS_D), and progress while layers move side by side. Against
# the real docker-registry started on 127.0.0.1 by the tests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Plain = Start-TestRegistry
    $script:Archive = New-FixtureImages
    & skopeo copy --dest-tls-verify=false "docker-archive:${Archive}:app:1" "docker://$($Plain.Host)/lib/app:1" 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'skopeo could not push app:1' }

    # A client certificate authority and a client certificate it signed, made with openssl here.
    $pki = Join-Path $TestDrive 'pki'
    $null = New-Item -ItemType Directory -Force $pki
    & openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=LayerTools test client CA' -keyout "$pki/ca.key" -out "$pki/client-ca.crt" 2>&1 | Out-Null
    & openssl req -newkey rsa:2048 -nodes -subj '/CN=layertools-tester' -keyout "$pki/client.key" -out "$pki/client.csr" 2>&1 | Out-Null
    Set-Content "$pki/ext.cnf" 'extendedKeyUsage=clientAuth'
    & openssl x509 -req -in "$pki/client.csr" -CA "$pki/client-ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 2 -extfile "$pki/ext.cnf" -out "$pki/client.cert" 2>&1 | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'openssl could not sign the client certificate' }
    $script:Pki = $pki
    $script:Mutual = Start-TestRegistry -Tls -ClientCa "$pki/client-ca.crt"
    $script:OldCertsD = $env:LAYERTOOLS_CERTS_D
}

AfterAll {
    $script:Plain, $script:Mutual | Stop-TestRegistry
    $env:LAYERTOOLS_CERTS_D = $OldCertsD
    Remove-TestStore
}

Describe 'Client certificates from certs.d' {
    BeforeEach {
        # docker's layout: <certs.d>/<host:port>/ca.crt (the registry's CA), client.cert + client.key.
        $script:CertsD = Join-Path $TestDrive ('certs.d-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $script:HostDir = Join-Path $CertsD $Mutual.Host
        $null = New-Item -ItemType Directory -Force $HostDir
        Copy-Item (Join-Path $Mutual.CertDir 'ca.crt') (Join-Path $HostDir 'ca.crt')
        $env:LAYERTOOLS_CERTS_D = $CertsD
        New-TestStore | Out-Null
    }
    AfterEach { Remove-TestStore; $env:LAYERTOOLS_CERTS_D = $OldCertsD }

    It 'offers the *.cert + *.key pair to a registry that demands one, for a push and a pull' {
        Copy-Item "$Pki/client.cert", "$Pki/client.key" $HostDir
        $pulled = Request-LayeredImage "$($Plain.Host)/lib/app:1"
        $pushed = $pulled | Publish-LayeredImage -Destination "$($Mutual.Host)/mtls/app:1"
        $pushed.Digest | Should -Be $pulled.ManifestDigest
        & skopeo inspect --cert-dir $HostDir "docker://$($Mutual.Host)/mtls/app:1" 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'skopeo reads the same folder and finds the image'

        Remove-TestStore
        New-TestStore | Out-Null
        $again = Request-LayeredImage "$($Mutual.Host)/mtls/app:1"
        $again.Layers | Should -Be $pulled.Layers
        Test-LayerStore | Should -BeNullOrEmpty
    }

    It 'is refused by that registry without a client certificate, and the store stays empty' {
        Request-LayeredImage "$($Mutual.Host)/mtls/app:1" -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed | Should -Not -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'RegistryUnreachable,*'
        $failed[0].Exception.Message | Should -Match 'client certificate'
        Get-LayeredImage | Should -BeNullOrEmpty
    }

    It 'says ClientCertificateIncomplete for a .cert without its .key' {
        Copy-Item "$Pki/client.cert" $HostDir
        Request-LayeredImage "$($Mutual.Host)/mtls/app:1" -ErrorVariable failed -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'ClientCertificateIncomplete,*'
        $failed[0].Exception.Message | Should -Match 'client\.key'
    }
}

Describe 'Progress while layers transfer side by side' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'writes a record for the whole pull and a child record under it for every layer' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($module, $store, $reference) Import-Module $module; $env:LAYERTOOLS_STORE = $store; Request-LayeredImage $reference').
                AddArgument((Get-Module LayerTools).Path).AddArgument($env:LAYERTOOLS_STORE).AddArgument("$($Plain.Host)/lib/app:1")
            $image = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $parent = $records | Where-Object { $_.Activity -like 'Pulling *' -and $_.ParentActivityId -eq -1 } | Select-Object -First 1
        $parent | Should -Not -BeNullOrEmpty
        $children = $records | Where-Object ParentActivityId -EQ $parent.ActivityId
        $manifest = & skopeo inspect --raw --tls-verify=false "docker://$($Plain.Host)/lib/app:1" | ConvertFrom-Json
        $expected = $manifest.layers.digest | ForEach-Object { 'Layer ' + $_.Substring(7, 12) }
        (($children.Activity | Sort-Object -Unique) -join ', ') | Should -Be (($expected | Sort-Object -Unique) -join ', ')
        $children | Where-Object RecordType -EQ 'Completed' | Should -HaveCount $expected.Count
        $image[0].Layers | Should -HaveCount $expected.Count
    }

    It 'writes a child record under the push for every blob it sends' {
        Import-LayeredImage -Path $Archive | Out-Null
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($module, $store, $destination) Import-Module $module; $env:LAYERTOOLS_STORE = $store; Publish-LayeredImage app:1 $destination').
                AddArgument((Get-Module LayerTools).Path).AddArgument($env:LAYERTOOLS_STORE).AddArgument("$($Plain.Host)/progress/app:1")
            $pushed = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $records = @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
        $pushed[0].Uploaded | Should -Be 3
        $parent = $records | Where-Object { $_.Activity -like 'Pushing *' -and $_.ParentActivityId -eq -1 } | Select-Object -First 1
        $children = $records | Where-Object { $_.ParentActivityId -eq $parent.ActivityId -and $_.Activity -match '^(Compressing and uploading|Uploading) ' }
        $manifest = & skopeo inspect --raw --tls-verify=false "docker://$($Plain.Host)/progress/app:1" | ConvertFrom-Json
        $config = & skopeo inspect --config --tls-verify=false "docker://$($Plain.Host)/progress/app:1" | ConvertFrom-Json
        # The imported layers were never compressed: each is compressed as it is uploaded, shown by its DiffID.
        $expected = @('Uploading ' + $manifest.config.digest.Substring(7, 12)) + ($config.rootfs.diff_ids | ForEach-Object { 'Compressing and uploading ' + $_.Substring(7, 12) })
        (($children.Activity | Sort-Object -Unique) -join ', ') | Should -Be (($expected | Sort-Object -Unique) -join ', ')
        $children | Where-Object RecordType -EQ 'Completed' | Should -HaveCount $expected.Count
    }
}

Describe 'A decompression bomb from a registry' {
    BeforeEach { New-TestStore | Out-Null }
    AfterEach { Remove-TestStore }

    It 'pulls the small blob, and stops the layer that inflates past $env:LAYERTOOLS_MAX_LAYER_BYTES when it is first unpacked, leaving it packed' {
        $rootfs = Join-Path $TestDrive 'bomb'
        $null = New-Item -ItemType Directory -Force $rootfs
        $fs = [IO.File]::Create((Join-Path $rootfs 'zeros.bin')); $fs.SetLength(64MB); $fs.Dispose()
        $null = Import-LayeredImage -Path (New-LayerTar -Source $rootfs -Destination (Join-Path $TestDrive 'bomb.tar')) -Tag bomb:1
        $pushed = Publish-LayeredImage bomb:1 "$($Plain.Host)/lib/bomb:1"
        $pushed.Size | Should -BeLessThan 1MB

        $store = Join-Path $TestDrive 'capped-store'
        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        # The pull keeps the 64 KB blob as it came (a pull inflates nothing); the first read inflates it, under the limit.
        $out = Invoke-ChildPwsh -Command "`$env:LAYERTOOLS_MAX_LAYER_BYTES = 8MB; Import-Module '$module'; Request-LayeredImage '$($Plain.Host)/lib/bomb:1' -StorePath '$store' -ErrorAction Stop | Out-Null; 'pulled'; try { Get-ImageLayer '$($Plain.Host)/lib/bomb:1' -Fetch -StorePath '$store' -ErrorAction Stop | Out-Null; 'no error' } catch { `$_.FullyQualifiedErrorId }"
        $out | Should -Contain 'pulled'
        ($out | Select-Object -Last 1) | Should -BeLike 'SizeLimitExceeded*'
        (Get-LayeredImage -StorePath $store).PackedLayerCount | Should -Be 1
        $diffId = (Get-LayeredImage -StorePath $store).Layers[0]
        Join-Path $store "blobs/sha256/$($diffId.Substring(7))" | Should -Not -Exist
        Get-ChildItem -Recurse -File (Join-Path $store 'layertools/indexes') -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-LayerStore -StorePath $store | Should -BeNullOrEmpty

        # Under the same limit Test-LayerStore inflates the packed blob (writing nothing) and reports it.
        $checked = Invoke-ChildPwsh -Command "`$env:LAYERTOOLS_MAX_LAYER_BYTES = 8MB; Import-Module '$module'; Test-LayerStore -StorePath '$store' | ForEach-Object { `$_.Kind + ' ' + `$_.Message }"
        $checked | Should -HaveCount 1
        $checked | Should -BeLike 'CorruptLayer *LAYERTOOLS_MAX_LAYER_BYTES*'
        Join-Path $store "blobs/sha256/$($diffId.Substring(7))" | Should -Not -Exist
    }
}
