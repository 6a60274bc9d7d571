# What a hostile Dockerfile's RUN step can and cannot do, as docs/safety.md's "RUN steps" table says: the
# chroot escape, mount in a user namespace, capabilities, /proc, and no silent fallback without runc.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-runsafety-" + [guid]::NewGuid().ToString('n').Substring(0, 8))

    New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:safety -Applets 'sh', 'cat', 'echo', 'wc', 'ls'

    # The classic chroot escape, compiled static so it runs in any image.
    $script:ctx = Join-Path $work 'ctx'
    $null = New-Item -ItemType Directory -Force $ctx
    & gcc -static -O -o (Join-Path $ctx 'esc') (Join-Path $PSScriptRoot '../LayerTools.Core.Tests/Security/chroot-escape.c')
    if ($LASTEXITCODE -ne 0) { throw 'gcc -static failed: apt-get install gcc libc6-dev' }

    function script:New-Context([string] $Name, [string] $Dockerfile) {
        $dir = Join-Path $work $Name
        $null = New-Item -ItemType Directory -Force $dir
        Copy-Item (Join-Path $ctx 'esc') $dir
        Set-Content (Join-Path $dir 'Dockerfile') $Dockerfile
        return $dir
    }

    function script:Get-Status([object[]] $Information) {
        $status = @{}
        foreach ($line in $Information) {
            $name, $value = "$line" -split ':', 2
            if ($null -ne $value) { $status[$name] = $value.Trim() }
        }
        return $status
    }
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'RUN safety' {
    It 'keeps a chroot escape inside the image, under <Runtime>' -ForEach @(
        @{ Runtime = 'Auto' }
        @{ Runtime = 'Unshare' }
    ) {
        $marker = "/tmp/layertools-pester-escaped-$([guid]::NewGuid().ToString('n'))"
        try {
            $dir = New-Context "esc-$Runtime" "FROM busybox:safety`nCOPY esc /esc`nRUN /esc $marker"
            $image = Build-LayeredImage $dir -Tag "esc:$($Runtime.ToLowerInvariant())" -Runtime $Runtime -NoCache -InformationVariable info -InformationAction SilentlyContinue
            ($info | ForEach-Object { "$_" }) | Should -Contain "wrote $marker"
            Test-Path -LiteralPath $marker | Should -BeFalse
            (Get-LayerFile $image.Reference $marker).LayerPath | Should -Be $marker
        }
        finally {
            Remove-Item -LiteralPath $marker -Force -ErrorAction SilentlyContinue
        }
    }

    It 'refuses mount in a user namespace under runc (seccomp), and runs an ordinary step' {
        $dir = New-Context 'seccomp' "FROM busybox:safety`nRUN busybox unshare -Urm sh -c 'mount -t tmpfs none /tmp'"
        { Build-LayeredImage $dir -Tag seccomp:1 -InformationAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'RunFailed,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*Operation not permitted*'
        $ok = New-Context 'ordinary' "FROM busybox:safety`nRUN echo fine > /fine"
        (Get-LayerFile (Build-LayeredImage $ok -Tag ordinary:1 -InformationAction SilentlyContinue).Reference /).Name | Should -Contain 'fine'
    }

    It 'gives a root step Docker''s capabilities and no new privileges, under <Runtime>' -ForEach @(
        @{ Runtime = 'Auto'; Bounding = '00000000a80425fb'; Seccomp = '2' }
        @{ Runtime = 'Unshare'; Bounding = '00000000a00425fb'; Seccomp = '0' }
    ) {
        $dir = New-Context "caps-$Runtime" "FROM busybox:safety`nRUN cat /proc/self/status"
        $null = Build-LayeredImage $dir -Runtime $Runtime -NoCache -InformationVariable info -InformationAction SilentlyContinue
        $status = Get-Status $info
        $status.CapBnd | Should -Be $Bounding
        $status.CapEff | Should -Be $Bounding
        $status.CapInh | Should -Be '0000000000000000'
        $status.NoNewPrivs | Should -Be '1'
        $status.Seccomp | Should -Be $Seccomp

        $user = New-Context "caps-user-$Runtime" "FROM busybox:safety`nUSER app`nRUN cat /proc/self/status"
        $null = Build-LayeredImage $user -Runtime $Runtime -NoCache -InformationVariable info -InformationAction SilentlyContinue
        $status = Get-Status $info
        $status.CapBnd | Should -Be $Bounding
        $status.CapEff | Should -Be '0000000000000000'
        $status.NoNewPrivs | Should -Be '1'
    }

    It 'runs the command as PID 1, hides /proc''s kernel tables and makes /proc/sys read-only, under <Runtime>' -ForEach @(
        @{ Runtime = 'Auto' }
        @{ Runtime = 'Unshare' }
    ) {
        $dir = New-Context "proc-$Runtime" "FROM busybox:safety`nRUN echo pid=`$`$ timer_list=`$(cat /proc/timer_list | wc -c) && (cat /proc/sys/kernel/core_pattern > /proc/sys/kernel/core_pattern || echo sys=read-only)"
        $null = Build-LayeredImage $dir -Runtime $Runtime -NoCache -InformationVariable info -InformationAction SilentlyContinue
        $lines = $info | ForEach-Object { "$_" }
        $lines | Should -Contain 'pid=1 timer_list=0'
        $lines | Should -Contain 'sys=read-only'
    }

    It 'refuses RUN --security=insecure' {
        $dir = New-Context 'insecure' "FROM busybox:safety`nRUN --security=insecure echo privileged"
        { Build-LayeredImage $dir -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsupportedFlag,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*--security=insecure*'
    }

    It 'refuses an ENV that would make the host''s tools load files, under Unshare' {
        $dir = New-Context 'ldpreload' "FROM busybox:safety`nENV LD_PRELOAD=/tmp/evil.so`nRUN true"
        { Build-LayeredImage $dir -Runtime Unshare -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnshareUnsafeEnvironment,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*LD_PRELOAD*runc*'
    }

    It 'refuses RUN without runc or crun, naming what to install, and runs it with -Runtime Unshare' {
        # runc and crun hidden in a private mount namespace: a non-executable file bound over each.
        $notexec = Join-Path $work 'notexec'
        Set-Content $notexec ''
        $dir = New-Context 'noruntime' "FROM busybox:safety`nRUN echo ran > /ran"
        $module = Join-Path (Get-Module LayerTools).ModuleBase 'LayerTools.psd1'
        $command = @"
Import-Module '$module'
`$env:LAYERTOOLS_STORE = '$store'
try { `$null = Build-LayeredImage '$dir' -Tag noruntime:1 -ErrorAction Stop; 'built' } catch { 'error ' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }
'unshare ' + (Build-LayeredImage '$dir' -Tag noruntime:2 -Runtime Unshare -InformationAction SilentlyContinue).Reference
"@
        $exe = (Get-Process -Id $PID).Path
        [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $hide = 'for d in $(echo "$PATH" | tr : " ") /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do for n in runc crun; do if [ -f "$d/$n" ]; then mount --bind "$1" "$d/$n"; fi; done; done; shift; exec "$@"'
        $output = & unshare --mount --propagation private sh -c $hide sh $notexec $exe @prefix -NoProfile -NonInteractive -Command $command
        $output | Should -Contain 'error NoContainerRuntime,LayerTools.Commands.BuildLayeredImageCommand'
        ($output -join "`n") | Should -BeLike '*apt-get install runc*crun*-Runtime Unshare*'
        $output | Should -Contain 'unshare noruntime:2'
        Get-LayeredImage noruntime:1 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-LayerFile noruntime:2 /).Name | Should -Contain 'ran'
    }
}
