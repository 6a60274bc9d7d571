#!/usr/bin/env pwsh
<#
.SYNOPSIS
    Builds the module's MAML help (en-US/LayerTools.dll-Help.xml) from the markdown in docs/help.
.DESCRIPTION
    Each cmdlet has docs/help/<Cmdlet>.md with the sections SYNOPSIS, DESCRIPTION, EXAMPLES
    (### titles, a ```powershell block, then remarks), PARAMETERS (### -Name, then text), INPUTS,
    OUTPUTS, NOTES and RELATED LINKS (a list). Parameters shared by many cmdlets are described once in
    docs/help/_CommonParameters.md. Types, positions, pipeline input and syntax come from the built
    module itself (Get-Command), so the help never disagrees with the code. Run in a child pwsh: it
    imports the module. Fails when a cmdlet has no synopsis, description, two examples, related links,
    or a parameter without a description.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SourcePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

function Read-HelpMarkdown([string] $Path) {
    $doc = @{ Sections = [ordered]@{}; Examples = @(); Parameters = @{}; Inputs = @(); Outputs = @(); Links = @() }
    $section = $null; $sub = $null; $buffer = [Collections.Generic.List[string]]::new()
    $flush = {
        $text = ($buffer -join "`n").Trim()
        if ($section) {
            switch ($section) {
                'EXAMPLES' { if ($sub) { $doc.Examples += @{ Title = $sub; Body = $text } } }
                'PARAMETERS' { if ($sub) { $doc.Parameters[$sub.TrimStart('-')] = $text } }
                'INPUTS' { if ($sub) { $doc.Inputs += @{ Type = $sub; Text = $text } } }
                'OUTPUTS' { if ($sub) { $doc.Outputs += @{ Type = $sub; Text = $text } } }
                'RELATED LINKS' { $doc.Links = @($buffer | Where-Object { $_ -match '^\s*[-*]\s+' } | ForEach-Object { ($_ -replace '^\s*[-*]\s+', '').Trim() }) }
                default { if (-not $sub) { $doc.Sections[$section] = $text } }
            }
        }
        $buffer.Clear()
    }
    $inCode = $false
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^```') { $inCode = -not $inCode; $buffer.Add($line); continue }
        if (-not $inCode -and $line -match '^## (.+)$') { & $flush; $section = $Matches[1].Trim().ToUpperInvariant(); $sub = $null; continue }
        if (-not $inCode -and $line -match '^### (.+)$') { & $flush; $sub = $Matches[1].Trim(); continue }
        if (-not $inCode -and $line -match '^# ') { continue }
        $buffer.Add($line)
    }
    & $flush
    return $doc
}

function Split-Paragraphs([string] $Text) {
    if (-not $Text) { return @() }
    return @(($Text -split "\n\s*\n") | ForEach-Object { ($_ -split "\n" | ForEach-Object { $_.TrimEnd() }) -join "`n" } | Where-Object { $_.Trim() })
}

function Write-Paragraphs($w, [string] $Element, [string] $Text) {
    $w.WriteStartElement($Element, $ns.maml)
    foreach ($p in Split-Paragraphs $Text) { $w.WriteElementString('para', $ns.maml, $p) }
    $w.WriteEndElement()
}

function Get-TypeName([type] $Type) {
    if ($Type -eq [switch]) { return 'SwitchParameter' }
    return $Type.Name
}

function Write-Parameter($w, $Meta, $SetMeta, [string] $Description, [bool] $InSyntax) {
    $isSwitch = $Meta.ParameterType -eq [switch]
    $pipeline = @()
    if ($SetMeta.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($SetMeta.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $globbing = [bool]($Meta.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', $SetMeta.IsMandatory.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', $Meta.ParameterType.IsArray.ToString().ToLowerInvariant())
    $w.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($SetMeta.Position -ge 0) { [string]$SetMeta.Position } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($Meta.Aliases.Count) { $Meta.Aliases -join ', ' } else { 'none' }))
    $w.WriteElementString('name', $ns.maml, $Meta.Name)
    Write-Paragraphs $w 'description' $Description
    $enum = if ($Meta.ParameterType.IsEnum) { [enum]::GetNames($Meta.ParameterType) } else { @() }
    if ($InSyntax -and $enum) {
        $w.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $enum) {
            $w.WriteStartElement('command', 'parameterValue', $ns.command)
            $w.WriteAttributeString('required', 'false'); $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($v); $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not $isSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', 'true'); $w.WriteAttributeString('variableLength', $Meta.ParameterType.IsArray.ToString().ToLowerInvariant())
        $w.WriteString((Get-TypeName $Meta.ParameterType)); $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $ns.dev)
    $w.WriteElementString('name', $ns.maml, (Get-TypeName $Meta.ParameterType))
    $w.WriteElementString('uri', $ns.maml, '')
    $w.WriteEndElement()
    $w.WriteElementString('defaultValue', $ns.dev, $(if ($isSwitch) { 'False' } else { 'None' }))
    $w.WriteEndElement()
}

$ns = @{
    msh = 'http://msh'
    maml = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

Import-Module (Join-Path $ModulePath 'LayerTools.psd1') -Force
$common = Read-HelpMarkdown (Join-Path $SourcePath '_CommonParameters.md')
$skip = [System.Management.Automation.PSCmdlet]::CommonParameters
$problems = @()

$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$null = New-Item -ItemType Directory -Force (Split-Path $OutputPath)
$w = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', $ns.msh)
$w.WriteAttributeString('schema', 'maml')
foreach ($command in Get-Command -Module LayerTools -CommandType Cmdlet | Sort-Object Name) {
    $file = Join-Path $SourcePath "$($command.Name).md"
    if (-not (Test-Path $file)) { $problems += "$($command.Name): no $file"; continue }
    $doc = Read-HelpMarkdown $file
    $synopsis = $doc.Sections['SYNOPSIS']; $description = $doc.Sections['DESCRIPTION']
    if (-not $synopsis) { $problems += "$($command.Name): no SYNOPSIS" }
    if (-not $description) { $problems += "$($command.Name): no DESCRIPTION" }
    if ($doc.Examples.Count -lt 2) { $problems += "$($command.Name): fewer than two examples" }
    if ($doc.Links.Count -lt 1) { $problems += "$($command.Name): no RELATED LINKS" }
    $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $skip })
    $describe = @{}
    foreach ($p in $parameters) {
        $text = if ($doc.Parameters.ContainsKey($p.Name)) { $doc.Parameters[$p.Name] } elseif ($common.Parameters.ContainsKey($p.Name)) { $common.Parameters[$p.Name] } else { $null }
        if (-not $text) { $problems += "$($command.Name): -$($p.Name) has no description" }
        $describe[$p.Name] = $text
    }
    foreach ($documented in $doc.Parameters.Keys) {
        if ($documented -notin $parameters.Name) { $problems += "$($command.Name): documents -$documented, which it does not have" }
    }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('name', $ns.command, $command.Name)
    $w.WriteElementString('verb', $ns.command, $command.Verb)
    $w.WriteElementString('noun', $ns.command, $command.Noun)
    Write-Paragraphs $w 'description' $synopsis
    $w.WriteEndElement()
    Write-Paragraphs $w 'description' $description

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $command.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('name', $ns.maml, $command.Name)
        $ordered = $set.Parameters | Where-Object { $_.Name -notin $skip } |
            Sort-Object @{ Expression = { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } } }, @{ Expression = { -not $_.IsMandatory } }
        foreach ($sp in $ordered) { Write-Parameter $w $command.Parameters[$sp.Name] $sp $describe[$sp.Name] $true }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $parameters | Sort-Object Name) {
        $setMeta = @($p.ParameterSets.Values)[0]
        # Mandatory in any set counts; a position from the first set that gives one.
        $merged = [pscustomobject]@{
            IsMandatory = [bool]($p.ParameterSets.Values | Where-Object IsMandatory)
            ValueFromPipeline = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipeline)
            ValueFromPipelineByPropertyName = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName)
            Position = (@($p.ParameterSets.Values.Position | Where-Object { $_ -ge 0 }) + @(-1))[0]
        }
        Write-Parameter $w $p $merged $describe[$p.Name] $false
    }
    $w.WriteEndElement()

    foreach ($pair in @(@('inputTypes', 'inputType', $doc.Inputs), @('returnValues', 'returnValue', $doc.Outputs))) {
        $w.WriteStartElement('command', $pair[0], $ns.command)
        foreach ($item in $pair[2]) {
            $w.WriteStartElement('command', $pair[1], $ns.command)
            $w.WriteStartElement('dev', 'type', $ns.dev)
            $w.WriteElementString('name', $ns.maml, $item.Type)
            $w.WriteEndElement()
            Write-Paragraphs $w 'description' $item.Text
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    if ($doc.Sections['NOTES']) {
        $w.WriteStartElement('alertSet', $ns.maml)
        $w.WriteStartElement('alert', $ns.maml)
        foreach ($p in Split-Paragraphs $doc.Sections['NOTES']) { $w.WriteElementString('para', $ns.maml, $p) }
        $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($example in $doc.Examples) {
        if ($example.Body -notmatch '(?s)```(?:powershell)?\s*\n(.*?)\n```(.*)$') { $problems += "$($command.Name): example '$($example.Title)' has no code block"; continue }
        $code = $Matches[1].TrimEnd(); $remarks = $Matches[2].Trim()
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('title', $ns.maml, "--------- $($example.Title) ---------")
        $w.WriteElementString('code', $ns.dev, $code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($p in Split-Paragraphs $remarks) { $w.WriteElementString('para', $ns.maml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in $doc.Links) {
        $w.WriteStartElement('navigationLink', $ns.maml)
        $w.WriteElementString('linkText', $ns.maml, $link)
        $w.WriteElementString('uri', $ns.maml, '')
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()

if ($problems) {
    $problems | ForEach-Object { Write-Error $_ -ErrorAction Continue }
    exit 1
}
Write-Host "Wrote help for $((Get-Command -Module LayerTools).Count) cmdlets to $OutputPath"
