// Package managers whose own execs the exec guard never blocks: installing, upgrading or removing a tool's files
// (and running the package's maintainer scripts) must not be disturbed by the guard. Matched by the calling
// process's executable, as the kernel resolves it (/proc/<pid>/exe). npm, pnpm and yarn run as `node`, so they
// are recognised from the caller's command line instead (package-manager-caller.ts).
import { realpathSync } from 'node:fs';

export const PACKAGE_MANAGER_EXECUTABLES = [
  '/usr/bin/dpkg',
  '/usr/bin/apt',
  '/usr/bin/apt-get',
  '/usr/bin/aptitude',
  '/usr/lib/apt/methods/http',
  '/usr/bin/rpm',
  '/usr/bin/dnf',
  '/usr/bin/dnf5',
  '/usr/bin/yum',
  '/usr/bin/microdnf',
  '/usr/bin/zypper',
  '/usr/bin/pacman',
  '/sbin/apk',
  '/usr/lib/snapd/snapd',
  '/usr/bin/flatpak',
  '/usr/libexec/packagekitd',
  '/usr/lib/packagekit/packagekitd',
] as const;

/** The list as the kernel would name them: only those present, symlinks resolved (/usr/bin/yum → dnf-3). */
export function trustedExecutables(candidates: readonly string[] = PACKAGE_MANAGER_EXECUTABLES): string[] {
  const out = new Set<string>();
  for (const path of candidates) {
    try {
      out.add(realpathSync(path));
    } catch {
      // not installed here
    }
  }
  return [...out];
}
