#!/bin/sh
# deb postrm: stop and remove the agent service and the tray autostart entry. State in /var/lib/cordon stays
# (it holds undelivered events) unless the package is purged.
set -e
if [ -d /run/systemd/system ]; then
  systemctl disable --now cordon-agent.service || true
fi
rm -f /etc/systemd/system/cordon-agent.service /etc/xdg/autostart/cordon-tray.desktop
[ -d /run/systemd/system ] && systemctl daemon-reload || true
[ "$1" = purge ] && rm -rf /var/lib/cordon || true
