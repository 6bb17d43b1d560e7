; NSIS hooks (electron-builder `nsis.include`), per-machine install as SYSTEM/admin.
; The agent runs as a Windows service under LocalSystem: the bundled node.exe running app\cordon.mjs (the same
; self-contained runtime as the Linux packages: packaging/runtime).
; sc.exe cannot host a plain console program as a service by itself, so the service binary is the agent run
; through Windows' service wrapper of choice; the release pipeline ships WinSW (cordon-agent-service.exe with
; cordon-agent-service.xml) beside node.exe in resources\agent. Until then the tray starts the agent
; in-process for the logged-in user, which enforces on that user's processes only.
!macro customInstall
  IfFileExists "$INSTDIR\resources\agent\cordon-agent-service.exe" 0 +3
    nsExec::ExecToLog '"$INSTDIR\resources\agent\cordon-agent-service.exe" install'
    nsExec::ExecToLog 'sc.exe start CordonAgent'
  ; The tray for every user at login.
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Cordon" '"$INSTDIR\Cordon.exe" --hidden'
!macroend

!macro customUnInstall
  IfFileExists "$INSTDIR\resources\agent\cordon-agent-service.exe" 0 +3
    nsExec::ExecToLog 'sc.exe stop CordonAgent'
    nsExec::ExecToLog '"$INSTDIR\resources\agent\cordon-agent-service.exe" uninstall'
  DeleteRegValue HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Cordon"
!macroend
