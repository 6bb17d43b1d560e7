// Files a local user can put where the root agent will read: a FIFO (opening it blocks until a writer comes), a
// link to /dev/zero (never ends), a directory where a file should be, a 1 TB sparse file, a link to someone
// else's file. Laid out under one directory for a test to point the agent's readers at.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';

export const HOSTILE_KINDS = ['fifo', 'dev-zero-link', 'directory', 'sparse-1tb', 'link-to-file'] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** Makes `path` into the hostile kind; `linkTarget` is the regular file a 'link-to-file' points at. */
export function plantHostile(path: string, kind: HostileKind, linkTarget?: string): void {
  switch (kind) {
    case 'fifo':
      execFileSync('mkfifo', [path]);
      return;
    case 'dev-zero-link':
      symlinkSync('/dev/zero', path);
      return;
    case 'directory':
      mkdirSync(path);
      return;
    case 'sparse-1tb': {
      const fd = openSync(path, 'w');
      ftruncateSync(fd, 2 ** 40);
      closeSync(fd);
      return;
    }
    case 'link-to-file':
      symlinkSync(linkTarget ?? '/etc/passwd', path);
      return;
  }
}

/** A directory per kind, each holding `name` made hostile: `<root>/<kind>/<name>`. */
export function plantEveryKind(root: string, name: string, linkTarget?: string): Map<HostileKind, string> {
  const out = new Map<HostileKind, string>();
  for (const kind of HOSTILE_KINDS) {
    const dir = join(root, kind);
    mkdirSync(dir, { recursive: true });
    plantHostile(join(dir, name), kind, linkTarget);
    out.set(kind, dir);
  }
  return out;
}
