#!/bin/sh
# prerm of @PACKAGE@: stop @UNIT@ when the package is removed. On upgrade it keeps running (enforcing) until
# the new version's postinst restarts it once.
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  deb-systemd-invoke stop @UNIT@ >/dev/null || true
fi
exit 0
