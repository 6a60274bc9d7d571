# Build-LayeredImage as a user types it: a Node-shaped project on a busybox base built in the test.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:store = New-TestStore
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("layertools-build-" + [guid]::NewGuid().ToString('n').Substring(0, 8))

    # A real base image: the host's static busybox with its applets as links, and two users.
    New-BusyboxImage -Root (Join-Path $work 'rootfs') -Tag busybox:test -Applets 'sh', 'echo', 'mkdir', 'cat', 'ls', 'id', 'rm', 'true'

    $script:ctx = Join-Path $work 'app'
    $null = New-Item -ItemType Directory -Force (Join-Path $ctx 'src'), (Join-Path $ctx 'node_modules')
    Set-Content (Join-Path $ctx 'package.json') '{ "name": "app" }'
    Set-Content (Join-Path $ctx 'src/index.js') 'console.log("hello")'
    Set-Content (Join-Path $ctx 'node_modules/big.js') 'never sent'
    Set-Content (Join-Path $ctx '.dockerignore') "node_modules`n*.log"
    Set-Content (Join-Path $ctx 'Dockerfile') @'
FROM busybox:test
ARG VERSION=1
WORKDIR /app
COPY package.json .
RUN echo "installing $VERSION" && mkdir -p node_modules && echo "v$VERSION" > node_modules/version
COPY . .
CMD ["node", "src/index.js"]
'@
}

AfterAll {
    Remove-TestStore
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}

