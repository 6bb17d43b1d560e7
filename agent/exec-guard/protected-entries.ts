// What the exec guard protects with inode marks: the entry files (bin scripts, main module, the entry
// executables found) of every tool the inventory found that the policy does not simply allow. An interpreter
// opening one must then ask first, and is denied where the policy blocks the tool for its user: `node …/cli.js`
// fails with EPERM before any of the tool's code runs. Whoever the policy allows (an exception) is answered
// allow; anything that is not an interpreter (grep, an editor, a backup) is never asked.
import { realpathSync, statSync } from 'node:fs';
import type { InventoryItem } from '../inventory/inventory-pass.ts';
import { packageEntryFiles } from './tool-entry-file.ts';

/** Far more than any workstation has banned tools; a bound on the marks one pass can ask the kernel for. */
const MAX_PROTECTED = 4096;

function regularFile(path: string): string | null {
  try {
    const real = realpathSync(path);
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

export function protectedEntryFiles(items: readonly InventoryItem[]): string[] {
  const out = new Set<string>();
  for (const item of items) {
    if (item.state !== 'not-allowed') continue; // allowed: nothing to protect; quarantined: not there any more
    for (const file of [...packageEntryFiles(item.root), ...item.entries.map((e) => e.path)]) {
      const real = regularFile(file);
      if (real) out.add(real);
      if (out.size >= MAX_PROTECTED) return [...out];
    }
  }
  return [...out];
}
