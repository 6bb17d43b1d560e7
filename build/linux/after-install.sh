#!/bin/sh
# deb postinst of the tray (electron-builder): nothing to install. The agent service, the cordon command and the
# tray's autostart entry (/etc/xdg/autostart/cordon-tray.desktop, TryExec=/opt/Cordon/cordon) belong to the
# cordon-agent package this one depends on; the tray starts at each user's next login.
exit 0
