# Invoke-ContainerCommand as a user types it: a program run in a container changes its writable layer
# (copy-up, whiteouts), Get-ContainerChange shows it, ConvertTo-LayeredImage commits it; the image's
# config applies; output streams as it comes; Ctrl+C leaves the container whole and unlocked.
BeforeDiscovery {
    $script:canRun = $IsLinux -and ((& id -u) -eq '0')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-exec-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    $null = New-Item -ItemType Directory -Force (Join-Path $work 'rootfs/srv')
    New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:exec -Applets 'sh', 'echo', 'cat', 'ls', 'id', 'rm', 'pwd', 'sleep', 'env', 'true'
    # An image with a config: Env, WorkingDir, User, Entrypoint and Cmd (committed with -Change, as docker commit --change does).
    $null = New-ContainerLayer busybox:exec -Name cfgbase
    $null = ConvertTo-LayeredImage cfgbase -Tag configured:1 -Change 'ENV GREETING=hello MODE=image', 'WORKDIR /home/app', 'USER app', 'ENTRYPOINT ["sh", "-c"]', 'CMD ["echo from-cmd $GREETING"]'
    Remove-ContainerLayer cfgbase -Confirm:$false

    function Test-Unlocked([string] $Name) {
        # Nothing runs or stays mounted in the container: a change goes through at once, and the store's tmp/ is empty.
        $file = Join-Path $TestDrive "probe-$Name.txt"
        Set-Content $file 'probe'
        Copy-ContainerItem $Name -Path $file -Destination /tmp/probe.txt -ToContainer
        # This store's mounts only: other tests on the machine mount containers of their own stores meanwhile.
        Get-Content /proc/self/mountinfo | Where-Object { $_ -match [regex]::Escape("$env:LAYERTOOLS_STORE/") } | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $env:LAYERTOOLS_STORE 'layertools/tmp') -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

if (-not $canRun) {
    Describe 'Invoke-ContainerCommand without Linux and root' {
        It 'says what it needs' {
            $null = New-ContainerLayer busybox:exec -Name norun
            { Invoke-ContainerCommand norun true -ErrorAction Stop } | Should -Throw -ErrorId ($IsLinux ? 'InvokeNeedsRoot,LayerTools.Commands.InvokeContainerCommandCommand' : 'InvokeNeedsLinux,LayerTools.Commands.InvokeContainerCommandCommand')
        }
    }
}
else {
Describe 'Invoke-ContainerCommand (Linux, root)' {
    It 'writes and deletes in the writable layer; Get-ContainerChange shows it and ConvertTo-LayeredImage commits it' {
        $null = New-ContainerLayer busybox:exec -Name web
        Invoke-ContainerCommand web -- sh -c 'echo hello > /tmp/hello.txt; rm /etc/group'
        $LASTEXITCODE | Should -Be 0
        Get-ContainerChange web | ForEach-Object ToString | Should -Be @('C /etc', 'D /etc/group', 'C /tmp', 'A /tmp/hello.txt')
        # The image is untouched; the commit carries the file and the whiteout.
        (Get-LayerFile busybox:exec /etc).Name | Should -Contain 'group'
        $image = ConvertTo-LayeredImage web -Tag exec:2
        (Get-LayerFile $image.Reference /etc).Name | Should -Not -Contain 'group'
        $top = Get-ImageLayer $image.Reference | Select-Object -Last 1 | ForEach-Object { Get-LayerFile $image.Reference -Layer $_.Index -Recurse }
        ($top | Where-Object IsWhiteout).ToString() | Should -Be '/etc/group'
        $copy = Join-Path $TestDrive 'hello.txt'
        $null = New-ContainerLayer exec:2 -Name check
        Copy-ContainerItem check -Path /tmp/hello.txt -Destination $copy -FromContainer
        Get-Content -Raw $copy | Should -Be "hello`n"
    }

    It "runs the README tour's lines" {
        $null = Add-LayeredImageTag busybox:exec alpine
        New-ContainerLayer alpine -Name tour | Out-Null
        Invoke-ContainerCommand tour -- sh -c 'echo hi > /srv/hi'
        Get-ContainerChange tour | ForEach-Object ToString | Should -Be @('C /srv', 'A /srv/hi')
        $hi = ConvertTo-LayeredImage tour -Tag hi:1
        (Get-LayerFile $hi.Reference /srv/hi).Size | Should -Be 3
    }

    It 'leaves nothing of its own in the container: a command that writes nothing changes nothing' {
        $null = New-ContainerLayer busybox:exec -Name quiet
        Invoke-ContainerCommand quiet ls / | Should -Contain 'etc'
        Get-ContainerChange quiet | Should -BeNullOrEmpty
    }

    It 'puts the exit code in $LASTEXITCODE and on the -PassThru result' {
        $null = New-ContainerLayer busybox:exec -Name codes
        Invoke-ContainerCommand codes -- sh -c 'exit 3'
        $LASTEXITCODE | Should -Be 3
        $result = Invoke-ContainerCommand codes -PassThru true
        $LASTEXITCODE | Should -Be 0
        $result.ExitCode | Should -Be 0
        $result.Container | Should -Be 'codes'
        $result.Runtime | Should -BeIn 'Runc', 'Crun'
        $table = $result | Format-Table | Out-String
        $table | Should -Match 'CONTAINER\s+EXIT CODE\s+RUNTIME\s+DURATION\s+COMMAND'
        $table | Should -Match 'codes\s+0\s+(runc|crun)\s+\d+\.\d\ds\s+true'
        $PSNativeCommandUseErrorActionPreference = $true
        { Invoke-ContainerCommand codes -ErrorAction Stop -- sh -c 'exit 4' } | Should -Throw -ErrorId 'ContainerCommandFailed,LayerTools.Commands.InvokeContainerCommandCommand'
    }

    It "runs with the image's Env, WorkingDir and User, and runs Entrypoint and Cmd when no command is given" {
        $null = New-ContainerLayer configured:1 -Name cfg
        Invoke-ContainerCommand cfg -- sh -c 'id -u; pwd; echo $GREETING $MODE' | Should -Be @('1000', '/home/app', 'hello image')
        Invoke-ContainerCommand cfg | Should -Be 'from-cmd hello'
        Get-ContainerChange cfg | ForEach-Object ToString | Should -Be @('A /home', 'A /home/app') -Because 'the missing WorkingDir is made, as Docker makes it'
    }

    It 'takes -User, -WorkingDirectory and -Environment over the config' {
        $null = New-ContainerLayer configured:1 -Name over
        Invoke-ContainerCommand over -User root -WorkingDirectory /tmp -Environment @{ MODE = 'given'; EXTRA = 1 } -Command 'sh', '-c', 'id -u; pwd; echo $GREETING $MODE $EXTRA' |
            Should -Be @('0', '/tmp', 'hello given 1')
    }

    It 'streams stdout to the pipeline and stderr to the information stream; -MergeStandardError keeps the order written' {
        $null = New-ContainerLayer busybox:exec -Name streams
        $out = Invoke-ContainerCommand streams -InformationVariable err -InformationAction SilentlyContinue -- sh -c 'echo one; echo two >&2; echo three'
        $out | Should -Be @('one', 'three')
        @($err).Count | Should -Be 1
        $err[0].MessageData | Should -Be 'two'
        $err[0].Tags | Should -Contain 'stderr'
        foreach ($i in 1..3) {
            Invoke-ContainerCommand streams -MergeStandardError -- sh -c 'echo one; echo two >&2; echo three; echo four >&2' | Should -Be @('one', 'two', 'three', 'four')
        }
    }

    It 'shows stderr at the console like a native program, unless -InformationAction SilentlyContinue' {
        $null = New-ContainerLayer busybox:exec -Name console
        $shown = Invoke-ConsolePwsh "`$null = Invoke-ContainerCommand console -- sh -c 'echo to-stderr >&2'"
        $shown | Should -Contain 'to-stderr'
        $hidden = Invoke-ConsolePwsh "`$null = Invoke-ContainerCommand console -InformationAction SilentlyContinue -- sh -c 'echo to-stderr >&2'"
        $hidden | Should -Not -Contain 'to-stderr'
    }

    It 'takes containers from the pipeline' {
        $null = New-ContainerLayer busybox:exec -Name piped1
        $null = New-ContainerLayer busybox:exec -Name piped2
        Get-ContainerLayer piped1, piped2 | Invoke-ContainerCommand -Command 'sh', '-c', 'hostname > /tmp/me'
        foreach ($name in 'piped1', 'piped2') {
            $short = (Get-ContainerLayer $name).ShortId
            Invoke-ContainerCommand $name cat /tmp/me | Should -Be $short
        }
    }

    It 'locks the container while the program runs: other changes are refused at once' {
        $null = New-ContainerLayer busybox:exec -Name busy
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($module) Import-Module $module; Invoke-ContainerCommand busy sleep 300').AddArgument((Get-Module LayerTools).Path)
            $async = $ps.BeginInvoke()
            $running = Join-Path $env:LAYERTOOLS_STORE "layertools/containers/$((Get-ContainerLayer busy).Id)/running"
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path $running) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $file = Join-Path $TestDrive 'busy.txt'
            Set-Content $file 'x'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            { Copy-ContainerItem busy -Path $file -Destination /tmp/busy.txt -ToContainer -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerBusy,LayerTools.Commands.CopyContainerItemCommand'
            { ConvertTo-LayeredImage busy -Tag busy:1 -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerBusy,LayerTools.Commands.ConvertToLayeredImageCommand'
            { Invoke-ContainerCommand busy true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerBusy,LayerTools.Commands.InvokeContainerCommandCommand'
            { Remove-ContainerLayer busy -Force -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerBusy,LayerTools.Commands.RemoveContainerLayerCommand'
            { Mount-ContainerLayer busy -Path (Join-Path $TestDrive 'busy-mnt') -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerBusy,LayerTools.Commands.MountContainerLayerCommand'
            Set-Content -LiteralPath Container:\busy\tmp\drive.txt -Value 'x' -ErrorVariable driveError -ErrorAction SilentlyContinue
            "$($driveError[0])" | Should -BeLike "*Container 'busy' is running a command*"
            # "At once": a command that waited for the container would wait for the 300 s program; the
            # bound is far below that and far above six refusals on a loaded machine (well under 10 s).
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
            # Ctrl+C (what PowerShell.Stop does) kills the program and gives the container back.
            $watch.Restart()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
            { $ps.EndInvoke($async) } | Should -Throw '*pipeline has been stopped*'
        }
        finally { $ps.Dispose() }
        Test-Path $running | Should -BeFalse
        Test-Unlocked busy
        Get-ContainerChange busy | ForEach-Object ToString | Should -Be @('C /tmp', 'A /tmp/probe.txt')
        Get-Process | Where-Object { $_.ProcessName -eq 'sleep' -and $_.CommandLine -eq 'sleep 300' } | Should -BeNullOrEmpty
    }

    It 'stops the program when a downstream command wants no more' {
        $null = New-ContainerLayer busybox:exec -Name first
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Invoke-ContainerCommand first -- sh -c 'i=0; while true; do echo $i; i=$((i+1)); done' | Select-Object -First 3 | Should -Be @('0', '1', '2')
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        Test-Unlocked first
    }

    It 'refuses a mounted container, and an image with no command' {
        $null = New-ContainerLayer busybox:exec -Name mounted
        $mnt = Join-Path $TestDrive 'mnt'
        Mount-ContainerLayer mounted -Path $mnt
        try {
            { Invoke-ContainerCommand mounted true -ErrorAction Stop } | Should -Throw -ErrorId 'ContainerMounted,LayerTools.Commands.InvokeContainerCommandCommand'
        }
        finally { Dismount-ContainerLayer mounted }
        { Invoke-ContainerCommand mounted -ErrorAction Stop } | Should -Throw -ErrorId 'NoCommand,LayerTools.Commands.InvokeContainerCommandCommand'
    }
}
}
