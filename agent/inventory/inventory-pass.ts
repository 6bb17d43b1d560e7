// One inventory pass: find every installed AI CLI in the install locations of every home, compare with the
// previous pass (events for what appeared and disappeared), apply the policy's `installed:` action
// (quarantine, or restore what the policy allows again), and return what the status API and heartbeats report.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Decision, LocalizedText, Matcher } from '../../policy/index.ts';
import { writeFileAtomic } from '../../policy/atomic-file.ts';
import { fillReason } from '../../policy/localized-text.ts';
import type { QuarantineStore } from '../quarantine/quarantine-store.ts';
import type { AgentEvent, InstalledTool } from '../status-types.ts';
import { InventoryCache } from './inventory-cache.ts';
import { installLocations, type InstallLocation } from './install-locations.ts';
import { LocationScanner, type Finding, type ScanBudget, type ScanStats } from './location-scanner.ts';
import { MountFilter } from './mount-filter.ts';
import { pathsOfRunningProcesses } from './process-paths.ts';
import { userHomes, type UserHome } from './user-homes.ts';

export const DEFAULT_INVENTORY_BUDGET: ScanBudget = { maxMs: 60_000, maxEntries: 2_000_000 };
const STATE_FORMAT = 'cordon-inventory/1';

export interface InventoryPassOptions {
  stateDir: string;
  matcher: Matcher;
  /** Homes to inventory; default: every home when root, else the current user's. */
  homes?: readonly UserHome[];
  /** When given, tools the policy says to quarantine are quarantined, and allowed ones restored. */
  quarantine?: QuarantineStore;
  now?: () => number;
  budget?: Partial<ScanBudget>;
  /** Environment whose PATH is inventoried (default: the agent's). */
  env?: NodeJS.ProcessEnv;
  /** Include machine-wide locations (/usr/local, Homebrew, /Applications, PATH). Default true. */
  machine?: boolean;
  /** Walk each home (bounded, pruned) for copies outside the known locations. Default true. */
  sweepHomes?: boolean;
  mounts?: MountFilter;
  /** Read each user's PATH from their running processes (Linux). Default true. */
  processPaths?: boolean;
}

export interface InventoryItem extends InstalledTool {
  root: string;
  entries: { path: string; stub: boolean }[];
  evidence: string;
  /** Set when the item is in quarantine. */
  quarantineId?: string;
}

export interface InventoryStats extends ScanStats {
  durationMs: number;
  found: number;
  quarantined: number;
  restored: number;
  errors: string[];
}

export interface InventoryResult {
  installed: InstalledTool[];
  items: InventoryItem[];
  events: AgentEvent[];
  stats: InventoryStats;
}

interface PassState {
  format: typeof STATE_FORMAT;
  items: Record<string, { toolId: string; root: string; foundAt: string }>;
}

function loadState(file: string): PassState {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<PassState>;
    if (s.format === STATE_FORMAT && s.items && typeof s.items === 'object') return s as PassState;
  } catch {
    // first pass, or an unreadable state file: every install counts as new
  }
  return { format: STATE_FORMAT, items: {} };
}

const keyOf = (toolId: string, root: string) => `${toolId}\u0000${root}`;

/** The policy's reason with `{tool}`/`{vendor}` filled in, in every language it is written in. */
export function filledReason(d: Decision): LocalizedText {
  return fillReason(d.reason, d.toolName, d);
}

function shouldQuarantine(d: Decision): boolean {
  return d.mode === 'enforce' && d.action !== 'allow' && d.installed === 'quarantine';
}

/** Bin locations for every directory on each user's live PATH (Linux: from their processes). */
function livePathLocations(homes: readonly UserHome[], known: readonly InstallLocation[], homesOnly: boolean): InstallLocation[] {
  if (process.platform !== 'linux') return [];
  const uids = new Map<number, UserHome>();
  for (const h of homes) uids.set(h.uid ?? process.getuid?.() ?? -1, h);
  const seen = new Set(known.filter((l) => l.shape === 'bin').map((l) => l.dir));
  const out: InstallLocation[] = [];
  for (const [uid, dirs] of pathsOfRunningProcesses(new Set(uids.keys())))
    for (const dir of dirs) {
      const u = uids.get(uid)!;
      if (seen.has(dir) || (homesOnly && !dir.startsWith(`${u.home}/`))) continue;
      seen.add(dir);
      out.push({ dir, shape: 'bin', via: 'path', user: u.user, home: u.home });
    }
  return out;
}

