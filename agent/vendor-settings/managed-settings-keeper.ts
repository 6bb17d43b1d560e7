// Keeps the vendors' machine-wide managed settings saying what the policy asks (see managed-settings-plan.ts):
// the agent owns only the keys it writes (IT's other keys in the same file are kept as they are), writes
// atomically as root with 0644 (the tools, running as users, must read them), puts a key back when someone
// changes it and records that, and removes its keys — and a file it created that is left empty — when the
// policy no longer asks. What it owns is remembered in the state directory, so a restart does not forget.
import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, unlinkSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../policy/atomic-file.ts';
import { readUserTextOutcome } from '../../policy/user-file-reader.ts';
import type { AgentEvent } from '../status-types.ts';
import type { ManagedFilePlan } from './managed-settings-plan.ts';
import { deleteKey, getKey, parseSettings, serializeSettings, setKey } from './settings-document.ts';

const SETTINGS_MAX_BYTES = 1024 * 1024;
const STATE_FILE = 'managed-settings.json';

interface OwnedFile {
  format: 'json' | 'toml';
  keys: Record<string, string>;
  /** The agent created the file: it removes it when nothing is left in it. */
  created: boolean;
}

export interface KeeperOptions {
  stateDir: string;
  record: (event: AgentEvent) => void;
  onError: (err: unknown) => void;
  /** How often to look again besides watching the directories (a backstop for missed notifications). */
  checkIntervalMs?: number;
}

export class ManagedSettingsKeeper {
  private owned: Record<string, OwnedFile>;
  private plan: ManagedFilePlan[] = [];
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  /** Last failure per file, so a file that stays broken is reported once, not at every check. */
  private readonly failures = new Map<string, string>();

  constructor(private readonly o: KeeperOptions) {
    this.owned = this.load();
    this.timer = setInterval(() => this.check(), o.checkIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Puts a new plan in force now. */
  apply(plan: ManagedFilePlan[]): void {
    this.plan = plan;
    this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private check(): void {
    try {
      const planned = new Map(this.plan.map((p) => [p.path, p]));
      for (const path of new Set([...planned.keys(), ...Object.keys(this.owned)])) this.keep(path, planned.get(path));
      this.save();
      this.watchDirectories();
    } catch (err) {
      this.o.onError(err);
    }
  }

  private keep(path: string, plan: ManagedFilePlan | undefined): void {
    const owned = this.owned[path];
    const format = plan?.format ?? owned?.format ?? 'json';
    const desired = plan?.keys ?? {};
    const outcome = readUserTextOutcome(path, SETTINGS_MAX_BYTES);
    if ('refused' in outcome) return this.fail(path, `${path} ${outcome.refused}; left alone`);
    let tree;
    try {
      tree = 'missing' in outcome ? {} : parseSettings(outcome.text, format);
    } catch (err) {
      return this.fail(path, `${path} cannot be parsed (${(err as Error).message}); IT's file is left alone`);
    }
    const written: string[] = [];
    const restored: string[] = [];
    const removed: string[] = [];
    for (const [key, value] of Object.entries(desired)) {
      if (getKey(tree, key) === value) continue;
      // The agent wrote this value before and it is different now: someone changed it.
      (owned?.keys[key] === value ? restored : written).push(key);
      setKey(tree, key, value);
    }
    for (const [key, value] of Object.entries(owned?.keys ?? {})) {
      if (key in desired) continue;
      // A value someone else has set since is theirs now: only what the agent wrote is taken away.
      if (getKey(tree, key) === value) {
        deleteKey(tree, key);
        removed.push(key);
      }
    }
    const created = owned?.created ?? 'missing' in outcome;
    if (written.length || restored.length || removed.length) {
      const dirProblem = unsafeDirectory(dirname(path));
      if (dirProblem) return this.fail(path, `${dirname(path)} ${dirProblem}; ${path} is not written`);
      if (Object.keys(tree).length === 0 && created) {
        if (existsSync(path)) unlinkSync(path);
      } else writeFileAtomic(path, serializeSettings(tree, format), 0o644);
      this.failures.delete(path);
      const tools = plan?.toolIds.join(', ') ?? 'no longer asked for by the policy';
      if (written.length) this.event('written', path, written, `wrote ${written.join(', ')} in ${path} (${tools})`);
      if (restored.length) this.event('restored', path, restored, `put back ${restored.join(', ')} in ${path}: it had been changed`);
      if (removed.length) this.event('removed', path, removed, `removed ${removed.join(', ')} from ${path}: the policy no longer asks for it`);
    }
    if (Object.keys(desired).length) this.owned[path] = { format, keys: { ...desired }, created };
    else delete this.owned[path];
  }

  private fail(path: string, why: string): void {
    if (this.failures.get(path) === why) return;
    this.failures.set(path, why);
    this.event('failed', path, [], why);
  }

  private event(change: 'written' | 'restored' | 'removed' | 'failed', path: string, keys: string[], message: string): void {
    this.o.record({ id: randomUUID(), type: 'managed-settings', at: new Date().toISOString(), message, detail: { change, path, keys: keys.join(' ') } });
  }

  /** Changes are put back at once: the directories of the files in the plan are watched. */
  private watchDirectories(): void {
    const dirs = new Set(this.plan.map((p) => dirname(p.path)));
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) {
      if (this.watchers.has(dir) || !existsSync(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => {
          clearTimeout(this.pending);
          this.pending = setTimeout(() => this.check(), 50);
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // The periodic check still runs.
      }
    }
  }

  private load(): Record<string, OwnedFile> {
    try {
      const value: unknown = JSON.parse(readFileSync(join(this.o.stateDir, STATE_FILE), 'utf8'));
      return value !== null && typeof value === 'object' ? (value as Record<string, OwnedFile>) : {};
    } catch {
      return {};
    }
  }

  private save(): void {
    writeFileAtomic(join(this.o.stateDir, STATE_FILE), `${JSON.stringify(this.owned, null, 2)}\n`, 0o600);
  }
}

/** A directory others could write to (or a link) would let them swap the file root writes: refused. */
function unsafeDirectory(dir: string): string | null {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return null; // created by the write, as root
  }
  if (!st.isDirectory()) return 'is not a directory';
  if (process.platform === 'win32') return null;
  if (process.getuid?.() === 0 && st.uid !== 0) return 'is not owned by root';
  if (st.mode & 0o022) return 'is writable by others than its owner';
  return null;
}
