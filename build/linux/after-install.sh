#!/bin/sh
# deb postinst: start the agent service now and at boot; start the tray at login for every user.
set -e
install -m 0644 /opt/Cordon/resources/agent/cordon-agent.service /etc/systemd/system/cordon-agent.service
install -d /etc/xdg/autostart
cat > /etc/xdg/autostart/cordon-tray.desktop <<'DESKTOP'
[Desktop Entry]
Type=Application
Name=Cordon
Comment=Cordon status
Exec=/opt/Cordon/cordon --hidden
NoDisplay=true
X-GNOME-Autostart-enabled=true
DESKTOP
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now cordon-agent.service
fi
