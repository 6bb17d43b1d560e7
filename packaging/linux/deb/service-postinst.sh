#!/bin/sh
# postinst of @PACKAGE@: enable @UNIT@ and start it (restart it, once, on upgrade) where systemd runs; where it
# does not (a chroot, an image or container build) enable it for the next boot and say so. An optional part
# that is missing never fails the install.
set -e
@PREPARE@
if [ "$1" = configure ] || [ "$1" = abort-upgrade ] || [ "$1" = abort-remove ]; then
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper unmask @UNIT@ >/dev/null || true
    deb-systemd-helper enable @UNIT@ >/dev/null || true
  fi
  if [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    if [ -n "$2" ]; then action=restart; else action=start; fi
    if ! deb-systemd-invoke "$action" @UNIT@; then
      echo "@PACKAGE@: @UNIT@ did not $action; see: journalctl -u @UNIT@" >&2
    fi
  else
    echo "@PACKAGE@: systemd is not running here (a chroot, or an image or container build): @UNIT@ is enabled and starts at the next boot." >&2
  fi
fi
exit 0
