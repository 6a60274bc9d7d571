#!/usr/bin/env pwsh
# Runs the Pester suites in this (child) process and writes a summary for build.ps1.
# A child process, because a loaded module's assemblies cannot be unloaded.
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $JUnitPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -MinimumVersion 5.7.1
$env:LAYERTOOLS_TEST_MODULE = $ModulePath
$config = New-PesterConfiguration
# Several paths may come as one comma-separated argument (pwsh -File does not make arrays).
$config.Run.Path = @($Path | ForEach-Object { $_ -split ',' } | Where-Object { $_ })
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
if ($JUnitPath) {
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputFormat = 'JUnitXml'
    $config.TestResult.OutputPath = $JUnitPath
}
$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
# A run that found no tests at all (a wrong path, a file that failed to load) is a failure, not a pass.
if ($result.TotalCount -eq 0) { $failed += 1 }
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
