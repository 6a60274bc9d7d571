# The build log as a user sees it at the console and captures it: BuildKit's plain-progress lines,
# RUN output under its step in the order written, the failing step's output once, -Quiet, -Verbose
# with one line per step, and cache-miss reasons that name the context file and the kind of change.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-buildlog-" + [guid]::NewGuid().ToString('n').Substring(0, 8))
    New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:log -Applets 'sh', 'echo', 'cat', 'true'

    function New-LogContext([string] $Name, [string] $Dockerfile, [hashtable] $Files = @{ 'src/lib.sh' = 'echo lib' }) {
        $dir = New-TestTree -Root (Join-Path $work $Name) -Files $Files
        Set-Content (Join-Path $dir 'Dockerfile') $Dockerfile
        $dir
    }

    $script:single = New-LogContext 'single' "FROM busybox:log`nENV MODE=test`nWORKDIR /app`nCOPY src/ /app/`nRUN echo one; echo two >&2; echo three"
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'The build log at the console' {
    It 'shows a line as each step starts and ends, and RUN output under its step in the order written' {
        $lines = Invoke-ConsolePwsh "`$null = Build-LayeredImage '$single' -Tag log:1"
        $log = $lines | Where-Object { $_ -match '^#\d' -or $_ -in 'one', 'two', 'three' }
        $log[0] | Should -Be '#1 [1/4] FROM busybox:log'
        $log[1] | Should -Be '#1 CACHED' -Because 'the base image is in the store: nothing was pulled'
        $log[2] | Should -Be '#2 [2/4] WORKDIR /app'
        $log[3] | Should -Match '^#2 DONE \d+\.\ds$'
        $log[4] | Should -Be '#3 [3/4] COPY src/ /app/'
        $log[5] | Should -Match '^#3 DONE \d+\.\ds$'
        $log[6..9] | Should -Be @('#4 [4/4] RUN echo one; echo two >&2; echo three', 'one', 'two', 'three')
        $log[10] | Should -Match '^#4 DONE \d+\.\ds$'
        $log.Count | Should -Be 11 -Because 'metadata steps (ENV) are not shown, as in BuildKit'

        $again = Invoke-ConsolePwsh "`$null = Build-LayeredImage '$single' -Tag log:1"
        $again | Should -Contain '#3 CACHED'
        $again | Should -Contain '#4 CACHED'
        $again | Should -Not -Contain 'one' -Because 'a cached RUN does not run'
    }

    It 'keeps stdout and stderr in the order the command wrote them, every time' {
        foreach ($i in 1..3) {
            $null = Build-LayeredImage $single -NoCache -Quiet -InformationVariable info
            $out = $info | ForEach-Object { "$_" } | Where-Object { $_ -notmatch '^#\d' }
            $out | Should -Be @('one', 'two', 'three')
        }
    }

    It 'is quiet with -Quiet or -InformationAction SilentlyContinue, and -InformationVariable still captures it' {
        $quiet = Invoke-ConsolePwsh "`$null = Build-LayeredImage '$single' -NoCache -Quiet"
        $quiet | Where-Object { $_ -match '^#\d|^one$' } | Should -BeNullOrEmpty
        $silent = Invoke-ConsolePwsh "`$null = Build-LayeredImage '$single' -NoCache -InformationAction SilentlyContinue"
        $silent | Where-Object { $_ -match '^#\d|^one$' } | Should -BeNullOrEmpty
        $null = Build-LayeredImage $single -NoCache -Quiet -InformationVariable captured
        ($captured | ForEach-Object { "$_" }) | Should -Contain '#4 [4/4] RUN echo one; echo two >&2; echo three'
        $captured[0].Tags | Should -Contain 'BuildLog'
    }

    It "shows a failing step's output once" {
        # The command's text says boom-$((6*7)); only its output says boom-42.
        $failing = New-LogContext 'failing' "FROM busybox:log`nRUN echo boom-`$((6*7)); exit 7"
        $lines = Invoke-ConsolePwsh "Build-LayeredImage '$failing' -Tag fail:1"
        @($lines | Where-Object { $_ -match 'boom-42' }).Count | Should -Be 1
        $lines | Should -Contain '#2 ERROR: process "/bin/sh -c echo boom-$((6*7)); exit 7" did not complete successfully: exit code: 7'
        ($lines -join "`n") | Should -Match 'Dockerfile:2.*exited with code 7'
        # Quiet, the error is the only place the output is shown: it carries it, once.
        $quiet = Invoke-ConsolePwsh "Build-LayeredImage '$failing' -Tag fail:1 -Quiet"
        @($quiet | Where-Object { $_ -match 'boom-42' }).Count | Should -Be 1
    }

    It 'numbers steps per stage as BuildKit does in a multi-stage build' {
        $multi = New-LogContext 'multi' "FROM busybox:log AS build`nRUN echo b > /b`nFROM busybox:log`nCOPY --from=build /b /b`nRUN cat /b"
        $null = Build-LayeredImage $multi -Quiet -InformationVariable info
        $starts = $info | ForEach-Object { "$_" } | Where-Object { $_ -match '^#\d+ \[' }
        $starts | Should -Be @('#1 [build 1/2] FROM busybox:log', '#2 [build 2/2] RUN echo b > /b', '#3 [stage-1 1/3] FROM busybox:log', '#4 [stage-1 2/3] COPY --from=build /b /b', '#5 [stage-1 3/3] RUN cat /b')
    }
}