export async function runInventoryPass(o: InventoryPassOptions): Promise<InventoryResult> {
  const now = o.now ?? Date.now;
  const started = Date.now();
  const at = new Date(now()).toISOString();
  const homes = o.homes ?? userHomes();
  const tools = o.matcher.policy.tools;
  const events: AgentEvent[] = [];
  const errors: string[] = [];
  const event = (type: AgentEvent['type'], f: { toolId: string; name?: string; root: string; user?: string }, message: string, detail?: AgentEvent['detail']): void => {
    events.push({ id: crypto.randomUUID(), type, at, toolId: f.toolId, toolName: f.name, user: f.user, exe: f.root, message, ...(detail ? { detail } : {}) });
  };
  const items: InventoryItem[] = [];
  let quarantined = 0;
  let restored = 0;

  // Restore first, so this very pass finds what the policy allows again (a changed rule, an approved exception).
  for (const m of o.quarantine ? o.quarantine.list() : []) {
    const d = o.matcher.decide({ toolId: m.toolId, evidence: 'install-location', detail: 'quarantine' }, m.user);
    const held: InventoryItem = { toolId: m.toolId, name: m.toolName, path: m.root, user: m.user, via: m.via, version: m.version, foundAt: m.quarantinedAt, state: 'quarantined', root: m.root, entries: m.entries, evidence: m.evidence, quarantineId: m.id };
    if (d && shouldQuarantine(d)) {
      items.push(held);
      continue;
    }
    try {
      await o.quarantine!.restore(m.id);
      restored++;
      event('restore', { toolId: m.toolId, name: m.toolName, root: m.root, user: m.user }, `${m.toolName} at ${m.root} restored from quarantine: the policy allows it again`, { quarantineId: m.id });
    } catch (err) {
      errors.push(`restore ${m.id}: ${(err as Error).message}`);
      items.push(held);
      event('agent.error', { toolId: m.toolId, name: m.toolName, root: m.root, user: m.user }, `could not restore ${m.toolName} to ${m.root}: ${(err as Error).message}`, { operation: 'restore', quarantineId: m.id });
    }
  }

  let locations: InstallLocation[] = installLocations(homes, { env: o.env, catalogGlobs: tools.flatMap((t) => t.signatures.paths ?? []) });
  if (o.processPaths !== false) locations.push(...livePathLocations(homes, locations, o.machine === false));
  if (o.machine === false) {
    // Without machine locations, only locations of the given homes (and PATH entries inside them) are read.
    const homeDirs = homes.map((h) => h.home);
    locations = locations.filter((l) => l.user !== undefined || homeDirs.some((h) => l.dir === h || l.dir.startsWith(`${h}/`)));
  }
  const cache = new InventoryCache(o.stateDir);
  cache.load();
  const budget = { ...DEFAULT_INVENTORY_BUDGET, ...o.budget };
  const scanner = new LocationScanner(o.matcher.identifier, tools, homes, cache, o.mounts ?? new MountFilter(), budget, [resolve(o.stateDir)]);
  // Service accounts (nologin shells) have their install locations read, but their homes are not swept.
  await scanner.scan(locations, o.sweepHomes === false ? [] : homes.filter((h) => !h.shell || !/(nologin|false)$/.test(h.shell)));
  cache.save(scanner.stats.complete);

  const stateFile = join(o.stateDir, 'inventory.json');
  const previous = loadState(stateFile);
  const next: PassState = { format: STATE_FORMAT, items: {} };
  for (const f of scanner.findings.values()) {
    const d = o.matcher.decide({ toolId: f.toolId, evidence: f.evidence as Decision['identification']['evidence'], detail: f.detail, file: f.root }, f.user);
    const name = d?.toolName ?? f.toolId;
    const key = keyOf(f.toolId, f.root);
    const foundAt = previous.items[key]?.foundAt ?? at;
    if (!previous.items[key]) event('install-found', { ...f, name }, `${name} found at ${f.root} (${f.via})`, { via: f.via, evidence: f.evidence, ...(f.version ? { version: f.version } : {}) });
    const item: InventoryItem = { toolId: f.toolId, name, path: f.root, user: f.user, via: f.via, version: f.version, foundAt, state: d && d.action !== 'allow' ? 'not-allowed' : 'allowed', root: f.root, entries: f.entries, evidence: f.evidence };
    if (o.quarantine && d && shouldQuarantine(d)) {
      try {
        const m = await o.quarantine.quarantine(quarantineRequest(f, d), (root) => scanner.verify(root));
        quarantined++;
        event('quarantine', { ...f, name }, `${name} at ${f.root} moved to quarantine (rule ${d.ruleId ?? '-'})`, { quarantineId: m.id, files: m.moves.reduce((n, mv) => n + mv.files.length, 0) });
        items.push({ ...item, state: 'quarantined', quarantineId: m.id });
        continue;
      } catch (err) {
        // Reported, and retried next pass; the tool stays where it is, reported as not allowed.
        errors.push(`quarantine ${f.root}: ${(err as Error).message}`);
        event('agent.error', { ...f, name }, `could not quarantine ${name} at ${f.root}: ${(err as Error).message}`, { operation: 'quarantine' });
      }
    }
    next.items[key] = { toolId: f.toolId, root: f.root, foundAt };
    items.push(item);
  }

  // A removal is only claimed after a complete pass; quarantined items are not "removed" (an event said where they went).
  if (scanner.stats.complete) {
    const quarantinedRoots = new Set(items.filter((i) => i.state === 'quarantined').map((i) => keyOf(i.toolId, i.root)));
    for (const [key, p] of Object.entries(previous.items)) {
      if (next.items[key] || quarantinedRoots.has(key)) continue;
      const name = o.matcher.policy.tools.find((t) => t.id === p.toolId)?.name ?? p.toolId;
      event('install-removed', { toolId: p.toolId, name, root: p.root }, `${name} no longer installed at ${p.root}`);
    }
  } else {
    for (const [key, p] of Object.entries(previous.items)) if (!next.items[key]) next.items[key] = p;
  }
  writeFileAtomic(stateFile, JSON.stringify(next), 0o600);

  const installed: InstalledTool[] = items.map(({ toolId, name, path, user, via, version, foundAt, state }) => ({ toolId, name, path, user, via, version, foundAt, state }));
  return {
    installed,
    items,
    events,
    stats: { ...scanner.stats, durationMs: Date.now() - started, found: scanner.findings.size, quarantined, restored, errors },
  };
}

function quarantineRequest(f: Finding, d: Decision) {
  return {
    toolId: f.toolId,
    toolName: d.toolName,
    root: f.root,
    entries: f.entries,
    user: f.user,
    via: f.via,
    version: f.version,
    evidence: f.evidence,
    ruleId: d.ruleId,
    reason: filledReason(d),
    moreInfoUrl: d.moreInfoUrl,
    exceptionUrl: d.exceptionUrl,
  };
}
