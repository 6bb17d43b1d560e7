// `cordon <command>`: one binary for the agent, the server, IT's policy tooling and the employee's status.
import { adminCommand } from './admin-command.ts';
import { agentCommand } from './agent-command.ts';
import { checkCommand } from './check-command.ts';
import { policyCommand } from './policy-command.ts';
import { startCommand } from './start-command.ts';
import { statusCommand } from './status-command.ts';
import { inventoryCommand } from './inventory-command.ts';
import { quarantineCommand } from './quarantine-command.ts';
import { requestExceptionCommand } from './request-exception-command.ts';
import { serverCommand } from './server-command.ts';
import { syncCommand } from './sync-command.ts';
import { EXIT, UsageError, type Command } from './command.ts';

const COMMANDS: Command[] = [
  startCommand,
  statusCommand,
  checkCommand,
  syncCommand,
  requestExceptionCommand,
  agentCommand,
  inventoryCommand,
  quarantineCommand,
  policyCommand,
  serverCommand,
  adminCommand,
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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`cordon: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
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
