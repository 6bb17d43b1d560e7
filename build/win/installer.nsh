; NSIS hooks (electron-builder `nsis.include`), per-machine install as an administrator.
; 1. %ProgramData%\Cordon, where agent.yaml lives: owned by Administrators, inheritance off, SYSTEM and Administrators
;    full control, Users read and execute; everything in it reset to inherit that. A folder that existed before Cordon
;    was first installed was made by someone else (Users may create folders in %ProgramData%): set aside, never used.
;    The agent checks the same at every start (agent/windows/windows-acl.ts) and refuses a config users can change.
; 2. The agent as the CordonAgent service under LocalSystem: build\win\cordon-agent-service.cs, compiled here with the
;    .NET Framework's own csc.exe (part of Windows), hosts resources\agent\node.exe app\cordon.mjs agent; automatic
;    start, restarted by the service manager if the host itself dies.
; 3. The tray for every user at login.
!include LogicLib.nsh

!define CORDON_SERVICE "CordonAgent"
!define CORDON_AGENT_DIR "$INSTDIR\resources\agent"

!macro customInit
  ; An upgrade replaces node.exe and the service host: stop the running service first (it holds them open).
  nsExec::ExecToLog '"$SYSDIR\sc.exe" stop ${CORDON_SERVICE}'
  Pop $0
  ${If} $0 == 0
    Sleep 5000
  ${EndIf}
!macroend

!macro customInstall
  ReadEnvStr $0 ProgramData
  ${If} $0 == ""
    StrCpy $0 "C:\ProgramData"
  ${EndIf}
  ReadRegStr $1 HKLM "Software\Cordon" "DataFolderSecured"
  ${If} $1 != "1"
  ${AndIf} ${FileExists} "$0\Cordon\*.*"
    ClearErrors
    Rename "$0\Cordon" "$0\Cordon.untrusted-before-install"
    ${If} ${Errors}
      Abort "$0\Cordon existed before Cordon was installed and could not be set aside; remove it and install again"
    ${EndIf}
    DetailPrint "$0\Cordon existed before Cordon was installed: moved to Cordon.untrusted-before-install, not used"
  ${EndIf}
  CreateDirectory "$0\Cordon"
  ; SIDs, not names: names are translated on localised Windows (S-1-5-18 SYSTEM, -32-544 Administrators, -32-545 Users).
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$0\Cordon" /setowner *S-1-5-32-544 /T /C /Q'
  Pop $2
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$0\Cordon" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX /Q'
  Pop $3
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$0\Cordon\*" /reset /T /C /Q'
  ${If} $2 != 0
  ${OrIf} $3 != 0
    Abort "could not set the permissions of $0\Cordon (icacls exit $2/$3)"
  ${EndIf}
  WriteRegStr HKLM "Software\Cordon" "DataFolderSecured" "1"

  StrCpy $4 "$WINDIR\Microsoft.NET\Framework64\v4.0.30319\csc.exe"
  ${IfNot} ${FileExists} $4
    StrCpy $4 "$WINDIR\Microsoft.NET\Framework\v4.0.30319\csc.exe"
  ${EndIf}
  nsExec::ExecToLog '"$4" /nologo /target:exe /optimize+ /reference:System.ServiceProcess.dll /out:"${CORDON_AGENT_DIR}\cordon-agent-service.exe" "${CORDON_AGENT_DIR}\cordon-agent-service.cs"'
  Pop $5
  ${If} $5 != 0
    Abort "could not build the Cordon agent service host with $4 (exit $5); the .NET Framework 4 is part of Windows 10 and 11"
  ${EndIf}
  ; create fails on an upgrade (the service exists); config then points it at this install.
  nsExec::ExecToLog '"$SYSDIR\sc.exe" create ${CORDON_SERVICE} binPath= "\"${CORDON_AGENT_DIR}\cordon-agent-service.exe\"" start= auto obj= LocalSystem DisplayName= "Cordon agent"'
  Pop $6
  nsExec::ExecToLog '"$SYSDIR\sc.exe" config ${CORDON_SERVICE} binPath= "\"${CORDON_AGENT_DIR}\cordon-agent-service.exe\"" start= auto obj= LocalSystem'
  Pop $6
  nsExec::ExecToLog '"$SYSDIR\sc.exe" description ${CORDON_SERVICE} "Cordon: enforces the AI coding tool policy of your organisation"'
  nsExec::ExecToLog '"$SYSDIR\sc.exe" failure ${CORDON_SERVICE} reset= 86400 actions= restart/5000/restart/5000/restart/60000'
  nsExec::ExecToLog '"$SYSDIR\sc.exe" start ${CORDON_SERVICE}'
  Pop $7
  ${If} $7 != 0
    DetailPrint "the ${CORDON_SERVICE} service did not start (sc.exe exit $7); see the Application event log"
  ${EndIf}

  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Cordon" '"$INSTDIR\Cordon.exe" --hidden'
!macroend

!macro customUnInstall
  nsExec::ExecToLog '"$SYSDIR\sc.exe" stop ${CORDON_SERVICE}'
  Sleep 3000
  nsExec::ExecToLog '"$SYSDIR\sc.exe" delete ${CORDON_SERVICE}'
  Delete "${CORDON_AGENT_DIR}\cordon-agent-service.exe"
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Cordon"
  ; %ProgramData%\Cordon (agent.yaml, state) stays, with its permissions and the marker that it was made by Cordon.
!macroend