Describe 'Build-LayeredImage -Verbose and cache-miss reasons' {
    It 'writes one verbose line per step' {
        $verbose = Build-LayeredImage $single -NoCache -Quiet -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        foreach ($instruction in 'FROM busybox:log', 'ENV MODE=test', 'WORKDIR /app', 'COPY src/ /app/', 'RUN echo one; echo two >&2; echo three') {
            @($verbose | Where-Object { $_ -like "*: $instruction`: *" }).Count | Should -Be 1 -Because $instruction
        }
    }

    It 'names the context file and the kind of change: content, mode, owner, added, removed' {
        $ctx = New-LogContext 'reasons' "FROM busybox:log`nCOPY src/ /app/" @{ 'src/lib.sh' = 'echo lib'; 'src/old.sh' = 'old' }
        function Get-Reason { (Build-LayeredImage $ctx -Quiet).BuildSteps | Where-Object Instruction -eq 'COPY src/ /app/' | ForEach-Object CacheMissReason }
        $null = Build-LayeredImage $ctx -Quiet
        Set-Content (Join-Path $ctx 'src/lib.sh') 'echo lib2'
        Get-Reason | Should -Be 'file changed (content): src/lib.sh'
        & chmod 0755 (Join-Path $ctx 'src/lib.sh')
        Get-Reason | Should -Be 'file changed (mode): src/lib.sh'
        & chown 1000:1000 (Join-Path $ctx 'src/lib.sh')
        # COPY without --chown gives every file root: the owner never reaches the key, so the step hits.
        Get-Reason | Should -BeNullOrEmpty
        Set-Content (Join-Path $ctx 'src/new.sh') 'new'
        Get-Reason | Should -Be 'file added: src/new.sh'
        Remove-Item (Join-Path $ctx 'src/old.sh')
        Get-Reason | Should -Be 'file removed: src/old.sh'

        # An owner that reaches the layer: --chown in one stage, copied on by COPY --from in the next.
        $owned = New-LogContext 'owner' "FROM busybox:log AS build`nARG OWNER=0`nCOPY --chown=`$OWNER src/lib.sh /lib.sh`nFROM busybox:log`nCOPY --from=build /lib.sh /lib.sh"
        $null = Build-LayeredImage $owned -Quiet
        $steps = (Build-LayeredImage $owned -Quiet -BuildArg @{ OWNER = '1000' }).BuildSteps
        ($steps | Where-Object Instruction -like 'COPY --chown*').CacheMissReason | Should -Be 'build arg changed: OWNER; file changed (owner): src/lib.sh'
        ($steps | Where-Object Instruction -like 'COPY --from*').CacheMissReason | Should -Be 'file changed (owner): lib.sh'
    }
}
