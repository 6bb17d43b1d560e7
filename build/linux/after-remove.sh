#!/bin/sh
# deb postrm of the tray: nothing to undo. The agent keeps enforcing (cordon-agent is its own package), and its
# autostart entry no longer starts anything once /opt/Cordon/cordon is gone (TryExec).
exit 0
