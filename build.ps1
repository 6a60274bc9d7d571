#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds LayerTools, lays the module out in out/LayerTools, and runs the project's tasks.
.DESCRIPTION
    Tasks:
      Build    compile and lay the module out in out/LayerTools (the default)
      Test     Build, then every xunit project and every Pester test; last line "N passed, N failed"
      Demo     Build, then examples/demo.ps1 against the default store (or $env:LAYERTOOLS_STORE)
      Bench    Build, then the benchmarks under bench/ (builds against BuildKit and buildah, -Scale for
               50,000 files / 1 GB; compression against skopeo; containers on 5 vs 100 layers; registry
               push/pull against skopeo)
      Package  Build, then a zip of out/LayerTools in out/
      Clean    remove out/ and every bin/ and obj/
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester files or folders to run instead of all of tests/pester (Test task only).
    [string[]] $PesterPath,

    # Skip the xunit projects (Test task only).
    [switch] $SkipXunit,

    # Skip the Pester tests (Test task only).
    [switch] $SkipPester,

    # Bench task: also the scale row (the same project at 50,000 files / 1 GB beside BuildKit).
    [switch] $Scale,

    # Bench task: write the figures into README.md and docs/benchmarks.md too (bench/results.md always).
    [switch] $UpdateDocs,

    # Lay out the IL alone, without the ReadyToRun native code (a faster build while iterating).
    [switch] $SkipReadyToRun
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$out = Join-Path $root 'out'
$moduleOut = Join-Path $out 'LayerTools'

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') exited with $LASTEXITCODE" }
}

# This pwsh, as a command a child process can run: under `dotnet pwsh` the process is dotnet itself,
# which then needs pwsh.dll as its first argument.
function Get-PwshCommand {
    $exe = (Get-Process -Id $PID).Path
    if ((Split-Path -Leaf $exe) -like 'dotnet*') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($exe)
}

function Invoke-Pwsh {
    # Arguments as a native command takes them (no param block: -NoProfile and friends pass through).
    $pwsh = @(Get-PwshCommand)
    $rest = @($pwsh | Select-Object -Skip 1) + @($args | ForEach-Object { $_ })
    & $pwsh[0] @rest
}

function Get-ProjectVersion {
    $props = [xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))
    return ($props.Project.PropertyGroup | Where-Object { $_['Version'] } | Select-Object -First 1).Version
}

# The runtime assemblies the module's LayerTools.deps.json lists (library name and file name), less
# the reference assemblies of PowerShell itself.
function Get-RuntimeAssembly {
    param([string] $Bin)
    $json = Get-Content -Raw -LiteralPath (Join-Path $Bin 'LayerTools.deps.json') | ConvertFrom-Json -AsHashtable
    foreach ($target in $json.targets.Values) {
        foreach ($library in $target.Keys) {
            $name = ($library -split '/')[0]
            if ($name -eq 'PowerShellStandard.Library') { continue }
            $runtime = $target[$library]['runtime']
            if (-not $runtime) { continue }
            foreach ($path in $runtime.Keys) {
                [pscustomobject]@{ Library = $name; File = Split-Path -Leaf $path }
            }
        }
    }
}

