// How sync results look on the agent's local status API (POST /v1/sync, POST /v1/exception-requests), so the
// runtime's handlers are one line each and `cordon sync` / `cordon request-exception` / the tray read one shape.
import type { StatusApiAnswer } from '../status-server.ts';
import type { ExceptionRequestInput, PolicyInfo } from '../status-types.ts';
import { requestVisibleTo, type StatusCaller } from '../status-caller.ts';
import { ExceptionQueueFull } from './exception-request-queue.ts';
import { ServerError } from './server-client.ts';
import type { SyncAgent, SyncReport } from './sync-agent.ts';

/** Body of POST /v1/sync: the sync report plus the policy in force after it. 200 when it all worked, else 502. */
export type SyncAnswerBody = SyncReport & { policy: PolicyInfo };

export async function syncAnswer(agent: SyncAgent, policyInForce: () => PolicyInfo, caller: StatusCaller | undefined): Promise<StatusApiAnswer> {
  const report = await agent.syncNow();
  const exceptionRequests = report.exceptionRequests.filter((r) => requestVisibleTo(caller, r)).map(({ user: _user, ...r }) => r);
  return { status: report.ok ? 200 : 502, body: { ...report, exceptionRequests, policy: policyInForce() } satisfies SyncAnswerBody };
}

/** 201 filed with the server, 202 queued here until it can be reached; the server's refusal is passed on. */
export async function exceptionRequestAnswer(agent: SyncAgent, input: ExceptionRequestInput, user: string): Promise<StatusApiAnswer> {
  try {
    const info = await agent.requestException(input, user);
    return { status: info.status === 'queued' ? 202 : 201, body: info };
  } catch (err) {
    if (err instanceof ExceptionQueueFull) return { status: 429, body: { error: 'too-many-queued', message: err.message } };
    if (err instanceof ServerError) return { status: err.status && err.status < 500 ? err.status : 502, body: { error: err.code ?? 'server-refused', message: err.message } };
    throw err;
  }
}
