# Registries as a user meets them: the real docker-registry started on 127.0.0.1 by the tests.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'RegistryHelpers.ps1')
    Import-LayerToolsForTest
    $script:Plain = Start-TestRegistry
    $script:Secure = Start-TestRegistry -Tls -User 'alice' -Password 'wonderland-42'
}

AfterAll {
    $script:Plain, $script:Secure | Stop-TestRegistry
    Remove-TestStore
}

Describe 'The test registries' {
    It 'serves plain HTTP on loopback and TLS with a user on another port' {
        (Invoke-WebRequest "http://$($Plain.Host)/v2/").StatusCode | Should -Be 200
        $response = Invoke-WebRequest "https://$($Secure.Host)/v2/" -SkipCertificateCheck -SkipHttpErrorCheck
        $response.StatusCode | Should -Be 401
        $response.Headers['WWW-Authenticate'] | Should -BeLike 'Basic realm=*'
    }
}