Describe 'Build-LayeredImage' {
    It 'builds the image, shows RUN output as information, and returns its BuildSteps' {
        $image = Build-LayeredImage $ctx -Tag app:1 -InformationVariable info -InformationAction SilentlyContinue
        $image.Reference | Should -Be 'app:1'
        $image.Config.Cmd | Should -Be @('node', 'src/index.js')
        ($info | ForEach-Object { "$_" }) | Should -Contain 'installing 1'
        $image.BuildSteps.Count | Should -Be 7
        $image.BuildSteps[0].Instruction | Should -Be 'FROM busybox:test'
        # ARG is a step of its own (BuildKit writes it into the history), so it is the first to miss
        ($image.BuildSteps | Where-Object Instruction -eq 'ARG VERSION=1').CacheMissReason | Should -Match 'first build'
        ($image.BuildSteps | Where-Object Instruction -eq 'WORKDIR /app').CacheMissReason | Should -Be 'an earlier step of the stage was rebuilt'
        ($image.BuildSteps | Where-Object Instruction -like 'RUN*').CacheMissReason | Should -Be 'an earlier step of the stage was rebuilt'
        (Get-LayerFile app:1 /app -Recurse).LayerPath | Should -Contain '/app/node_modules/version'
        (Get-LayerFile app:1 /app/node_modules).Name | Should -Not -Contain 'big.js'
    }

    It 'hits every step on a second build, and names the changed file after a one-byte change' {
        $again = Build-LayeredImage $ctx -Tag app:1
        $again.BuildSteps | ForEach-Object { $_.Cached | Should -BeTrue -Because $_.Instruction }

        Set-Content (Join-Path $ctx 'src/index.js') 'console.log("hellO")'
        $changed = Build-LayeredImage $ctx -Tag app:1
        $copy = $changed.BuildSteps | Where-Object Instruction -eq 'COPY . .'
        $copy.Cached | Should -BeFalse
        $copy.CacheMissReason | Should -Be 'file changed (content): src/index.js'
        ($changed.BuildSteps | Where-Object Instruction -like 'RUN*').Cached | Should -BeTrue
    }

    It 'misses at the first use of a changed build arg' {
        $image = Build-LayeredImage $ctx -Tag app:2 -BuildArg @{ VERSION = '2' } -InformationAction SilentlyContinue
        $run = $image.BuildSteps | Where-Object Instruction -like 'RUN*'
        $run.Cached | Should -BeFalse
        $run.CacheMissReason | Should -Be 'build arg changed: VERSION'
        ($image.BuildSteps | Where-Object Instruction -eq 'COPY package.json .').Cached | Should -BeTrue
    }

    It 'writes history that reads like docker history' {
        $history = Get-ImageHistory app:1
        $history[0].CreatedBy | Should -Be 'CMD ["node" "src/index.js"]'
        $history[0].EmptyLayer | Should -BeTrue
        # BuildKit's text: the stage's ARGs before the command, and the ARG itself as a record
        $history.CreatedBy | Should -Contain 'ARG VERSION=1'
        # SIZE is the content the step wrote (node_modules/version holds "v1\n"), not the layer tar's size
        ($history | Where-Object CreatedBy -like 'RUN |1 VERSION=1 /bin/sh -c *# buildkit').Size | Should -Be 3
        # IMAGE: the image ID on the newest record, <missing> below, as docker history shows it
        $history[0].ImageId | Should -Be (Get-LayeredImage app:1).Id
        @($history | Select-Object -Skip 1 | Where-Object ImageId -ne '<missing>').Count | Should -Be 0
        $table = Get-ImageHistory app:1 | Format-Table | Out-String
        $table | Should -Match 'CREATED BY'
        $table | Should -Match ([regex]::Escape((Get-LayeredImage app:1).Id.Substring(7, 12)))
        $table | Should -Match '<missing>'
        $steps = (Build-LayeredImage $ctx -Tag app:1).BuildSteps | Format-Table | Out-String
        $steps | Should -Match 'CACHED'
    }

    It 'fails with the file, line, exit code and output of a failing RUN, and tags nothing' {
        $bad = Join-Path $work 'bad'
        $null = New-Item -ItemType Directory -Force $bad
        Set-Content (Join-Path $bad 'Dockerfile') "FROM busybox:test`nRUN echo oops && exit 7"
        { Build-LayeredImage $bad -Tag bad:1 -InformationAction SilentlyContinue -ErrorAction Stop } | Should -Throw -ErrorId 'RunFailed,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*Dockerfile:2*code 7*oops*'
        Get-LayeredImage 'bad:*' | Should -BeNullOrEmpty
    }

    It 'reports a broken Dockerfile with its line' {
        $broken = Join-Path $work 'broken'
        $null = New-Item -ItemType Directory -Force $broken
        Set-Content (Join-Path $broken 'Dockerfile') "FROM busybox:test`nCOPY`n"
        { Build-LayeredImage $broken -ErrorAction Stop } | Should -Throw -ErrorId 'DockerfileParseError,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*Dockerfile:2*'
    }

    It 'mounts a -Secret for RUN --mount=type=secret, keeping it out of the image' {
        $sec = Join-Path $work 'secret'
        $null = New-Item -ItemType Directory -Force $sec
        [IO.File]::WriteAllText((Join-Path $work 'token.txt'), 's3cret-value')
        Set-Content (Join-Path $sec 'Dockerfile') "FROM busybox:test`nRUN --mount=type=secret,id=token,required cat /run/secrets/token > /dev/null && echo ok > /ok`n"
        { Build-LayeredImage $sec -Tag sec:1 -ErrorAction Stop } | Should -Throw -ErrorId 'SecretNotFound,LayerTools.Commands.BuildLayeredImageCommand' -ExpectedMessage '*Dockerfile:2*token*'
        Push-Location $work
        try {
            $image = Build-LayeredImage $sec -Tag sec:1 -Secret @{ token = 'token.txt' }
        }
        finally {
            Pop-Location
        }
        $image.BuildSteps[-1].Cached | Should -BeFalse
        (Get-LayerFile sec:1 /).Name | Should -Contain 'ok'
        (Get-LayerFile sec:1 /).Name | Should -Not -Contain 'run'
        (Get-ImageHistory sec:1).CreatedBy -join "`n" | Should -Not -Match 's3cret'
    }

    It 'gives RUN the secret''s value, as a file and as env=, and writes it into no exported blob' {
        $sec = Join-Path $work 'secret-read'
        $null = New-Item -ItemType Directory -Force $sec
        [IO.File]::WriteAllText((Join-Path $work 'token2.txt'), 's3cret-value')
        # grep -qx and test fail the RUN unless the value is exactly there, so the build proves RUN read
        # it; the value to expect comes from a bind-mounted context file, so no instruction spells it
        [IO.File]::WriteAllText((Join-Path $sec 'expected'), "s3cret-value`n")
        Set-Content (Join-Path $sec 'Dockerfile') @'
FROM busybox:test
RUN --mount=type=secret,id=token --mount=type=bind,source=expected,target=/expected grep -qxFf /expected /run/secrets/token && echo file > /file-ok
RUN --mount=type=secret,id=token,env=TOKEN --mount=type=bind,source=expected,target=/expected test "$TOKEN" = "$(cat /expected)" && echo env > /env-ok
'@
        $image = Build-LayeredImage $sec -Tag sec:2 -Secret @{ token = (Join-Path $work 'token2.txt') } -InformationAction SilentlyContinue
        (Get-LayerFile sec:2 /).Name | Should -Contain 'file-ok'
        (Get-LayerFile sec:2 /).Name | Should -Contain 'env-ok'
        $out = Join-Path $work 'sec-oci'
        Export-LayeredImage sec:2 -Path $out -Format OciLayout -Compression None
        $blobs = Get-ChildItem -Recurse -File $out
        $blobs.Count | Should -BeGreaterThan 3
        foreach ($blob in $blobs) {
            [IO.File]::ReadAllText($blob.FullName) | Should -Not -Match 's3cret' -Because "$($blob.Name) is exported"
        }
    }

    It 'gives the same image ID from $env:SOURCE_DATE_EPOCH in two stores and folders, after the files were touched' {
        $ids = foreach ($n in 1, 2) {
            $ctxN = Join-Path $work "epoch-$n"
            $null = New-Item -ItemType Directory -Force (Join-Path $ctxN 'src')
            Set-Content (Join-Path $ctxN 'src/app.txt') 'same content'
            Set-Content (Join-Path $ctxN 'Dockerfile') "FROM scratch`nCOPY src /app/`nENV A=1`n"
            (Get-Item (Join-Path $ctxN 'src/app.txt')).LastWriteTime = (Get-Date).AddMinutes(-$n * 7)
            $storeN = Join-Path $work "epoch-store-$n"
            $env:SOURCE_DATE_EPOCH = '1700000000'
            try {
                (Build-LayeredImage $ctxN -Tag epoch:1 -StorePath $storeN).Id
            }
            finally {
                Remove-Item Env:SOURCE_DATE_EPOCH
            }
        }
        $ids[0] | Should -Match '^sha256:[0-9a-f]{64}$'
        $ids[1] | Should -Be $ids[0]
    }

    It 'extracts ADD of a GNU tar archive, plain or gzip, bzip2 or xz, on <Base>' -ForEach @(@{ Base = 'scratch' }, @{ Base = 'busybox:test' }) {
        # Through the cmdlet and the laid-out module, as a user reaches it: a decompressor assembly
        # missing from the module once made every archive a silent copy while the xunit tests passed.
        $add = Join-Path $work "add-$($Base -replace '[^a-z]', '')"
        $null = New-Item -ItemType Directory -Force (Join-Path $add 'src/pkg')
        Set-Content (Join-Path $add 'src/pkg/file') 'packed'
        & tar -C (Join-Path $add 'src') -cf (Join-Path $add 'plain.tar') pkg
        & tar -C (Join-Path $add 'src') -czf (Join-Path $add 'archive.tar.gz') pkg
        & tar -C (Join-Path $add 'src') -cjf (Join-Path $add 'archive.tar.bz2') pkg
        & tar -C (Join-Path $add 'src') -cJf (Join-Path $add 'archive.tar.xz') pkg
        Set-Content (Join-Path $add 'Dockerfile') @"
FROM $Base
ADD plain.tar /plain/
ADD archive.tar.gz /gz/
ADD archive.tar.bz2 /bz2/
ADD archive.tar.xz /xz/
ADD --chown=1234:5678 plain.tar /owned/
"@
        $null = Build-LayeredImage $add -Tag "add:$($Base -replace '[^a-z]', '')" -ErrorAction Stop
        $paths = (Get-LayerFile "add:$($Base -replace '[^a-z]', '')" / -Recurse).LayerPath
        foreach ($dir in 'plain', 'gz', 'bz2', 'xz') {
            $paths | Should -Contain "/$dir/pkg/file"
            @($paths | Where-Object { $_ -like "/$dir/*.tar*" }) | Should -BeNullOrEmpty -Because "ADD extracts into /$dir, it does not copy the archive"
        }
        Get-Content "Image:\add:$($Base -replace '[^a-z]', '')\xz\pkg\file" | Should -Be 'packed'
        # --chown owns the folder ADD makes; the archive's entries keep their owners, as in BuildKit
        $owned = Get-LayerFile "add:$($Base -replace '[^a-z]', '')" / | Where-Object Name -EQ 'owned'
        "$($owned.Uid):$($owned.Gid)" | Should -Be '1234:5678'
        $file = Get-LayerFile "add:$($Base -replace '[^a-z]', '')" /owned/pkg/file
        "$($file.Uid):$($file.Gid)" | Should -Be '0:0' -Because 'root made the archive'
    }

    It 'sets the default PATH, as BuildKit does, when the base image has none' {
        $bare = Join-Path $work 'bare'
        $null = New-Item -ItemType Directory -Force $bare
        Set-Content (Join-Path $bare 'Dockerfile') "FROM scratch AS empty`nENV A=1`nFROM busybox:test`nENV PATH=/opt/bin`n"
        $scratch = Build-LayeredImage $bare -Target empty -Tag bare:scratch
        $scratch.Config.Env | Should -Be @('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=1')
        (Build-LayeredImage $ctx -Tag app:path).Config.Env | Should -Contain 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
        (Build-LayeredImage $bare -Tag bare:own).Config.Env | Should -Be @('PATH=/opt/bin')
    }

    It 'completes -Target with the stage names' {
        $multi = Join-Path $work 'multi'
        $null = New-Item -ItemType Directory -Force $multi
        Set-Content (Join-Path $multi 'Dockerfile') "FROM busybox:test AS builder`nRUN true`nFROM busybox:test AS runtime`n"
        $line = "Build-LayeredImage '$multi' -Target "
        $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $names | Should -Be @('builder', 'runtime')
    }
}

