# Test-Dockerfile as a user types it: a folder of projects, each with its Dockerfile.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:repo = Join-Path $TestDrive 'repo'
    $null = New-Item -ItemType Directory -Force (Join-Path $repo 'web/node_modules/x'), (Join-Path $repo 'api'), (Join-Path $repo 'broken')
    Set-Content (Join-Path $repo 'web/package.json') '{}'
    Set-Content (Join-Path $repo 'web/node_modules/x/index.js') 'module.exports = 1'
    Set-Content (Join-Path $repo 'web/Dockerfile') @'
FROM node:latest
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
'@
    Set-Content (Join-Path $repo 'api/Dockerfile') @'
FROM debian:12
# layertools-ignore=LT013
RUN cd /tmp && apt-get update && apt-get install -y curl
ENV API_TOKEN=abc
'@
    Set-Content (Join-Path $repo 'broken/Dockerfile') "FROM alpine:3.20`nCOPY`n"
}

AfterAll {
    Remove-TestStore
}

Describe 'Test-Dockerfile' {
    It 'checks ./Dockerfile by default and writes findings sorted by line' {
        Push-Location (Join-Path $repo 'web')
        try { $findings = @(Test-Dockerfile) } finally { Pop-Location }
        $findings | Should -BeOfType ([LayerTools.Core.Lint.DockerfileFinding])
        $findings | ForEach-Object { "$($_.RuleId)@$($_.Line)" } | Should -Be @('LT007@1', 'LT005@3', 'LT004@4', 'LT006@5')
        ($findings | Where-Object RuleId -eq LT005).Message | Should -Match 'node_modules/ \(1 files'
        ($findings | Where-Object RuleId -eq LT007).Severity | Should -Be ([LayerTools.Core.Lint.FindingSeverity]::Warning)
    }

    It 'takes Dockerfiles from Get-ChildItem, honours ignore comments and -ExcludeRule, and reports parse errors with file:line' {
        $findings = @(Get-ChildItem -Recurse -Filter Dockerfile -LiteralPath $repo | Test-Dockerfile -ExcludeRule LT006, LT007 -ErrorVariable bad -ErrorAction SilentlyContinue)
        $bad.Count | Should -Be 1
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'DockerfileParseError*'
        $bad[0].Exception.Message | Should -BeLike "*broken*Dockerfile:2:*"
        $api = @($findings | Where-Object File -like '*api*')
        $api.RuleId | Sort-Object | Should -Be @('LT002', 'LT009')
        ($api | Where-Object RuleId -eq LT009).Severity | Should -Be 'Error'
        $findings.RuleId | Should -Not -Contain 'LT006'
        $findings.RuleId | Should -Not -Contain 'LT007'
        $findings.RuleId | Should -Not -Contain 'LT013'
        ($findings | Where-Object File -like '*web*').Count | Should -Be 2
    }

    It 'selects rules with -Rule and refuses unknown ids' {
        @(Test-Dockerfile (Join-Path $repo 'web/Dockerfile') -Rule LT006).Line | Should -Be @(5)
        { Test-Dockerfile (Join-Path $repo 'web/Dockerfile') -Rule LT999 -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownRuleId*'
    }

    It 'shows a SEVERITY RULE LINE MESSAGE table' {
        $text = Test-Dockerfile (Join-Path $repo 'api/Dockerfile') | Format-Table | Out-String -Width 200
        $text | Should -Match 'SEVERITY\s+RULE\s+LINE\s+MESSAGE'
        $text | Should -Match 'Error\s+LT009\s+4 ENV API_TOKEN'
    }

    It 'completes rule ids' {
        $line = 'Test-Dockerfile -ExcludeRule LT00'
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Contain 'LT006'
        $result.CompletionMatches.CompletionText | Should -Not -Contain 'LT014'
    }

    It 'grounds <What> in their layers: LT014 weighs the 1 MiB a step adds and a later one overwrites' -ForEach @(
        # History records a COPY without its flags (as BuildKit does) ...
        @{ What = 'COPY --link steps'; Tag = 'linked:1'; Line = 2
           Dockerfile = "FROM scratch`nCOPY --link big.bin /data/big.bin`nCOPY --link --chmod=644 small.bin /data/big.bin`n" }
        # ... and with its sources and destination expanded with the stage's ARG and ENV values.
        @{ What = 'COPY steps whose sources name ARG and ENV values'; Tag = 'vars:1'; Line = 6
           Dockerfile = "ARG DEST=/data`nFROM scratch`nARG DEST`nARG SRC=big.bin`nENV NAME=big.bin`nCOPY `$SRC `${DEST}/`$NAME`nCOPY small.bin `$DEST/big.bin`n" }
    ) {
        $ctx = Join-Path $TestDrive ($Tag -replace ':', '-')
        $null = New-Item -ItemType Directory -Force $ctx
        [IO.File]::WriteAllBytes((Join-Path $ctx 'big.bin'), [byte[]]::new(1MB))
        Set-Content (Join-Path $ctx 'small.bin') 'small'
        Set-Content (Join-Path $ctx 'Dockerfile') $Dockerfile
        $null = Build-LayeredImage $ctx -Tag $Tag -InformationAction SilentlyContinue
        # The first COPY (history lists the newest first) as the builder recorded it.
        (Get-ImageHistory $Tag | Where-Object CreatedBy -like 'COPY*')[-1].CreatedBy | Should -Be 'COPY big.bin /data/big.bin # buildkit'
        $findings = @(Test-Dockerfile (Join-Path $ctx 'Dockerfile') -Image $Tag)
        $waste = @($findings | Where-Object RuleId -eq LT014)
        $waste.Count | Should -Be 1
        $waste[0].Line | Should -Be $Line
        $waste[0].Layer | Should -Be 0
        $waste[0].Bytes | Should -Be 1MB
        $waste[0].Message | Should -Match "^/data/big.bin: 1.05 MB added in layer 0, from line $Line; line $($Line + 1) \(layer 1\) overwrites them"
    }

    It 'reports a missing Dockerfile as an error' {
        Test-Dockerfile (Join-Path $repo 'nope/Dockerfile') -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DockerfileNotFound*'
    }
}
