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

    It 'a missing path on Image: and Container: names the path the user typed, not an internal one' {
        $null = New-ContainerLayer app:1 -Name missing-paths
        foreach ($typed in 'Image:\app:1\nope', 'Container:\missing-paths\nope') {
            foreach ($command in 'Get-ChildItem', 'Get-Item', 'Get-Content') {
                $failed = $null
                $null = & $command $typed -ErrorVariable failed -ErrorAction SilentlyContinue
                $failed.Count | Should -Be 1 -Because "$command $typed fails once"
                $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
                $failed[0].Exception | Should -BeOfType ([System.Management.Automation.ItemNotFoundException])
                $failed[0].Exception.Message | Should -BeLike "Cannot find path '$($typed.Replace('\', '[\/]'))' *" -Because "$command $typed names the typed path"
                $failed[0].Exception.Message | Should -Not -Match 'images/|containers/'
            }
        }
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

Describe 'Views never cut what tells rows apart, at an 80- and a 120-column console' {
    BeforeAll {
        # Three images whose references differ only at the end, with files whose paths differ only in the leaf.
        $script:long = 'registry.example.com/team/service-with-a-long-name'
        $deep = 'usr/lib/python3.12/site-packages/somepackage/submodule'
        $one = New-TestTree -Root (Join-Path $TestDrive 'v1') -Files @{ "$deep/alpha_module.py" = 'a'; "$deep/beta_module.py" = 'b'; "$deep/gamma_module.py" = 'c' }
        $two = New-TestTree -Root (Join-Path $TestDrive 'v2') -Files @{ "$deep/alpha_module.py" = 'a2'; "$deep/beta_module.py" = 'b2'; "$deep/gamma_module.py" = 'c2' }
        $null = Import-LayeredImage -Path $one -Tag "${long}:1.2.3-build.101"
        $null = Import-LayeredImage -Path $two -Tag "${long}:1.2.3-build.102"
        $null = Import-LayeredImage -Path $two -Tag "${long}-other:1.2.3-build.102"
        $null = New-ContainerLayer "${long}:1.2.3-build.101" -Name view-one
        $null = New-ContainerLayer "${long}-other:1.2.3-build.102" -Name view-two
        $script:paths = 'alpha_module.py', 'beta_module.py', 'gamma_module.py' | ForEach-Object { "/$deep/$_" }
        $context = New-TestTree -Root (Join-Path $TestDrive 'viewbuild') -Files @{
            'Dockerfile' = "FROM scratch`nCOPY Dockerfile /srv/application/configuration/first-long-file-name`nCOPY Dockerfile /srv/application/configuration/second-long-file-name`n"
        }
        $script:built = Build-LayeredImage $context -Tag "${long}-built:1"

        # A table as printed, its last column's wrapped cells put back on one line: a continuation line
        # (blank under the first column) adds the text under the last column to the row above.
        function script:Get-Unwrapped([string] $Text) {
            $lines = $Text -split "`r?`n"
            $result = [Collections.Generic.List[string]]::new()
            $first = -1; $last = -1
            foreach ($line in $lines) {
                if ($line -match '^[\s-]*-{2,}[\s-]*$') {
                    $groups = [regex]::Matches($line, '-+')
                    $first = $groups[0].Index + $groups[0].Length
                    $last = $groups[$groups.Count - 1].Index
                    $result.Add($line)
                    continue
                }
                $continues = $last -gt 0 -and $result.Count -gt 0 -and $line.Length -gt $last -and
                    $line.Substring(0, [Math]::Min($first, $line.Length)).Trim() -eq '' -and $line.Substring($last).Trim()
                if ($continues) {
                    $result[$result.Count - 1] = $result[$result.Count - 1].TrimEnd() + $line.Substring($last).Trim()
                }
                else {
                    if (-not $line.Trim()) { $first = -1; $last = -1 }
                    $result.Add($line)
                }
            }
            $result -join "`n"
        }
    }

    It 'Get-LayeredImage shows every reference whole, and CREATED fits, at <Width> columns' -TestCases @(@{ Width = 80 }, @{ Width = 120 }) {
        $text = Get-Unwrapped (Get-LayeredImage "$long*" | Format-Table | Out-String -Width $Width)
        $text | Should -Match "1\.2\.3-build\.101\s+$([regex]::Escape($long))\s*(`n|$)"
        $text | Should -Match "1\.2\.3-build\.102\s+$([regex]::Escape($long))-other"
        $text | Should -Match '(just now|\d+ sec ago|\d+ min ago)'
        $text | Should -Match '\d+(\.\d+)?kB'
        $text | Should -Not -Match '…'
    }

    It 'Compare-Layer shows every path whole at <Width> columns' -TestCases @(@{ Width = 80 }, @{ Width = 120 }) {
        $text = Get-Unwrapped (Compare-Layer "${long}:1.2.3-build.101" "${long}:1.2.3-build.102" | Format-Table | Out-String -Width $Width)
        foreach ($p in $paths) { $text | Should -Match "Modified.*$([regex]::Escape($p))" }
        $text | Should -Not -Match '…'
    }

    It 'Get-LayerFile, Measure-LayeredImage and Get-ContainerLayer show paths and references whole at <Width> columns' -TestCases @(@{ Width = 80 }, @{ Width = 120 }) {
        $files = Get-Unwrapped (Get-LayerFile "${long}:1.2.3-build.101" -Recurse | Format-Table | Out-String -Width $Width)
        foreach ($p in $paths) { $files | Should -Match ([regex]::Escape($p)) }
        $measured = Get-Unwrapped (Measure-LayeredImage "${long}:1.2.3-build.101", "${long}-other:1.2.3-build.102" | Format-Table | Out-String -Width $Width)
        $measured | Should -Match "100%.*$([regex]::Escape("${long}:1.2.3-build.101"))"
        $measured | Should -Match ([regex]::Escape("${long}-other:1.2.3-build.102"))
        $containers = Get-Unwrapped (Get-ContainerLayer view-one, view-two | Format-Table | Out-String -Width $Width)
        $containers | Should -Match "view-one\s+$([regex]::Escape("${long}:1.2.3-build.101"))"
        $containers | Should -Match "view-two\s+$([regex]::Escape("${long}-other:1.2.3-build.102"))"
        $containers | Should -Match '(just now|\d+ sec ago|\d+ min ago)'
        ($files + $measured + $containers) | Should -Not -Match '…'
    }

    It 'build steps, history and layers show each instruction whole at <Width> columns' -TestCases @(@{ Width = 80 }, @{ Width = 120 }) {
        $steps = Get-Unwrapped ($built.BuildSteps | Format-Table | Out-String -Width $Width)
        $steps | Should -Match 'COPY Dockerfile ?/srv/application/configuration/first-long-file-name'
        $steps | Should -Match 'COPY Dockerfile ?/srv/application/configuration/second-long-file-name'
        $history = Get-Unwrapped (Get-ImageHistory "${long}-built:1" | Format-Table | Out-String -Width $Width)
        $history | Should -Match 'second-long-file-name'
        $layers = Get-Unwrapped (Get-ImageLayer "${long}-built:1" | Format-Table | Out-String -Width $Width)
        $layers | Should -Match 'COPY Dockerfile ?/srv/application/configuration/first-long-file-name'
        ($steps + $history + $layers) | Should -Not -Match '…'
    }

    It 'every table view wraps its rows and shortens no text' {
        [xml] $views = Get-Content -Raw (Join-Path (Split-Path $module) 'LayerTools.format.ps1xml')
        foreach ($view in $views.Configuration.ViewDefinitions.View | Where-Object { $_['TableControl'] }) {
            foreach ($row in $view.TableControl.TableRowEntries.TableRowEntry) {
                $row['Wrap'] | Should -Not -BeNullOrEmpty -Because "the $($view.Name) view must wrap, not cut"
            }
            $view.OuterXml | Should -Not -Match 'Truncate' -Because "the $($view.Name) view must not shorten text"
        }
    }
}

Describe 'about_LayerTools and completion' {
    It 'about_LayerTools names every cmdlet of the module, and covers builds and the YAML form' {
        $about = Get-Help about_LayerTools | Out-String
        foreach ($name in (Get-Command -Module LayerTools -CommandType Cmdlet).Name) {
            $about | Should -Match "(?m)^\s+$name\b" -Because "about_LayerTools lists $name"
        }
        $about | Should -Match 'BUILDS'
        $about | Should -Match 'THE YAML FORM'
        $about | Should -Match 'stages:'
        $about | Should -Match '-File \./app/build\.yaml'
        (Get-Help Build-LayeredImage -Full | Out-String) | Should -Match 'about_LayerTools'
    }

    It 'completes -Target from a relative context, and from the current folder' {
        $null = New-TestTree -Root (Join-Path $TestDrive 'proj/ms') -Files @{ 'Dockerfile' = "FROM scratch AS builder`nCOPY Dockerfile /`nFROM scratch AS runtime`nCOPY --from=builder /Dockerfile /`n" }
        Push-Location (Join-Path $TestDrive 'proj')
        try {
            $line = 'Build-LayeredImage ./ms -Target '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('builder', 'runtime')
            $line = 'Build-LayeredImage -Path ms -Target ru'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('runtime')
            Set-Location ms
            $line = 'Build-LayeredImage -Target '
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('builder', 'runtime')
            $line = 'Build-LayeredImage -File ./Dockerfile -Target b'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('builder')
        }
        finally {
            Pop-Location
        }
    }

    It 'completes the ID prefix of an untagged image' {
        $null = Import-LayeredImage -Path (New-TestTree -Root (Join-Path $TestDrive 'dangling1') -Files @{ 'one' = '1' }) -Tag dangle:1
        $old = (Get-LayeredImage dangle:1).Id
        $null = Import-LayeredImage -Path (New-TestTree -Root (Join-Path $TestDrive 'dangling2') -Files @{ 'two' = '2' }) -Tag dangle:1
        Get-LayeredImage | Where-Object { $_.Id -eq $old -and $null -eq $_.Reference } | Should -Not -BeNullOrEmpty
        $line = 'Get-ImageHistory ' + $old.Substring(7, 5)
        $matches = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $matches | Should -Contain $old.Substring(7, 12)
        $line = 'Remove-LayeredImage sha256:' + $old.Substring(7, 5)
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $old.Substring(7, 12)
    }
}
