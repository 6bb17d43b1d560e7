// `cordon <command>`: one binary for the agent, the server, IT's policy tooling and the employee's status.
// Commands load on demand: `cordon status` must not pay for the server, the database driver and Fastify.
import { EXIT, UsageError, type Command } from './command.ts';

interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

const COMMANDS: CommandEntry[] = [
  { name: 'start', summary: 'run Cordon here: a local server with its embedded database, the agent, and the tray where it can run', load: async () => (await import('./start-command.ts')).startCommand },
  { name: 'status', summary: 'show whether Cordon is protecting this machine, and why tools are restricted', load: async () => (await import('./status-command.ts')).statusCommand },
  { name: 'check', summary: 'list the AI CLIs running now and what the policy says about each (stops nothing)', load: async () => (await import('./check-command.ts')).checkCommand },
  { name: 'sync', summary: 'sync with the Cordon server now: policy, events, exception requests', load: async () => (await import('./sync-command.ts')).syncCommand },
  { name: 'request-exception', summary: 'ask IT to allow a blocked tool for a number of days', load: async () => (await import('./request-exception-command.ts')).requestExceptionCommand },
  { name: 'agent', summary: 'run the endpoint agent (foreground; as a service under systemd/launchd/SCM)', load: async () => (await import('./agent-command.ts')).agentCommand },
  { name: 'enrol', summary: '(IT) connect this machine to a Cordon server: writes the root-only managed config', load: async () => (await import('./enrol-command.ts')).enrolCommand },
  { name: 'inventory', summary: 'list installed AI CLIs for every user, with what the policy says about each', load: async () => (await import('./inventory-command.ts')).inventoryCommand },
  { name: 'quarantine', summary: 'list quarantined AI CLIs, or restore one exactly as it was', load: async () => (await import('./quarantine-command.ts')).quarantineCommand },
  { name: 'policy', summary: 'validate, compile, sign and verify policies', load: async () => (await import('./policy-command.ts')).policyCommand },
  { name: 'server', summary: 'run the central server (policy distribution, enrolment, events, fleet status)', load: async () => (await import('./server-command.ts')).serverCommand },
  { name: 'admin', summary: 'manage a Cordon server: policies, devices, events, exceptions', load: async () => (await import('./admin-command.ts')).adminCommand },
];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Cordon keeps banned AI coding CLIs off this machine.

Usage: cordon <command> [options]

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run "cordon <command> --help" for a command's options.
`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    process.stderr.write(`cordon: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`cordon ${name}: ${err.message}\n\nUsage:\n${command.usage}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`cordon ${name}: ${(err as Error).message}\n`);
    return EXIT.failed;
  }
}
