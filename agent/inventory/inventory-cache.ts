// What makes every pass after the first cheap: a directory whose inode and mtime are unchanged has the same
// entries as last time (no readdir), and a file whose identity (inode, size, mtime; of the link and of its
// target) is unchanged has the same verdict (no content read). Persisted in the state dir across restarts.
import { readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../policy/atomic-file.ts';

const FORMAT = 'cordon-inventory-cache/1';

export interface DirRecord {
  /** `ino:mtimeMs` of the directory when it was read. */
  stamp: string;
  /** Subdirectories worth descending into, and candidate files, by name. */
  dirs: string[];
  files: string[];
}

export interface Verdict {
  stamp: string;
  toolId: string | null;
  evidence?: string;
  detail?: string;
  /** Where the evidence was found (the file itself, or the target of a link). */
  file?: string;
}

interface CacheFile {
  format: typeof FORMAT;
  dirs: Record<string, DirRecord>;
  verdicts: Record<string, Verdict>;
}

export function dirStamp(st: Stats): string {
  return `${st.ino}:${st.mtimeMs}`;
}

/** Identity of a path: the entry itself (a link can be re-pointed) and what it resolves to. */
export function fileStamp(link: Stats, target: Stats | null): string {
  const t = target ? `${target.dev}:${target.ino}:${target.size}:${target.mtimeMs}` : '-';
  return `${link.ino}:${link.mtimeMs}/${t}`;
}

export class InventoryCache {
  private dirs = new Map<string, DirRecord>();
  private verdicts = new Map<string, Verdict>();
  // Only what this pass touched is kept, so the cache follows the disk instead of growing forever.
  private readonly usedDirs = new Set<string>();
  private readonly usedVerdicts = new Set<string>();
  private changed = false;
  readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'inventory-cache.json');
  }

  load(): void {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<CacheFile>;
      if (parsed.format !== FORMAT || typeof parsed.dirs !== 'object' || typeof parsed.verdicts !== 'object') return;
      this.dirs = new Map(Object.entries(parsed.dirs ?? {}));
      this.verdicts = new Map(Object.entries(parsed.verdicts ?? {}));
    } catch {
      // missing or unreadable: the next pass is a full one
    }
  }

  dir(path: string, stamp: string): DirRecord | undefined {
    const rec = this.dirs.get(path);
    if (!rec || rec.stamp !== stamp) return undefined;
    this.usedDirs.add(path);
    return rec;
  }

  setDir(path: string, rec: DirRecord): void {
    this.dirs.set(path, rec);
    this.usedDirs.add(path);
    this.changed = true;
  }

  verdict(path: string, stamp: string): Verdict | undefined {
    const v = this.verdicts.get(path);
    if (!v || v.stamp !== stamp) return undefined;
    this.usedVerdicts.add(path);
    return v;
  }

  setVerdict(path: string, v: Verdict): void {
    this.verdicts.set(path, v);
    this.usedVerdicts.add(path);
    this.changed = true;
  }

  /** Writes what this pass used. After an incomplete pass nothing is dropped: unvisited parts stay cached. */
  save(complete: boolean): void {
    if (complete) {
      for (const k of this.dirs.keys()) if (!this.usedDirs.has(k)) this.changed = this.dirs.delete(k);
      for (const k of this.verdicts.keys()) if (!this.usedVerdicts.has(k)) this.changed = this.verdicts.delete(k);
    }
    if (!this.changed) return;
    const body: CacheFile = { format: FORMAT, dirs: Object.fromEntries(this.dirs), verdicts: Object.fromEntries(this.verdicts) };
    writeFileAtomic(this.file, JSON.stringify(body), 0o600);
    this.changed = false;
  }
}