# LayerTools.dll and LayerTools.Core.dll with native code for PowerShell 7.6 (.NET 10) on linux-x64
# beside their IL (tools/ReadyToRun: the SDK picks the compiler): a session's first build and import
# run compiled code instead of waiting for the JIT. Other runtimes, systems and processors ignore the
# native code and JIT the IL, so the one module folder still runs everywhere. Only a linux-x64 host
# compiles it (the compiler package is per host); elsewhere, or with -SkipReadyToRun, the IL alone.
function Add-ReadyToRunCode {
    $x64Linux = $IsLinux -and [Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq [Runtime.InteropServices.Architecture]::X64
    if ($SkipReadyToRun -or -not $x64Linux) { return }
    $r2r = Join-Path $out 'readytorun'
    Invoke-Native dotnet @('publish', (Join-Path $root 'tools/ReadyToRun/ReadyToRun.csproj'), '-c', $Configuration, '-o', $r2r, '-nologo', '-v', 'q', '-clp:ErrorsOnly')
    foreach ($file in 'LayerTools.dll', 'LayerTools.Core.dll') {
        Copy-Item -Force (Join-Path $r2r $file) $moduleOut
    }
    Remove-Item -Recurse -Force $r2r
}

function Invoke-Build {
    $env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
    $env:DOTNET_NOLOGO = '1'
    Invoke-Native dotnet @('build', (Join-Path $root 'src/LayerTools/LayerTools.csproj'), '-c', $Configuration, '-nologo', '-v', 'q', '-clp:ErrorsOnly')
    $bin = Join-Path $root "src/LayerTools/bin/$Configuration/net8.0"
    if (Test-Path $moduleOut) { Remove-Item -Recurse -Force $moduleOut }
    $null = New-Item -ItemType Directory -Force $moduleOut
    # Every runtime assembly the module's deps.json names is laid out (a hand list once left
    # SharpCompress out, and ADD of archives silently became a copy): the YAML bridge and YamlDotNet
    # go to Dependencies/, loaded into LayerTools' own AssemblyLoadContext; the rest beside the module;
    # PowerShell's own reference assembly stays out (the host provides System.Management.Automation).
    $deps = New-Item -ItemType Directory -Force (Join-Path $moduleOut 'Dependencies')
    foreach ($asset in Get-RuntimeAssembly $bin) {
        $destination = if ($asset.Library -in 'LayerTools.Yaml', 'YamlDotNet') { $deps } else { $moduleOut }
        Copy-Item (Join-Path $bin $asset.File) $destination
    }
    Copy-Item -Recurse (Join-Path $root 'module/*') $moduleOut
    Add-ReadyToRunCode
    # Help: MAML built from docs/help/*.md and the module's own parameter metadata, in a child pwsh
    # (it imports the module; a loaded assembly could not be unloaded from this process).
    $helpXml = Join-Path $moduleOut 'en-US/LayerTools.dll-Help.xml'
    $version = Get-ProjectVersion
    $manifest = Get-Content -Raw (Join-Path $root 'LayerTools.psd1')
    $manifest = $manifest -replace "ModuleVersion\s*=\s*'[^']*'", "ModuleVersion = '$version'"
    Set-Content -LiteralPath (Join-Path $moduleOut 'LayerTools.psd1') -Value $manifest -NoNewline
    Invoke-Pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tools/New-ModuleHelp.ps1') -ModulePath $moduleOut -SourcePath (Join-Path $root 'docs/help') -OutputPath $helpXml
    if ($LASTEXITCODE -ne 0) { throw "Building the help failed (tools/New-ModuleHelp.ps1 exited with $LASTEXITCODE)" }
    Write-Host "Built LayerTools $version into $moduleOut"
}

function Get-TrxCounts {
    param([string] $Directory)
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in Get-ChildItem -LiteralPath $Directory -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        $xml = [xml](Get-Content -Raw -LiteralPath $trx.FullName)
        $counters = $xml.TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $skipped += [int]$counters.notExecuted + [int]$counters.inconclusive
    }
    return $passed, $failed, $skipped
}

# The Debian packages the tests drive for real (tests/apt-packages.txt): installs the missing ones with
# apt-get when this is Debian/Ubuntu and we are root; otherwise stops and prints the command to run.
function Install-TestDependency {
    $wanted = @(Get-Content -LiteralPath (Join-Path $root 'tests/apt-packages.txt') |
        ForEach-Object { ($_ -replace '#.*$', '').Trim() } | Where-Object { $_ })
    $dpkg = Get-Command dpkg-query -ErrorAction SilentlyContinue
    $aptGet = Get-Command apt-get -ErrorAction SilentlyContinue
    if (-not $IsLinux -or -not $dpkg -or -not $aptGet) {
        Write-Host "The tests need these packages (Debian names): $($wanted -join ' ')"
        Write-Host "Install them with your system's package manager, then run the tests again."
        exit 1
    }
    $missing = @($wanted | Where-Object {
        $status = & $dpkg.Source -W -f '${Status}' $_ 2>$null
        $LASTEXITCODE -ne 0 -or $status -notmatch 'install ok installed'
    })
    if ($missing.Count -eq 0) { return }
    $command = "apt-get update && apt-get install -y $($missing -join ' ')"
    $uid = (& id -u).Trim()
    if ($uid -ne '0') {
        Write-Host "The tests need Debian packages that are not installed. Run as root:"
        Write-Host "  $command"
        exit 1
    }
    Write-Host "Installing test dependencies: $($missing -join ' ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    # A fresh machine often runs its own apt (unattended upgrades) at boot: wait up to 5 minutes for
    # its lock rather than fail at once.
    $wait = @('-o', 'DPkg::Lock::Timeout=300')
    Invoke-Native $aptGet.Source ($wait + @('update', '-qq'))
    Invoke-Native $aptGet.Source ($wait + @('install', '-y', '-qq', '--no-install-recommends') + $missing)
}

