// `cordon enrol`: connects this machine to a Cordon server in one step, for IT: writes the managed config
// (/etc/cordon/agent.yaml, root-only) after validating it exactly as the agent will read it, then restarts the
// agent service once where systemd runs it. Settings IT already put there (groups, tags, overrides) are kept.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';
import { loadManagedConfig, managedConfigPath } from '../agent/sync/managed-config.ts';
import { syncDirectory, writeFileAtomic } from '../policy/index.ts';
import { readUserFile } from '../policy/user-file-reader.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';

const USAGE = `cordon enrol --server URL --secret-file F --pin KEY.pub [--pin KEY2.pub …] [--group G …] [--tag T …]
             [--config FILE] [--no-restart]
      (root) writes the managed config ${managedConfigPath('linux', {})} (0600) that connects this machine's agent
      to the server at URL, enrolling with the shared secret in F and trusting only policy signed by the pinned
      key(s) (cordon server public-key prints them). The file is validated first; nothing is written when it
      has a problem. Then the agent service restarts once (--no-restart: not).`;

/** Enough for a secret or a PEM key; a larger file is not what was meant. */
const MAX_INPUT_BYTES = 64 * 1024;

function readInput(file: string, what: string): string {
  const bytes = readUserFile(file, 0, MAX_INPUT_BYTES + 1);
  if (bytes === null) throw new UsageError(`${what} ${file} is missing, unreadable or not a regular file`);
  if (bytes.length > MAX_INPUT_BYTES) throw new UsageError(`${what} ${file} is larger than ${MAX_INPUT_BYTES / 1024} KB`);
  return bytes.toString('utf8');
}

/** What IT may already have set in the file besides the connection: kept across a re-enrolment. */
function keptSettings(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const doc = parse(readFileSync(file, 'utf8')) as unknown;
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return {};
    const { groups, tags, overrides } = doc as Record<string, unknown>;
    return Object.fromEntries(Object.entries({ groups, tags, overrides }).filter(([, v]) => v !== undefined));
  } catch {
    return {};
  }
}

function restartAgentService(): string {
  if (!existsSync('/run/systemd/system')) return 'systemd is not running here: the agent reads the new config when it next starts';
  try {
    execFileSync('systemctl', ['try-restart', 'cordon-agent.service'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return 'cordon-agent.service restarted (if it was running)';
  } catch (err) {
    return `could not restart cordon-agent.service (${(err as Error).message.split('\n')[0]}): run systemctl restart cordon-agent`;
  }
}

export const enrolCommand: Command = {
  name: 'enrol',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      server: { type: 'string' },
      'secret-file': { type: 'string' },
      pin: { type: 'string', multiple: true },
      group: { type: 'string', multiple: true },
      tag: { type: 'string', multiple: true },
      config: { type: 'string' },
      'no-restart': { type: 'boolean' },
    });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    if (!values.server) throw new UsageError('--server URL is required');
    if (!values['secret-file']) throw new UsageError('--secret-file F is required');
    if (!values.pin?.length) throw new UsageError('--pin KEY.pub is required (the server\'s public key: cordon server public-key)');
    const file = values.config ?? managedConfigPath();
    if (!values.config && process.platform !== 'win32' && process.getuid?.() !== 0) throw new UsageError(`run it as root: it writes ${file}, which only root may write`);

    const doc = {
      serverUrl: values.server,
      enrolSecret: readInput(values['secret-file'], '--secret-file').trim(),
      pinnedKeys: values.pin.map((p) => readInput(p, '--pin')),
      ...keptSettings(file),
      ...(values.group ? { groups: values.group } : {}),
      ...(values.tag ? { tags: values.tag } : {}),
    };
    const text = `# Written by cordon enrol. Root-only: it holds the enrolment secret.\n${stringify(doc)}`;
    // Validated as the agent will read it, from a root-only file beside the target; renamed into place only then.
    const candidate = `${file}.enrol-${process.pid}`;
    writeFileAtomic(candidate, text, 0o600);
    try {
      loadManagedConfig(candidate);
      renameSync(candidate, file);
      syncDirectory(dirname(file));
    } catch (err) {
      unlinkSync(candidate);
      process.stderr.write(`cordon enrol: nothing written:\n${(err as Error).message.replaceAll(candidate, file)}\n`);
      return EXIT.failed;
    }
    const restart = values['no-restart'] || values.config ? 'the agent reads it when it next starts' : restartAgentService();
    process.stdout.write(`wrote ${file} (0600): server ${doc.serverUrl}, ${doc.pinnedKeys.length} pinned key(s); ${restart}\n`);
    return EXIT.ok;
  },
};
