// `cordon inventory`: which AI CLIs are installed on this machine (every home when root), and what the policy
// says about each. Reports only, unless --quarantine asks it to apply the policy's `installed: quarantine`.
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { defaultAgentPaths } from '../agent/agent-paths.ts';
import { runInventoryPass } from '../agent/inventory/inventory-pass.ts';
import type { UserHome } from '../agent/inventory/user-homes.ts';
import { UserDirectory } from '../agent/process/user-directory.ts';
import { QuarantineStore } from '../agent/quarantine/quarantine-store.ts';
import { builtInCatalog, builtInPolicy, compilePolicy, Matcher, parsePolicy } from '../policy/index.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon inventory [--json] [--home DIR …] [--policy FILE] [--state-dir DIR] [--quarantine]
      lists installed AI CLIs: global npm/pnpm/yarn/bun, npx/pnpm dlx/bunx caches, pipx, uv tool, Homebrew,
      ~/.local/bin, native installers, PATH and application folders — every home when run as root.
      --home DIR    inventory only this home (repeatable); machine-wide locations are skipped
      --policy FILE judge against this policy (YAML) instead of the built-in default
      --state-dir   where the incremental cache lives (default: the agent's state dir)
      --quarantine  apply the policy: move tools it marks "installed: quarantine" into quarantine
      --json        print {installed, items, events, stats} as JSON`;

export function loadMatcher(policyFile: string | undefined): Matcher {
  if (!policyFile) return new Matcher(builtInPolicy());
  const catalog = builtInCatalog();
  return new Matcher(compilePolicy(parsePolicy(readFileSync(policyFile, 'utf8'), policyFile, catalog), catalog));
}

function homeOf(dir: string, users: UserDirectory): UserHome {
  const home = resolve(dir);
  let st;
  try {
    st = statSync(home);
  } catch {
    throw new UsageError(`--home ${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new UsageError(`--home ${dir}: not a directory`);
  return { user: users.nameOf(st.uid) ?? basename(home), uid: st.uid, home };
}

export const inventoryCommand: Command = {
  name: 'inventory',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      json: { type: 'boolean' },
      home: { type: 'string', multiple: true },
      policy: { type: 'string' },
      'state-dir': { type: 'string' },
      quarantine: { type: 'boolean' },
    });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    const users = new UserDirectory();
    const homes = values.home?.map((h) => homeOf(h, users));
    const stateDir = values['state-dir'] ?? defaultAgentPaths().stateDir;
    const quarantine = values.quarantine ? new QuarantineStore(stateDir) : undefined;
    if (quarantine) await quarantine.recover();
    const r = await runInventoryPass({ stateDir, matcher: loadMatcher(values.policy), homes, machine: homes === undefined, quarantine });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ installed: r.installed, items: r.items, events: r.events, stats: r.stats }, null, 2)}\n`);
      return r.stats.errors.length ? EXIT.failed : EXIT.ok;
    }
    if (r.items.length === 0) process.stdout.write('No AI CLIs installed.\n');
    for (const i of r.items) {
      process.stdout.write(`${i.name}${i.version ? ` ${i.version}` : ''}  ${i.state}  (${i.via}${i.user ? `, ${i.user}` : ''})\n  ${i.root}\n`);
      for (const e of i.entries) process.stdout.write(`  ← ${e.path}\n`);
      if (i.quarantineId) process.stdout.write(`  quarantine id: ${i.quarantineId}\n`);
    }
    const s = r.stats;
    process.stdout.write(`\n${s.found} found in ${s.locations} locations, ${s.dirsRead} directories read, ${s.dirsReused} unchanged; ${s.durationMs} ms${s.complete ? '' : ' (budget reached: incomplete)'}\n`);
    for (const e of s.errors) process.stderr.write(`cordon inventory: ${e}\n`);
    return s.errors.length ? EXIT.failed : EXIT.ok;
  },
};
