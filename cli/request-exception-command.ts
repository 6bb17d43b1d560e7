// `cordon request-exception TOOL --reason … --days N`: files a request, through the running agent, to be allowed a
// blocked tool for a while. IT decides on the server; an approval arrives as part of the next signed policy.
import { requestAgent } from '../agent/status-client.ts';
import type { ExceptionRequestInfo } from '../agent/status-types.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';
import { terminalSafeLine } from './terminal-text.ts';

const USAGE = `cordon request-exception TOOL --reason TEXT --days N [--socket PATH] [--json]
      asks IT to allow TOOL (a catalog id such as claude-code) for N days (1 to 90), for the reason given.
      The agent sends it to the Cordon server, or keeps it until the server can be reached.`;

export const requestExceptionCommand: Command = {
  name: 'request-exception',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      reason: { type: 'string' },
      days: { type: 'string' },
      socket: { type: 'string' },
      json: { type: 'boolean' },
    });
    const [toolId, extra] = positionals;
    if (!toolId) throw new UsageError('which tool? e.g. cordon request-exception claude-code --reason "…" --days 14');
    if (extra) throw new UsageError(`unexpected "${extra}"`);
    if (!values.reason?.trim()) throw new UsageError('--reason is required: say why you need the tool');
    const days = Number(values.days);
    if (values.days === undefined || !Number.isInteger(days) || days < 1 || days > 90) throw new UsageError('--days must be a whole number from 1 to 90');
    const { status, body } = await requestAgent<ExceptionRequestInfo & { error?: string; message?: string }>(
      'POST',
      `/v1/exception-requests`,
      { toolId, reason: values.reason.trim(), days },
      values.socket,
    );
    if (values.json) process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    if (status === 201 || status === 202) {
      if (!values.json)
        process.stdout.write(
          status === 201
            ? `Request ${body.id} filed: ${toolId} for ${days} day${days === 1 ? '' : 's'} (${body.status}). IT decides on the server; an approval reaches this machine with the next policy sync.\n`
            : `Request for ${toolId} queued: the Cordon server cannot be reached now, so the agent will send it on its next sync.\n`,
        );
      return EXIT.ok;
    }
    if (!values.json) process.stderr.write(`cordon request-exception: ${terminalSafeLine(body.message ?? body.error ?? `the agent answered HTTP ${status}`)}\n`);
    return EXIT.failed;
  },
};
