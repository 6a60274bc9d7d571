# A layer that holds a multi-gigabyte file: memory stays flat because everything streams
# (hashed while copied, read by offset, compressed on the way out).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-large-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $script:rootfs = Join-Path $work 'rootfs'
    $null = New-Item -ItemType Directory -Force (Join-Path $rootfs 'data')
    # 2 GiB, sparse on disk: reading it costs no disk space, and every byte still goes through the importer.
    $fs = [IO.File]::Create((Join-Path $rootfs 'data/big.bin'))
    $fs.SetLength(2GB); $fs.Dispose()
    Set-Content (Join-Path $rootfs 'data/small.txt') 'small'
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'A 2 GiB file in a layer' {
    It 'imports, lists and exports with peak memory far below the file size' {
        $exported = Join-Path $work 'big-oci'
        $script = @"
Import-Module '$((Get-Module LayerTools).Path)'
`$image = Import-LayeredImage -Path '$rootfs' -Tag big:1 -StorePath '$store'
`$file = Get-LayerFile big:1 /data/big.bin -StorePath '$store'
Export-LayeredImage big:1 -Path '$exported' -Format OciLayout -Compression Gzip -StorePath '$store'
`$hwm = (Select-String -Path /proc/self/status -Pattern '^VmHWM:\s+(\d+)').Matches[0].Groups[1].Value
[pscustomobject]@{ Size = `$file.Size; Digest = `$file.Digest; PeakKB = [long]`$hwm } | ConvertTo-Json -Compress
"@
        $out = Invoke-ChildPwsh -Command $script
        $LASTEXITCODE | Should -Be 0
        $result = $out | Select-Object -Last 1 | ConvertFrom-Json
        $result.Size | Should -Be 2GB
        # sha256 of 2 GiB of zeros
        $result.Digest | Should -Be 'sha256:a7c744c13cc101ed66c29f672f92455547889cc586ce6d44fe76ae824958ea51' -Because 'the content digest is computed while the file streams in'
        Write-Host "peak RSS: $([math]::Round($result.PeakKB / 1024)) MB"
        # the 300 MB docs/benchmarks.md holds to (about 120 MB measured here)
        $result.PeakKB | Should -BeLessThan (300 * 1024)
    }
}