Describe 'Build-LayeredImage from YAML' {
    It 'builds the same layers as the Dockerfile, even when another YamlDotNet was loaded first' {
        $yamlDir = Join-Path $work 'yaml'
        $null = New-Item -ItemType Directory -Force $yamlDir
        Set-Content (Join-Path $yamlDir 'hello.txt') 'hello'
        Set-Content (Join-Path $yamlDir 'Dockerfile') "FROM busybox:test`nWORKDIR /srv`nCOPY hello.txt .`nCMD [`"cat`", `"hello.txt`"]"
        Set-Content (Join-Path $yamlDir 'build.yaml') @'
stages:
  - from: busybox:test
    steps:
      - workdir: /srv
      - copy: { src: hello.txt, dest: . }
      - cmd: [cat, hello.txt]
'@
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $oldYaml = Join-Path $packages 'yamldotnet/11.2.1/lib/netstandard2.1/YamlDotNet.dll'
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldYaml'
Import-Module '$((Get-Module LayerTools).Path)'
`$d = Build-LayeredImage '$yamlDir' -Tag yaml:d -SourceDateEpoch 1700000000 -StorePath '$store'
`$y = Build-LayeredImage '$yamlDir' -File '$yamlDir/build.yaml' -Tag yaml:y -SourceDateEpoch 1700000000 -StorePath '$store'
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'YamlDotNet' } | ForEach-Object { `$_.GetName().Version.Major }
[pscustomobject]@{ Same = (`$d.Id -eq `$y.Id); Versions = (`$loaded | Sort-Object) -join ',' } | ConvertTo-Json -Compress
"@
        $out = Invoke-ChildPwsh -Command $script
        $result = $out | Select-Object -Last 1 | ConvertFrom-Json
        $result.Same | Should -BeTrue
        $result.Versions | Should -Be '11,18'
    }
}
