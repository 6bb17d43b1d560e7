#!/bin/sh
# postrm of @PACKAGE@: remove keeps the state in @STATE@ (the agent's undelivered events, token, last good
# policy and quarantine; the server's database and keys); purge deletes it@PURGE_WHAT@.
set -e
if [ -d /run/systemd/system ]; then
  systemctl --system daemon-reload >/dev/null || true
fi
if [ "$1" = remove ] && command -v deb-systemd-helper >/dev/null 2>&1; then
  deb-systemd-helper mask @UNIT@ >/dev/null || true
fi
if [ "$1" = purge ]; then
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper purge @UNIT@ >/dev/null || true
    deb-systemd-helper unmask @UNIT@ >/dev/null || true
  fi
  rm -rf @STATE@
@PURGE@
  rmdir /etc/cordon 2>/dev/null || true
fi
exit 0
