// `cordon status`: what the agent on this machine is doing, from its local status API.
import { AgentUnreachable, requestAgent } from '../agent/status-client.ts';
import type { AgentStatus } from '../agent/status-types.ts';
import { localeFromEnv } from '../policy/index.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';
import { formatStatus } from './status-report.ts';

const USAGE = `cordon status [--json] [--tool ID] [--socket PATH]
      the agent's state, policy, last sync, recent events and restricted tools.
      --tool ID   why one tool is restricted, what to use instead, how to ask for an exception
      --json      the status API's JSON, unchanged (for scripts and support)
      Exit 0 when an agent answers, 1 when none runs.`;

export const statusCommand: Command = {
  name: 'status',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, { json: { type: 'boolean' }, tool: { type: 'string' }, socket: { type: 'string' } });
    if (positionals.length) throw new UsageError(`unexpected "${positionals[0]}"`);
    let status: AgentStatus;
    try {
      const answer = await requestAgent<AgentStatus>('GET', '/v1/status', undefined, values.socket, 10_000);
      if (answer.status !== 200) throw new Error(`the agent answered HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
      status = answer.body;
    } catch (err) {
      if (!(err instanceof AgentUnreachable)) throw err;
      process.stderr.write(
        `cordon status: ${err.message}.\n` +
          'Cordon is not protecting this machine right now. On a managed machine, ask IT (the service is "cordon-agent");\n' +
          'to run it yourself: "npm start" in the Cordon folder, or "cordon agent".\n',
      );
      return EXIT.failed;
    }
    process.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, localeFromEnv(process.env), { tool: values.tool }));
    return EXIT.ok;
  },
};
