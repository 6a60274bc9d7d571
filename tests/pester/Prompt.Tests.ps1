# Issue 13, at the prompt: what a user reads, typed as a user types it against the laid-out module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $null = Import-LayeredImage -Path (New-FixtureImages)
    $script:module = Join-Path (Split-Path (Get-Module LayerTools).Path) 'LayerTools.psd1'

    # What a fresh console prints for $Command, stdin given (for -Confirm's prompt).
    function script:Invoke-AtConsole([string] $Command, [string] $Answer) {
        $exe = (Get-Process -Id $PID).Path
        [string[]] $prefix = if ((Split-Path -Leaf $exe) -like 'dotnet*') { @(Join-Path $PSHOME 'pwsh.dll') } else { @() }
        $full = "`$env:LAYERTOOLS_STORE = '$store'; Import-Module '$module'; $Command"
        if ($PSBoundParameters.ContainsKey('Answer')) {
            ($Answer | & $exe @prefix -NoProfile -Command $full 2>&1) -join "`n"
        }
        else {
            (& $exe @prefix -NoProfile -NonInteractive -Command $full 2>&1) -join "`n"
        }
    }
}

AfterAll {
    Remove-TestStore
}

Describe 'Remove-LayeredImage says what it will do and did in Docker''s words' {
    BeforeAll {
        Add-LayeredImageTag app:1 -Tag rm:1, rm:2
        $script:id = (Get-LayeredImage app:1).Id
    }

    It '-WhatIf says Untagged for a tag that leaves the image other names' {
        $said = Invoke-AtConsole 'Remove-LayeredImage rm:2 -WhatIf'
        $said | Should -Match ([regex]::Escape('What if: Untagged: rm:2'))
        $said | Should -Not -Match 'Deleted'
        Get-LayeredImage rm:2 | Should -Not -BeNullOrEmpty
    }

    It 'answers with the Untagged line, and -Verbose says it' {
        $done = @(Remove-LayeredImage rm:2 -Confirm:$false -Verbose 4>&1)
        ($done | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Be 'Untagged: rm:2'
        $out = @($done | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $out.Count | Should -Be 1
        $out[0].Untagged | Should -Be 'rm:2'
        ($out | Format-Table | Out-String).Trim() | Should -Be 'Untagged: rm:2'
    }

    It '-WhatIf and -Confirm say Deleted with the image ID when the last name goes, and the output says both lines' {
        Add-LayeredImageTag app:1 -Tag solo:1
        $null = Import-LayeredImage -Path (New-TestTree -Root (Join-Path $TestDrive 'solo') -Files @{ 'only.txt' = 'only' }) -Tag solo:1
        $soloId = (Get-LayeredImage solo:1).Id
        $whatIf = Invoke-AtConsole 'Remove-LayeredImage solo:1 -WhatIf'
        $whatIf | Should -Match ([regex]::Escape("What if: Untagged: solo:1, Deleted: $soloId"))
        $confirm = Invoke-AtConsole 'Remove-LayeredImage solo:1 -Confirm' -Answer 'N'
        $confirm | Should -Match ([regex]::Escape('Untagged: solo:1'))
        $confirm | Should -Match 'Deleted:\s+sha256:'
        Get-LayeredImage solo:1 | Should -Not -BeNullOrEmpty
        $done = @(Remove-LayeredImage solo:1 -Confirm:$false)
        ($done | ForEach-Object ToString) | Should -Be @('Untagged: solo:1', "Deleted: $soloId")
        Get-LayeredImage | Where-Object Id -EQ $soloId | Should -BeNullOrEmpty
    }
}

Describe 'Smaller points of issue 13' {
    It 'Remove-LayeredImage app names app:latest, the image it looked for' {
        { Remove-LayeredImage app -Confirm:$false -ErrorAction Stop } | Should -Throw "No image 'app:latest' ('app' without a tag means the tag latest)*"
    }

    It '-Tag App:1 says upper case is why it is refused' {
        $context = New-TestTree -Root (Join-Path $TestDrive 'upper') -Files @{ 'Dockerfile' = "FROM scratch`nCOPY Dockerfile /`n" }
        { Build-LayeredImage $context -Tag App:1 -ErrorAction Stop } | Should -Throw "*repository name 'App' has upper case letters*Use 'app:1'*"
        { Add-LayeredImageTag app:1 -Tag Team/App:V1 -ErrorAction Stop } | Should -Throw "*'Team/App' has upper case*'team/app:V1'*"
    }

    It 'a missing build context says it does not exist' {
        { Build-LayeredImage (Join-Path $TestDrive 'no-such-context') -Tag x:1 -ErrorAction Stop } | Should -Throw '*does not exist*'
    }

    It 'formats efficiency the same in the table and in the gate''s error' {
        # The same 3 kB file rewritten in a second layer, and a 1 kB one beside it: dive's efficiency is 7/9 (77.77%).
        $l0 = New-TestTree -Root (Join-Path $TestDrive 'eff0') -Files @{ 'data/f' = ('a' * 3000); 'data/g' = ('g' * 1000) }
        $l1 = New-TestTree -Root (Join-Path $TestDrive 'eff1') -Files @{ 'data/f' = ('b' * 3000) }
        $archive = New-DockerArchive -Path (Join-Path $TestDrive 'eff.tar') -Images @(@{ Tag = 'eff:1'; Layers = @($l0, $l1) })
        $null = Import-LayeredImage -Path $archive
        $table = Measure-LayeredImage eff:1 | Format-Table | Out-String -Width 120
        $shown = [regex]::Match($table, '\d+(\.\d+)?%').Value
        $shown | Should -Not -Be '100%'
        $null = Measure-LayeredImage eff:1 -MinimumEfficiency 0.999 -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].Exception.Message | Should -BeLike "*efficiency of $shown, below -MinimumEfficiency 99.9%*"
    }
}

Describe 'The image''s whole config, and its raw JSON' {
    BeforeAll {
        $context = New-TestTree -Root (Join-Path $TestDrive 'hc') -Files @{
            'Dockerfile' = @'
FROM scratch
COPY Dockerfile /
ENV MODE=prod
LABEL org.opencontainers.image.title=hc team=web
USER 1000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD ["/bin/check", "--quick"]
ONBUILD COPY . /src
SHELL ["/bin/bash", "-c"]
STOPSIGNAL SIGTERM
VOLUME /data
CMD ["/bin/serve"]
'@
        }
        $null = Build-LayeredImage $context -Tag hc:1
    }

    It 'has Healthcheck, OnBuild, Shell, StopSignal, Volumes, Labels and Env on Config' {
        $config = (Get-LayeredImage hc:1).Config
        $config.Healthcheck.Test | Should -Be @('CMD', '/bin/check', '--quick')
        $config.Healthcheck.Interval | Should -Be ([timespan]::FromSeconds(30))
        $config.Healthcheck.Timeout | Should -Be ([timespan]::FromSeconds(5))
        $config.Healthcheck.Retries | Should -Be 3
        $config.OnBuild | Should -Be @('COPY . /src')
        $config.Shell | Should -Be @('/bin/bash', '-c')
        $config.StopSignal | Should -Be 'SIGTERM'
        $config.Volumes | Should -Be @('/data')
        $config.Labels['team'] | Should -Be 'web'
        $config.Env | Should -Contain 'MODE=prod'
        ($config.Json | ConvertFrom-Json).Healthcheck.Retries | Should -Be 3
    }

    It 'shows Env, Labels and the healthcheck in the list view''s Config summary' {
        $list = Get-LayeredImage hc:1 | Format-List | Out-String -Width 200
        $list | Should -Match 'Env=\[[^\]]*MODE=prod'
        $list | Should -Match 'Labels=\[[^\]]*team=web'
        $list | Should -Match 'Healthcheck=CMD /bin/check --quick \(interval=30s, timeout=5s, retries=3\)'
        $list | Should -Match 'User=1000'
    }

    It '-Raw Config and -Raw Manifest give the JSON as stored, like crane config and crane manifest' {
        $image = Get-LayeredImage hc:1
        $config = Get-LayeredImage hc:1 -Raw Config
        $config | Should -BeOfType [string]
        $sha = [Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($config))
        'sha256:' + [Convert]::ToHexString($sha).ToLowerInvariant() | Should -Be $image.Id
        ($config | ConvertFrom-Json).config.OnBuild | Should -Be @('COPY . /src')
        $manifest = Get-LayeredImage hc:1 -Raw Manifest | ConvertFrom-Json
        $manifest.config.digest | Should -Be $image.Id
        @($manifest.layers).Count | Should -Be $image.LayerCount
    }
}
