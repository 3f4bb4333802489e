; Inno Setup script: packages dist\desk_app\ (from desk_app.spec) into DeskAppSetup.exe.
; Per-machine install under Program Files; user data stays in %LOCALAPPDATA%\StateEducationAgency\desk_app.
#define AppVersion "0.1.0"

[Setup]
AppId={{5E3A1C2B-7D4F-4C1E-9B8A-DE5C0A11D35C}
AppName=Desk App - Web Systems Security
AppVersion={#AppVersion}
AppPublisher=State Education Agency
DefaultDirName={autopf}\DeskApp
DefaultGroupName=Desk App
LicenseFile=..\LICENSE
OutputBaseFilename=DeskAppSetup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
PrivilegesRequired=admin
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\desk_app.exe

[Files]
Source: "..\dist\desk_app\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Desk App"; Filename: "{app}\desk_app.exe"
Name: "{group}\Uninstall Desk App"; Filename: "{uninstallexe}"

[Run]
Filename: "{app}\desk_app.exe"; Description: "Start Desk App"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; user data (database, blobs, logs) is deliberately NOT removed: it holds unsynced work
