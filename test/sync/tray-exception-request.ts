// Run as an employee by the approved-exception test: files an exception request through the tray's own line to
// the agent (main/agent-connection.ts) and prints the result as JSON.
import { AgentConnection } from '../../main/agent-connection.ts';
import { createAgentLog } from '../../agent/agent-log.ts';

const [socket, toolId, reason, days] = process.argv.slice(2) as [string, string, string, string];
const connection = await AgentConnection.open({ socket, startInProcess: false, agentVersion: 'test', log: createAgentLog('silent') });
const result = await connection.requestException({ toolId, reason, days: Number(days) });
await connection.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
