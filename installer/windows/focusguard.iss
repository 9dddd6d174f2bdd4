; FocusGuard - Inno Setup 6 script (per-user install, no administrator rights).
;
; Build (on Windows, after the PyInstaller bundle; see installer/README.md):
;   installer\windows\build-installer.ps1
; or by hand:
;   iscc /DAppVersion=0.1.0 installer\windows\focusguard.iss
;   iscc /DAppVersion=0.1.0 /DSIGN "/Sfgsign=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f" installer\windows\focusguard.iss
;
; App id: io.focusguard.FocusGuard (= focusguard.APP_ID). It is this installer's AppId, the
; Start-menu shortcut's AppUserModelID (the identity Windows shows notifications under; the
; app must set the same id on its process: SetCurrentProcessExplicitAppUserModelID), the .desktop name on Linux and the macOS bundle id.
;
; Silent install for IT (per user; run as that user, no elevation):
;   FocusGuard-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;   FocusGuard-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /TASKS="autostart"
;   FocusGuard-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /TASKS="autostart,desktopicon"
;   (/TASKS="" selects none; /DIR="..." changes the folder; /LOG="%TEMP%\fg-setup.log" logs.)
; With the organisation's managed settings (app id, tenant, own domains... docs/managed.md),
; copied beside the app as managed.toml, where FocusGuard reads it:
;   FocusGuard-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /MANAGED="\\srv\it\focusguard-managed.toml"
; Silent uninstall (keeps settings, data and the stored password):
;   "%LOCALAPPDATA%\Programs\FocusGuard\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; Silent uninstall that also removes settings, data, logs and the stored password:
;   "%LOCALAPPDATA%\Programs\FocusGuard\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /PURGE

#define AppName "FocusGuard"
#define AppId "io.focusguard.FocusGuard"
#define AppExe "focusguard.exe"
#define AppCliExe "focusguard-cli.exe"
#define AppPublisher "FocusGuard engineers"
#define AppURL "https://focusguard.io/"
#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=<focusguard.__version__> focusguard.iss
#endif
#ifndef BundleDir
  #define BundleDir "..\..\build\bundle\focusguard"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\build\installer"
#endif

[Setup]
; The AppId names the uninstall registry key (HKCU\...\Uninstall\io.focusguard.FocusGuard_is1),
; so upgrades find the previous installation. Never change it.
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppURL}
AppSupportURL={#AppURL}
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
; Per-user: no UAC prompt, installs into the user's profile, registry under HKCU only.
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableDirPage=auto
DisableProgramGroupPage=yes
DisableReadyPage=no
UsePreviousTasks=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
SetupIconFile=..\..\resources\icons\app\io.focusguard.FocusGuard.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
OutputDir={#OutputDir}
OutputBaseFilename={#AppName}-{#AppVersion}-setup
; Close a running FocusGuard (Restart Manager) before replacing its files.
CloseApplications=yes
RestartApplications=no
#ifdef SIGN
; The sign tool "fgsign" is defined on the iscc command line (/Sfgsign=...), see README.
SignTool=fgsign
SignedUninstaller=yes
#endif

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
en.AutostartTask=Start {#AppName} when I sign in to Windows
en.DesktopIconTask=Create a desktop shortcut
en.StartupGroup=Start-up:
en.ShortcutsGroup=Shortcuts:
en.PurgePrompt=Also remove your {#AppName} settings, its local data and logs, and the password it stored in Windows Credential Manager?%n%nChoose No to keep them (for example, before reinstalling). Mail on your server is not touched either way.

[Tasks]
; Off by default: FocusGuard starts at login only when the person (or IT, with /TASKS) asks.
; The app's own "Start at login" switch writes the same Run value, so both stay in step.
Name: "autostart"; Description: "{cm:AutostartTask}"; GroupDescription: "{cm:StartupGroup}"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:DesktopIconTask}"; GroupDescription: "{cm:ShortcutsGroup}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the whole bundle: stale libraries from an older build must not linger.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
; AppUserModelID ties the shortcut, the taskbar button and the app's notifications together.
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Comment: "Hold customer email until your check-in times"; AppUserModelID: "{#AppId}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; AppUserModelID: "{#AppId}"; Tasks: desktopicon

[Registry]
; Start at login: HKCU Run key, value name "FocusGuard" (as focusguard/platform/autostart.py writes).
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "{#AppName}"; ValueData: """{app}\{#AppExe}"""; Flags: uninsdeletevalue; Tasks: autostart

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; Before removing files: hand back any mail FocusGuard is holding (moves it to the Inbox via
; the running app; does nothing when the app is not running), then stop this user's copy.
Filename: "{app}\{#AppCliExe}"; Parameters: "release-all"; Flags: runhidden waituntilterminated; RunOnceId: "ReleaseHeld"
Filename: "{sys}\taskkill.exe"; Parameters: "/F /T /IM {#AppExe} /FI ""USERNAME eq {username}"""; Flags: runhidden waituntilterminated; RunOnceId: "StopApp"
; Then the fail-safe (docs/failsafe.md): with no FocusGuard left to release it later, hand
; back whatever is still held, and remove its scheduled task.
Filename: "{app}\{#AppCliExe}"; Parameters: "failsafe --release-all --uninstall"; Flags: runhidden waituntilterminated; RunOnceId: "RemoveFailsafe"

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
Type: files; Name: "{app}\managed.toml"

[Code]
const
  RunKey = 'Software\Microsoft\Windows\CurrentVersion\Run';

function PurgeRequested(): Boolean;
var
  I: Integer;
begin
  Result := False;
  for I := 1 to ParamCount do
    if CompareText(ParamStr(I), '/PURGE') = 0 then
      Result := True;
end;

procedure RemoveUserData();
var
  ResultCode: Integer;
begin
  { platformdirs locations on Windows (appauthor=False): config, data and logs live in
    %LOCALAPPDATA%\FocusGuard, the control socket folder in %LOCALAPPDATA%\Temp\FocusGuard.
    The install folder (%LOCALAPPDATA%\Programs\FocusGuard) is a different folder. }
  DelTree(ExpandConstant('{localappdata}\{#AppName}'), True, True, True);
  DelTree(ExpandConstant('{localappdata}\Temp\{#AppName}'), True, True, True);
  { The password: keyring's Windows backend stores it under the target "FocusGuard". }
  Exec(ExpandConstant('{sys}\cmdkey.exe'), '/delete:{#AppName}', '', SW_HIDE,
    ewWaitUntilTerminated, ResultCode);
end;

procedure CurStepChanged(CurStep: TSetupStep);
var
  Managed: String;
begin
  { /MANAGED="file": the organisation's managed settings, beside the app as managed.toml
    (focusguard/core/settings/managed.py reads it there). }
  if CurStep = ssPostInstall then
  begin
    Managed := ExpandConstant('{param:MANAGED|}');
    if Managed <> '' then
      if not FileCopy(Managed, ExpandConstant('{app}\managed.toml'), False) then
        Log('Could not copy the managed settings from ' + Managed);
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Purge: Boolean;
begin
  if CurUninstallStep = usUninstall then
  begin
    { Whoever switched start-at-login on (installer task or the app's own setting), an
      uninstalled app must not be started at the next login. }
    RegDeleteValue(HKEY_CURRENT_USER, RunKey, '{#AppName}');
  end;
  if CurUninstallStep = usPostUninstall then
  begin
    Purge := PurgeRequested();
    if (not Purge) and (not UninstallSilent()) then
      Purge := SuppressibleMsgBox(CustomMessage('PurgePrompt'), mbConfirmation,
        MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES;
    if Purge then
      RemoveUserData();
  end;
end;
