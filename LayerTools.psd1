@{
    RootModule             = 'LayerTools.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f1f4a8e-3c2b-4f57-9a0d-2b7d1c6e5a41'
    Author                 = 'LayerTools contributors'
    CompanyName            = 'LayerTools'
    Copyright              = 'Copyright (c) LayerTools contributors'
    Description            = "Docker's layered image model without a Docker engine: import, inspect, tag, export and maintain OCI and docker-archive images in a content-addressed local store."
    PowerShellVersion      = '7.4'
    CompatiblePSEditions   = @('Core')
    FormatsToProcess       = @('LayerTools.format.ps1xml')
    CmdletsToExport        = @(
        'Add-LayeredImageTag'
        'Build-LayeredImage'
        'Compare-Layer'
        'Export-LayeredImage'
        'Get-ImageHistory'
        'Get-ImageLayer'
        'Get-LayeredImage'
        'Get-LayerFile'
        'Get-LayerStore'
        'Import-LayeredImage'
        'Measure-LayeredImage'
        'Optimize-LayerStore'
        'Remove-LayeredImage'
        'Test-LayerStore'
        'New-ContainerLayer'
        'Get-ContainerLayer'
        'Remove-ContainerLayer'
        'Get-ContainerChange'
        'ConvertTo-LayeredImage'
        'Copy-ContainerItem'
        'Mount-ContainerLayer'
        'Dismount-ContainerLayer'
        'Invoke-ContainerCommand'
        'Test-Dockerfile'
        'Request-LayeredImage'
        'Publish-LayeredImage'
        'Find-LayeredImage'
        'Connect-ImageRegistry'
        'Disconnect-ImageRegistry'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Docker', 'OCI', 'Container', 'Image', 'Layer', 'Linux', 'PSEdition_Core')
            ReleaseNotes = 'First release: import, export, inspect, tag, verify and collect images in a local OCI layout store.'
        }
    }
}
