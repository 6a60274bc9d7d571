# A power loss, as docs/store.md promises it: every file a command names in the store had its data
# flushed to disk before it got its name (ext4 allocates a new file's blocks lazily: a renamed, never
# synced file can come back empty), and the folders holding those names are flushed before index.json
# names an image (and index.json's own folder after it). Shown on the system calls themselves: each
# command runs in a child pwsh under strace, which names each fd's file (-y).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore

    function Invoke-Traced([string] $Script) {
        # The calls in order: Kind fsync (Path = the file or folder, when it returned 0) or rename (From, To).
        $module = Join-Path $env:LAYERTOOLS_TEST_MODULE 'LayerTools.psd1'
        $file = Join-Path $TestDrive ("child-" + [guid]::NewGuid().ToString('n') + '.ps1')
        Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$module'`n" + $Script)
        $trace = Join-Path $TestDrive ("trace-" + [guid]::NewGuid().ToString('n'))
        $exe = (Get-Process -Id $PID).Path
        [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $out = & strace -f -y -qq -o $trace -e trace=fsync,fdatasync,rename,renameat,renameat2 $exe @prefix -NoProfile -NonInteractive -File $file 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The child failed ($LASTEXITCODE): $($out | Out-String)" }
        $pending = @{}
        foreach ($line in Get-Content -LiteralPath $trace) {
            if ($line -match '^(\d+)\s+f(?:data)?sync\(\d+<(.*)>\)\s+= 0$') {
                [pscustomobject]@{ Kind = 'fsync'; Path = $Matches[2] }
            }
            elseif ($line -match '^(\d+)\s+f(?:data)?sync\(\d+<(.*)> <unfinished \.\.\.>$') {
                $pending[$Matches[1]] = $Matches[2]
            }
            elseif ($line -match '^(\d+)\s+<\.\.\. f(?:data)?sync resumed>\)\s+= 0$') {
                [pscustomobject]@{ Kind = 'fsync'; Path = $pending[$Matches[1]] }
            }
            elseif ($line -match '^\d+\s+rename(?:at2?)?\((?:[^,]*, )?"([^"]+)", (?:[^,]*, )?"([^"]+)"') {
                [pscustomobject]@{ Kind = 'rename'; From = $Matches[1]; To = $Matches[2] }
            }
        }
    }

    function Assert-Durable([object[]] $Calls, [string] $Root) {
        # Each name given in the store's content folders (blobs, layer indexes, remote-layer records,
        # index.json, containers) names a file flushed before the rename; each folder that got a name
        # is flushed after it, before index.json is renamed (or, for a container, before the command ends).
        $named = '^' + [regex]::Escape($Root) + '/(blobs/sha256/|layertools/indexes/sha256/|layertools/remote/|index\.json$|layertools/containers/[^/]+$)'
        $flushed = [Collections.Generic.HashSet[string]]::new()
        $unsynced = [Collections.Generic.HashSet[string]]::new()
        $renamed = 0
        foreach ($call in $Calls) {
            if ($call.Kind -eq 'fsync') {
                $null = $flushed.Add($call.Path)
                $null = $unsynced.Remove($call.Path)
                continue
            }

            if ($call.To -notmatch $named) { continue }
            $renamed++
            if ($call.To -match '/layertools/containers/[^/]+$') {
                # A folder: its entries (the container's records) flushed before it is named.
                $flushed.Contains($call.From) | Should -BeTrue -Because "the container folder $($call.From) is flushed before it is named $($call.To)"
            }
            else {
                $flushed.Contains($call.From) | Should -BeTrue -Because "$($call.From) is flushed to disk before it is named $($call.To)"
            }

            if ($call.To -eq "$Root/index.json") {
                @($unsynced) | Should -BeNullOrEmpty -Because 'every folder that got a name is flushed before index.json is renamed'
            }

            $null = $unsynced.Add((Split-Path -Parent $call.To))
        }

        @($unsynced) | Should -BeNullOrEmpty -Because 'every folder that got a name (index.json''s too) is flushed before the command ends'
        $renamed | Should -BeGreaterThan 0
    }

    $script:context = Join-Path $TestDrive 'ctx'
    $null = New-TestTree -Root $context -Files @{ 'a/one.txt' = 'one'; 'a/two.txt' = 'two'; 'b/big.bin' = ('x' * 300000) }
    Set-Content -LiteralPath (Join-Path $context 'Dockerfile') -Value "FROM scratch`nCOPY a /a/`nCOPY b /b/`nENV X=1`nCOPY a/one.txt /c"
}

AfterAll {
    Remove-TestStore
}

Describe 'What a command names in the store survives a power loss' {
    It 'a cold build flushes every blob and layer index before naming it, and their folders before index.json' {
        $calls = Invoke-Traced "Build-LayeredImage -Path '$context' -Tag durable:1 -StorePath '$store' | Out-Null"
        Assert-Durable -Calls $calls -Root $store
        (Get-LayeredImage durable:1 -StorePath $store) | Should -Not -BeNullOrEmpty
    }

    It 'a no-op rebuild flushes and names nothing' {
        $calls = Invoke-Traced "Build-LayeredImage -Path '$context' -Tag durable:1 -StorePath '$store' | Out-Null"
        @($calls | Where-Object Kind -eq 'fsync') | Should -BeNullOrEmpty
        @($calls | Where-Object { $_.Kind -eq 'rename' -and $_.To -notmatch '/layertools/leases/' }) | Should -BeNullOrEmpty
    }

    It 'an import and a new container flush what they name' {
        $archive = Join-Path $TestDrive 'img.tar'
        Export-LayeredImage durable:1 -Path $archive -StorePath $store
        $other = Join-Path $TestDrive 'other-store'
        $calls = Invoke-Traced "Import-LayeredImage -Path '$archive' -StorePath '$other' | Out-Null; New-ContainerLayer -Image durable:1 -Name c1 -StorePath '$other' | Out-Null"
        Assert-Durable -Calls $calls -Root $other
        @($calls | Where-Object { $_.Kind -eq 'rename' -and $_.To -match '/layertools/containers/[^/]+$' }) | Should -HaveCount 1
    }
}
