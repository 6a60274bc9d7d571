# What the benchmarks share. Dot-source it: $BenchPwsh is this pwsh as a command line (under
# `dotnet pwsh` the process is dotnet, which needs pwsh.dll first); Measure-BenchCommand times one
# command as its own process under /usr/bin/time -v (wall seconds, peak RSS in MB).
$exe = (Get-Process -Id $PID).Path
$script:BenchPwsh = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @($exe, (Join-Path $PSHOME 'pwsh.dll')) } else { @($exe) }

function Measure-BenchCommand {
    param([string] $Label, [string[]] $Command, [string] $LogPath)
    $log = Join-Path $LogPath "time-$([guid]::NewGuid().ToString('n')).txt"
    $output = Join-Path $LogPath "$($Label -replace '[^\w.-]', '_').log"
    & /usr/bin/time -v -o $log @Command *> $output
    if ($LASTEXITCODE -ne 0) { Get-Content $output -Tail 20 | Write-Host; throw "$Label failed ($LASTEXITCODE)" }
    $text = Get-Content -Raw $log
    $wall = [regex]::Match($text, 'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)')
    $seconds = [double]$wall.Groups[2].Value * 60 + [double]$wall.Groups[3].Value
    if ($wall.Groups[1].Success) { $seconds += [double]$wall.Groups[1].Value * 3600 }
    $rss = [double]([regex]::Match($text, 'Maximum resident set size \(kbytes\): (\d+)').Groups[1].Value) / 1024
    return [pscustomobject]@{ Label = $Label; Seconds = [math]::Round($seconds, 2); PeakMB = [math]::Round($rss, 1); Output = Get-Content $output }
}
