# Every example of docs/help/*.md runs as written (issue 13), against images, containers and folders this
# file makes. Each example runs in its own copy of one prepared store and folder, so examples that remove
# or change things never see each other. SetupFor adds what one example needs beyond the common set;
# Rewrite changes an example's text only to keep it off shared host paths; NotHere lists the few that
# cannot run on this machine, each with the reason.
BeforeDiscovery {
    $script:examples = foreach ($file in Get-ChildItem (Join-Path $PSScriptRoot '../../docs/help') -Filter *.md) {
        $text = Get-Content -Raw $file.FullName
        $start = $text.IndexOf('## EXAMPLES')
        if ($start -lt 0) { continue }
        $end = $text.IndexOf('## PARAMETERS', $start)
        $section = if ($end -gt 0) { $text.Substring($start, $end - $start) } else { $text.Substring($start) }
        foreach ($m in [regex]::Matches($section, '### Example (\d+)[^\n]*\n```powershell\n(.*?)```', 'Singleline')) {
            @{ Name = "$($file.BaseName) $($m.Groups[1].Value)"; Code = $m.Groups[2].Value.Trim() }
        }
    }

    # The examples that cannot run here, and why.
    $script:NotHere = @{
        'Connect-ImageRegistry 1' = 'asks for a credential interactively (Get-Credential)'
        'Connect-ImageRegistry 2' = 'signs in to ghcr.io, a remote registry (this machine reaches loopback only)'
        'Export-LayeredImage 1' = 'its second line runs docker load, which needs a Docker engine'
        'Import-LayeredImage 1' = 'its first line runs docker save, which needs a Docker engine'
        'Publish-LayeredImage 2' = 'pushes to registry.example, a remote registry, with a $cred the reader has'
        'Request-LayeredImage 2' = 'pulls from registry.example, a remote registry, asking for a credential'
        'Request-LayeredImage 3' = 'pulls from registry.example, a remote registry'
    }
    $script:runnable = @($examples | Where-Object { -not $NotHere.ContainsKey($_.Name) })
    $script:skippedHere = @($examples | Where-Object { $NotHere.ContainsKey($_.Name) })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:templateStore = New-TestStore
    $script:template = Join-Path $TestDrive 'template'
    $null = New-Item -ItemType Directory -Force $template

    # Images: base:1 and app:1 (two layers sharing base:1's, with whiteouts), app:2, busybox:1, and
    # demo:1 = layertools/demo:1 = test-a:1: busybox with /etc/*.conf, /srv and a CMD, for RUN and Invoke-ContainerCommand.
    $null = Import-LayeredImage -Path (New-FixtureImages)
    New-BusyboxImage -Root (Join-Path $TestDrive 'busybox') -Tag busybox:1 -Applets sh, echo, cat, mkdir, ls, id, pwd, rm
    $rootfs = New-TestTree -Root (Join-Path $template 'rootfs') -Files @{
        'etc/os-release' = "ID=demo`n"; 'etc/old.conf' = "old`n"; 'etc/app.conf' = "port=80`n"; 'etc/motd' = "welcome`n"; 'app/run.sh' = "#!/bin/sh`necho run`n"; 'srv' = $null
    }
    $demo = New-TestTree -Root (Join-Path $TestDrive 'democontext') -Files @{ 'Dockerfile' = "FROM busybox:1`nCOPY rootfs/ /`nCMD [`"echo`", `"hello from demo`"]`n" }
    Copy-Item -Recurse $rootfs (Join-Path $demo 'rootfs')
    $null = Build-LayeredImage $demo -Tag demo:1 -Quiet
    Add-LayeredImageTag demo:1 -Tag layertools/demo:1, test-a:1
    $null = Import-LayeredImage -Path (New-TestTree -Root (Join-Path $TestDrive 'app2') -Files @{ 'app/hello.sh' = "#!/bin/sh`necho hello, 2`n"; 'etc/app.conf' = "port=8080`n" }) -Tag app:2
    $null = New-ContainerLayer layertools/demo:1 -Name web
    Set-Content Container:\web\etc\motd 'changed in web'

    # Folders the examples name, relative to where they run.
    $null = New-TestTree -Root $template -Files @{
        'Dockerfile' = "FROM busybox:1`nRUN --mount=type=secret,id=npmrc,required=false echo built > /built.txt`nCOPY site/ /app/`n"
        'site/hello.sh' = "#!/bin/sh`necho hello`n"
        'src/Dockerfile' = "FROM demo:1`nARG VERSION=1`nLABEL version=`$VERSION`nCOPY . /src/`n"
        'src/build.yaml' = "stages:`n  - name: build`n    from: demo:1`n    steps:`n      - copy: { src: Dockerfile, dest: /src/ }`n  - from: demo:1`n    steps:`n      - copy: { from: build, src: /src, dest: /final }`n"
        'app/Dockerfile' = "FROM demo:1`nCOPY Dockerfile /app/`n"
        'motd' = 'hello'
    }
    $null = New-Item -ItemType Directory -Force (Join-Path $template 'images'), (Join-Path $template 'update')
    Set-Content (Join-Path $template 'update/NEW') 'from the update'
    New-LayerTar -Source (Join-Path $template 'update') -Destination (Join-Path $template 'update.tar') | Out-Null
    Copy-Item (New-FixtureImages) (Join-Path $template 'images/fixtures.tar')
    foreach ($other in 'ci-store', 'store-a', 'store-b') {
        $null = Import-LayeredImage -Path $rootfs -Tag "$($other):1" -StorePath (Join-Path $template $other)
    }

    # A registry on loopback for the examples that name 127.0.0.1:5000 (rewritten to its real port).
    $script:registry = Start-TestRegistry
    $null = Publish-LayeredImage app:1 "$($registry.Host)/team/app:1"
    $null = Publish-LayeredImage base:1 "$($registry.Host)/team/base:1"

    # What one example needs beyond the common set, run where the example runs.
    $script:SetupFor = @{
        'Dismount-ContainerLayer 1' = { $null = Mount-ContainerLayer web -Path (Join-Path $PWD 'mnt-web') }
        'Dismount-ContainerLayer 2' = { $null = Mount-ContainerLayer web -Path (Join-Path $PWD 'mnt-web') }
        'New-ContainerLayer 1' = { Remove-ContainerLayer web -Confirm:$false }
        'Invoke-ContainerCommand 1' = { Remove-ContainerLayer web -Confirm:$false }
        'Publish-LayeredImage 3' = { Add-LayeredImageTag app:1 -Tag "$($registry.Host)/team/app:1" }
    }
    # Shared host paths an example names, moved into the example's own folder.
    $script:Rewrite = @{
        '/mnt/web' = './mnt-web'
        '127.0.0.1:5000' = { $registry.Host }
    }
}