function Invoke-Test {
    Install-TestDependency
    Invoke-Build
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item -Recurse -Force $results }
    $null = New-Item -ItemType Directory -Force $results
    $passed = 0; $failed = 0; $skipped = 0; $broken = @()

    if (-not $SkipXunit) {
        foreach ($proj in Get-ChildItem (Join-Path $root 'tests') -Filter *.Tests.csproj -Recurse) {
            $name = $proj.BaseName
            $dir = Join-Path $results $name
            & dotnet test $proj.FullName -c $Configuration -nologo --logger "trx;LogFileName=$name.trx" --results-directory $dir
            $exit = $LASTEXITCODE
            $p, $f, $k = Get-TrxCounts $dir
            if ($p + $f -eq 0) { $f = 1; Write-Warning "$name produced no test results" }
            # A test host that crashed or aborted exits non-zero with its trx counting no failure: count it.
            if ($exit -ne 0) { $broken += $name; if ($f -eq 0) { $f = 1; Write-Warning "$name exited with $exit and reported no failed test" } }
            $passed += $p; $failed += $f; $skipped += $k
        }
    }

    if (-not $SkipPester) {
        Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/tools.csproj'), '-nologo', '-v', 'q')
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $pester = Join-Path $packages 'pester/5.7.1/tools/Pester.psd1'
        $paths = if ($PesterPath) { ($PesterPath | ForEach-Object { $_ -split ',' }) -join ',' } else { Join-Path $root 'tests/pester' }
        $summary = Join-Path $results 'pester.json'
        $runner = Join-Path $root 'tests/pester/Invoke-PesterRun.ps1'
        Invoke-Pwsh -NoProfile -NonInteractive -File $runner -PesterManifest $pester -ModulePath $moduleOut -Path $paths -SummaryPath $summary -JUnitPath (Join-Path $results 'pester.junit.xml')
        if (Test-Path $summary) {
            $s = Get-Content -Raw $summary | ConvertFrom-Json
            $passed += $s.Passed; $failed += $s.Failed; $skipped += $s.Skipped
            if ($s.Failed -gt 0) { $broken += 'Pester' }
        } else {
            $failed += 1; $broken += 'Pester (no summary)'
        }
    }

    if ($broken) { Write-Host "Failing: $($broken -join ', ')" }
    Write-Host "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $broken) { exit 1 }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' {
        Invoke-Build
        Invoke-Pwsh -NoProfile -File (Join-Path $root 'examples/demo.ps1') -ModulePath $moduleOut
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'Bench' {
        Invoke-Build
        # Each benchmark writes its own section of bench/results.md (and, with -UpdateDocs, of the
        # README and docs/benchmarks.md); -Scale adds the 50,000-file / 1 GB build row.
        $benches = @(
            @{ File = 'Invoke-Benchmark.ps1'; Args = @() }
            if ($Scale) { @{ File = 'Invoke-Benchmark.ps1'; Args = @('-Scale') } }
            @{ File = 'Invoke-CompressionBenchmark.ps1'; Args = @() }
            @{ File = 'Invoke-ContainerBenchmark.ps1'; Args = @() }
            @{ File = 'Invoke-RegistryBenchmark.ps1'; Args = @() }
        )
        foreach ($bench in $benches) {
            $benchArgs = @('-ModulePath', $moduleOut) + $bench.Args
            if ($UpdateDocs -and $bench.File -ne 'Invoke-ContainerBenchmark.ps1') { $benchArgs += '-UpdateDocs' }
            Invoke-Pwsh -NoProfile -File (Join-Path $root "bench/$($bench.File)") @benchArgs
            if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        }
    }
    'Package' {
        Invoke-Build
        $zip = Join-Path $out "LayerTools-$(Get-ProjectVersion).zip"
        Compress-Archive -Path $moduleOut -DestinationPath $zip -Force
        Write-Host "Packaged $zip"
    }
    'Clean' {
        foreach ($d in @($out) + (Get-ChildItem $root -Recurse -Directory -Include bin, obj | ForEach-Object FullName)) {
            if (Test-Path $d) { Remove-Item -Recurse -Force $d }
        }
    }
}
