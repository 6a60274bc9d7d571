# The module as shipped: manifest, exported commands, help, views, completion and load time.
BeforeDiscovery {
    $modulePath = if ($env:LAYERTOOLS_TEST_MODULE) { $env:LAYERTOOLS_TEST_MODULE } else { Join-Path $PSScriptRoot '../../out/LayerTools' }
    $script:cmdletNames = (Import-PowerShellDataFile (Join-Path $modulePath 'LayerTools.psd1')).CmdletsToExport
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-LayerToolsForTest
    $script:modulePath = if ($env:LAYERTOOLS_TEST_MODULE) { $env:LAYERTOOLS_TEST_MODULE } else { Join-Path $PSScriptRoot '../../out/LayerTools' }
    $script:manifest = Import-PowerShellDataFile (Join-Path $modulePath 'LayerTools.psd1')
}

Describe 'The module manifest' {
    It 'is a valid manifest for PowerShell 7.4 Core' {
        $info = Test-ModuleManifest (Join-Path $modulePath 'LayerTools.psd1')
        $info.PowerShellVersion | Should -Be ([version]'7.4')
        $info.CompatiblePSEditions | Should -Be @('Core')
        $info.RootModule | Should -Be 'LayerTools.dll'
    }

    It 'lists its cmdlets explicitly, and Get-Command shows exactly those' {
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        $manifest.FunctionsToExport.Count | Should -Be 0
        $exported = (Get-Command -Module LayerTools).Name | Sort-Object
        $exported | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'uses approved verbs only' {
        $approved = (Get-Verb).Verb
        foreach ($command in Get-Command -Module LayerTools) {
            $approved | Should -Contain $command.Verb
        }
    }
}

Describe 'The laid-out module' {
    It 'holds every assembly its own assemblies reference, or the host provides it' {
        # Read from the metadata, not from the build's own list: an assembly missing from out/LayerTools
        # fails here even when every xunit test (which runs from a bin folder holding it) passes.
        $runtime = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory()
        $shipped = Get-ChildItem -LiteralPath $modulePath -Recurse -Filter *.dll
        $names = $shipped | ForEach-Object { $_.BaseName }
        foreach ($dll in $shipped) {
            $stream = [IO.File]::OpenRead($dll.FullName)
            try {
                $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
                $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader($pe)
                foreach ($handle in $reader.AssemblyReferences) {
                    $name = $reader.GetString($reader.GetAssemblyReference($handle).Name)
                    $found = ($name -in $names) -or (Test-Path -LiteralPath (Join-Path $runtime "$name.dll")) -or (Test-Path -LiteralPath (Join-Path $PSHOME "$name.dll")) -or ($name -eq 'netstandard')
                    $found | Should -BeTrue -Because "$($dll.Name) references $name, which must ship in the module"
                }
            }
            finally {
                $stream.Dispose()
            }
        }
        $names | Should -Contain 'SharpCompress'
    }
}

Describe 'Help for <_>' -ForEach $cmdletNames {
    BeforeAll {
        $script:help = Get-Help $_ -Full
        $script:command = Get-Command $_
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+-\S+\s*\['   # not the generated syntax line
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least two examples' {
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty
            $errors = $null
            $null = [System.Management.Automation.Language.Parser]::ParseInput($example.code, [ref] $null, [ref] $errors)
            $errors | Should -BeNullOrEmpty -Because "example '$($example.title.Trim(' -'))' must be valid PowerShell"
        }
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $parameter = $help.parameters.parameter | Where-Object name -EQ $name
            $parameter | Should -Not -BeNullOrEmpty -Because "-$name needs help"
            ($parameter.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$name needs a description"
        }
    }

    It 'has related links' {
        @($help.relatedLinks.navigationLink).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'about_LayerTools' {
    It 'is found by Get-Help' {
        (Get-Help about_LayerTools | Out-String) | Should -Match 'LayerTools'
    }
}

Describe 'Views and completion' {
    BeforeAll {
        $script:store = New-TestStore
        $null = Import-LayeredImage -Path (New-FixtureImages)
    }

    AfterAll {
        Remove-TestStore
    }

    It 'shows images with the columns of docker images (the repository last, so that it is never cut), sizes human-readable' {
        $text = Get-LayeredImage | Format-Table | Out-String -Width 200
        # REMOTE: the compressed size of layers still in a registry, empty for an image whose layers are all in the store.
        $text | Should -Match 'IMAGE ID\s+CREATED\s+SIZE\s+REMOTE\s+TAG\s+REPOSITORY'
        $text | Should -Match '[0-9a-f]{12}\s+.+ ago\s+\d+(\.\d+)?kB\s+1\s+app'
        (Get-LayeredImage app:1).Size | Should -BeOfType ([long])
    }

    It 'shows history with the columns of docker history' {
        $text = Get-ImageHistory app:1 | Format-Table | Out-String -Width 200
        $text | Should -Match 'IMAGE\s+CREATED\s+SIZE\s+COMMENT\s+CREATED BY'
        # IMAGE as docker shows it: the short image ID on the newest record, <missing> below
        $id = (Get-LayeredImage app:1).Id.Substring(7, 12)
        $text | Should -Match "$id\s+.+ ago\s+0B\s+buildkit.dockerfile.v0\s+CMD \[`"/app/hello.sh`"\]"
        $text | Should -Match '<missing>\s+.+ ago\s+.*buildkit.dockerfile.v0\s+COPY \. /app # buildkit'
    }

    It 'shows layers, files, store problems and collect results as tables' {
        Get-ImageLayer app:1 | Format-Table | Out-String | Should -Match 'INDEX\s+DIFF ID\s+SIZE\s+FILES\s+SHARED BY\s+CREATED BY'
        $files = Get-LayerFile app:1 -Recurse | Format-Table | Out-String -Width 200
        $files | Should -Match 'Mode\s+Uid\s+Gid\s+Size\s+ModifiedTime\s+Layer\s+Path'
        $files | Should -Match 'lrwxrwxrwx\s+0\s+0\s+.*/bin -> usr/bin'
        $files | Should -Match '-rw-r--r--\s+0\s+0\s+2.05kB\s+2024-01-02 03:04\s+0\s+/usr/bin/busybox'
        [LayerTools.Core.Maintenance.CollectResult]::new() | Format-Table | Out-String | Should -Match 'BLOBS\s+FREED\s+CLOSED\s+REMOVED\s+STORE'
        [LayerTools.Core.Maintenance.StoreProblem]::new() | Format-Table | Out-String | Should -Match 'KIND\s+TARGET\s+MESSAGE'
    }

    It 'completes image references from the store' {
        $line = "Get-ImageHistory -StorePath '$store' -Image ap"
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Be @('app:1')
        $line = "Get-LayerFile ba"
        $result = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $result.CompletionMatches.CompletionText | Should -Be @('base:1')
    }
}