AfterAll {
    if ($script:registry) { Stop-TestRegistry $registry }
    Remove-TestStore
}

Describe 'Every help example runs as written' {
    BeforeEach {
        # A fresh copy of the prepared store and folder; registry credentials in a file of their own.
        $script:here = Join-Path $TestDrive ('ex-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory $here
        & cp -a "$template/." $here
        $env:LAYERTOOLS_STORE = Join-Path $here '.store'
        & cp -a "$templateStore/." $env:LAYERTOOLS_STORE
        $env:REGISTRY_AUTH_FILE = Join-Path $here 'auth.json'
        Push-Location $here
    }

    AfterEach {
        Pop-Location
        foreach ($c in @(Get-ContainerLayer -ErrorAction SilentlyContinue)) {
            Dismount-ContainerLayer $c -ErrorAction SilentlyContinue
        }
        $env:LAYERTOOLS_STORE = $templateStore
        Remove-Item Env:REGISTRY_AUTH_FILE -ErrorAction SilentlyContinue
    }

    It '<Name>' -ForEach $runnable {
        $code = $Code
        foreach ($from in $Rewrite.Keys) {
            $to = $Rewrite[$from]
            if ($to -is [scriptblock]) { $to = & $to }
            $code = $code.Replace($from, $to)
        }
        if ($SetupFor.ContainsKey($Name)) { . $SetupFor[$Name] }
        # As a user's console runs it: no strict mode (TestHelpers sets one), errors stop the example.
        Set-StrictMode -Off
        $ErrorActionPreference = 'Stop'
        $output = . ([scriptblock]::Create($code)) 6>&1 | Out-String -Width 120
        $? | Should -BeTrue
        $LASTEXITCODE | Should -BeIn @($null, 0) -Because $output
    }
}

Describe 'Help examples that cannot run here' {
    It '<Name> is listed with its reason' -ForEach $skippedHere {
        $NotHere[$Name] | Should -Not -BeNullOrEmpty
    }

    It 'are few' {
        $skippedHere.Count | Should -BeLessOrEqual 8
        $runnable.Count | Should -BeGreaterThan 60
    }
}
