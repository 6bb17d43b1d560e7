// `cordon quarantine list|restore`: what the agent has put in quarantine, and putting an item back exactly as it
// was (files, modes, owners, symlinks), stub removed. The agent restores by itself when the policy allows again.
import { defaultAgentPaths } from '../agent/agent-paths.ts';
import { QuarantineStore } from '../agent/quarantine/quarantine-store.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon quarantine list [--json] [--state-dir DIR]
cordon quarantine restore ID [--json] [--state-dir DIR]
      list: items in quarantine (id, tool, original location, when, why)
      restore: checks every file against the manifest, then puts the tool back and removes its stubs
      --state-dir  the agent's state dir (default: the per-OS one; root's when run as root)`;

export const quarantineCommand: Command = {
  name: 'quarantine',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, 'state-dir': { type: 'string' } });
    const [action, id, extra] = positionals;
    const store = new QuarantineStore(values['state-dir'] ?? defaultAgentPaths().stateDir);
    if (action === 'list') {
      if (id) throw new UsageError(`unexpected "${id}"`);
      const items = store.list();
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ items }, null, 2)}\n`);
        return EXIT.ok;
      }
      if (items.length === 0) process.stdout.write('Nothing in quarantine.\n');
      for (const m of items) {
        const files = m.moves.reduce((n, mv) => n + mv.files.length, 0);
        process.stdout.write(`${m.id}\n  ${m.toolName}${m.version ? ` ${m.version}` : ''} from ${m.root} (${files} entries${m.user ? `, ${m.user}` : ''})\n  since ${m.quarantinedAt}: ${m.why}\n`);
      }
      return EXIT.ok;
    }
    if (action === 'restore') {
      if (!id) throw new UsageError('restore needs the id of an item (see cordon quarantine list)');
      if (extra) throw new UsageError(`unexpected "${extra}"`);
      // Finish anything a crash interrupted before touching the store.
      await store.recover();
      const m = await store.restore(id);
      if (values.json) process.stdout.write(`${JSON.stringify({ restored: m }, null, 2)}\n`);
      else process.stdout.write(`Restored ${m.toolName} to ${m.root}${m.moves.length > 1 ? ` and ${m.moves.length - 1} command(s)` : ''}.\n`);
      return EXIT.ok;
    }
    throw new UsageError(action ? `unknown action "${action}"` : 'missing action: list or restore');
  },
};
