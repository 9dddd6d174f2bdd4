# FocusGuard: Windows bundle + Inno Setup installer, optionally Authenticode-signed.
# Run from any folder on Windows 10/11 x64, with the venv in .venv (app + pyinstaller
# installed), Inno Setup 6 (iscc) and, for signing, the Windows SDK's signtool on PATH:
#
#   powershell -ExecutionPolicy Bypass -File installer\windows\build-installer.ps1
#   $env:FOCUSGUARD_SIGN = "signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a"
#   powershell -ExecutionPolicy Bypass -File installer\windows\build-installer.ps1
#
# FOCUSGUARD_SIGN unset: an unsigned setup (SmartScreen warns). See installer\README.md.
$ErrorActionPreference = "Stop"
Set-Location (Resolve-Path "$PSScriptRoot\..\..")

$py = ".venv\Scripts\python.exe"
$version = (& $py -c "import focusguard; print(focusguard.__version__)").Trim()
Write-Host "== FocusGuard $version"

Write-Host "== PyInstaller"
& $py -m PyInstaller --noconfirm --clean --distpath build\bundle --workpath build\pyinstaller installer\focusguard.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

$bundle = "build\bundle\focusguard"
Write-Host "== checks (console exe)"
$out = (& "$bundle\focusguard-cli.exe" --version).Trim()
if ($out -ne "FocusGuard $version") { throw "--version printed '$out'" }
& "$bundle\focusguard-cli.exe" --bundle-selftest
if ($LASTEXITCODE -ne 0) { throw "bundle self-test failed" }

$sign = $env:FOCUSGUARD_SIGN
if ($sign) {
    Write-Host "== sign the executables"
    $cmd = $sign.Split(" ")
    & $cmd[0] $cmd[1..($cmd.Length - 1)] "$bundle\focusguard.exe" "$bundle\focusguard-cli.exe"
    if ($LASTEXITCODE -ne 0) { throw "signing the executables failed" }
}

Write-Host "== Inno Setup"
$iscc = @("/DAppVersion=$version")
if ($sign) { $iscc += @("/DSIGN", "/Sfgsign=$sign `$f") }
& iscc @iscc installer\windows\focusguard.iss
if ($LASTEXITCODE -ne 0) { throw "iscc failed" }

$setup = "build\installer\FocusGuard-$version-setup.exe"
if ($sign) {
    & signtool verify /pa /v $setup
    if ($LASTEXITCODE -ne 0) { throw "signature check failed" }
}
Get-Item $setup | Select-Object FullName, Length
