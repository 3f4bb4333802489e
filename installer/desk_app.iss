; Inno Setup 6.3+ script: packages dist\desk_app\ (scripts/build-bundle.sh) into DeskAppSetup.exe.
;   iscc /Ssigntool="signtool.exe $p" installer\desk_app.iss     (on the Windows build machine)
; Per-machine install under Program Files, x64 only. Each operator's data stays in their own
; %LOCALAPPDATA%\StateEducationAgency\desk_app: the program folder is never written after setup.
; Signing: the build environment names the certificate by its SHA-1 thumbprint in
; DESK_APP_SIGN_CERT (in the machine's certificate store, or a smart card / HSM behind it) and
; defines the sign tool `signtool` on the iscc command line as above; without DESK_APP_SIGN_CERT
; the build is unsigned and says so (for test builds only: SmartScreen warns on unsigned setups).
; Upgrades: the same AppId replaces the installed version in place (same folder, Restart Manager
; closes a running desk_app first); the old _internal\ is removed so no stale module survives.
#define AppVersion GetEnv("DESK_APP_VERSION")
#if AppVersion == ""
  #define AppVersion "0.1.0"
#endif
#define SignCert GetEnv("DESK_APP_SIGN_CERT")
#define TimestampUrl "http://timestamp.digicert.com"
; quotes doubled for use inside a quoted Inno value: "C:\...\desk_app.exe" --take-in "%1"
#define TakeInCommand '""{app}\desk_app.exe"" --take-in ""%1""'

[Setup]
; never change the AppId: it is what makes a new version an upgrade of the installed one
AppId={{5E3A1C2B-7D4F-4C1E-9B8A-DE5C0A11D35C}
AppName=Desk App - Web Systems Security
AppVersion={#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=State Education Agency
DefaultDirName={autopf}\DeskApp
DefaultGroupName=Desk App
UsePreviousAppDir=yes
DisableDirPage=auto
LicenseFile=..\LICENSE
OutputDir=..\dist
OutputBaseFilename=DeskAppSetup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
; per-machine: administrators install, every operator of the machine runs it
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 needs Windows 10 1809 or later
MinVersion=10.0.17763
CloseApplications=yes
RestartApplications=no
ChangesAssociations=yes
; the uninstaller's "delete my data too" question reaches the running user's own profile
UsedUserAreasWarning=no
UninstallDisplayIcon={app}\desk_app.exe
UninstallDisplayName=Desk App {#AppVersion}
#if SignCert != ""
SignTool=signtool sign /fd sha256 /td sha256 /tr {#TimestampUrl} /sha1 {#SignCert} /d $qDesk App$q $f
SignedUninstaller=yes
#else
  #pragma message "DESK_APP_SIGN_CERT is not set: this setup and its programs are NOT signed"
#endif

[InstallDelete]
; an upgrade replaces the bundle's libraries wholesale: nothing of the old version lingers
Type: filesandordirs; Name: "{app}\_internal"

[Files]
#if SignCert != ""
Source: "..\dist\desk_app\desk_app.exe"; DestDir: "{app}"; Flags: ignoreversion sign
Source: "..\dist\desk_app\desk_app-cli.exe"; DestDir: "{app}"; Flags: ignoreversion sign
Source: "..\dist\desk_app\*"; Excludes: "desk_app.exe,desk_app-cli.exe"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion
#else
Source: "..\dist\desk_app\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion
#endif

[Icons]
Name: "{group}\Desk App"; Filename: "{app}\desk_app.exe"
Name: "{group}\Uninstall Desk App"; Filename: "{uninstallexe}"

[Registry]
; "Take in with desk_app": offered in Explorer's "Open with" and right-click menu for the kinds of
; file requests arrive as; the machine's default program for each type is left alone.
Root: HKA; Subkey: "Software\Classes\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Document to take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\DeskApp.TakeIn\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\desk_app.exe,0"
Root: HKA; Subkey: "Software\Classes\DeskApp.TakeIn\shell\open"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"
Root: HKA; Subkey: "Software\Classes\DeskApp.TakeIn\shell\open\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\shell\open\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
; file types: Outlook messages, e-mail files, PDFs and fax TIFFs
Root: HKA; Subkey: "Software\Classes\.msg\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\SupportedTypes"; ValueType: string; ValueName: ".msg"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.msg\shell\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.msg\shell\DeskApp.TakeIn\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
Root: HKA; Subkey: "Software\Classes\.eml\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\SupportedTypes"; ValueType: string; ValueName: ".eml"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.eml\shell\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.eml\shell\DeskApp.TakeIn\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
Root: HKA; Subkey: "Software\Classes\.pdf\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\SupportedTypes"; ValueType: string; ValueName: ".pdf"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.pdf\shell\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.pdf\shell\DeskApp.TakeIn\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
Root: HKA; Subkey: "Software\Classes\.tif\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\SupportedTypes"; ValueType: string; ValueName: ".tif"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.tif\shell\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.tif\shell\DeskApp.TakeIn\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"
Root: HKA; Subkey: "Software\Classes\.tiff\OpenWithProgids"; ValueType: string; ValueName: "DeskApp.TakeIn"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\Applications\desk_app.exe\SupportedTypes"; ValueType: string; ValueName: ".tiff"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.tiff\shell\DeskApp.TakeIn"; ValueType: string; ValueName: ""; ValueData: "Take in with desk_app"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\SystemFileAssociations\.tiff\shell\DeskApp.TakeIn\command"; ValueType: string; ValueName: ""; ValueData: "{#TakeInCommand}"

[Run]
; started as the user who ran setup, not elevated: the data folder must be that user's own
Filename: "{app}\desk_app.exe"; Description: "Start Desk App"; Flags: nowait postinstall skipifsilent runasoriginaluser

[Code]
{ Uninstall keeps every operator's data (database, original documents, backups, logs): it can
  hold work not yet synced. Only when asked (a question defaulting to No, or /DELETEUSERDATA=yes on a
  silent uninstall) is the data folder of the user running the uninstaller deleted. }
function DeleteUserDataAsked(): Boolean;
begin
  if UninstallSilent() then
    Result := ExpandConstant('{param:DELETEUSERDATA|no}') <> 'no'
  else
    Result := MsgBox('Also delete your own desk_app data (database, documents, backups, logs) in '
      + ExpandConstant('{localappdata}\StateEducationAgency\desk_app') + '?' + #13#10#13#10
      + 'Unsynced work in it is lost. Other users'' data is never touched.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DeleteUserDataAsked() then
    DelTree(ExpandConstant('{localappdata}\StateEducationAgency\desk_app'), True, True, True);
end;
