// A status as the agent serves it, for the pure tray tests; each test overrides what it is about.
import type { AgentEvent, AgentStatus } from '../../agent/status-types.ts';
import type { StatusSnapshot } from '../../ui-shared/cordon-bridge.ts';

export const NOW = new Date('2026-11-25T16:30:00Z');

export function sampleStatus(over: Partial<AgentStatus> = {}): AgentStatus {
  return {
    apiVersion: 1,
    agentVersion: '0.1.0',
    pid: 4242,
    startedAt: '2026-11-25T08:00:00Z',
    platform: 'linux',
    scope: 'machine',
    mode: 'enforce',
    policy: { id: 'acme-engineering', name: 'ACME engineering workstations', source: 'server', serial: 7, digest: 'ab'.repeat(32), loadedAt: '2026-11-25T08:00:01Z' },
    sync: { state: 'ok', serverUrl: 'https://cordon.acme.example', lastAttemptAt: '2026-11-25T16:25:00Z', lastSuccessAt: '2026-11-25T16:25:00Z' },
    enrolment: { state: 'enrolled', deviceId: 'dev-7f3a', tokenStorage: 'keychain' },
    queue: { pending: 0, dropped: 0 },
    restrictedTools: [
      {
        toolId: 'codex',
        name: 'Codex CLI',
        vendor: 'OpenAI',
        action: 'block',
        installed: 'report',
        reason: { en: 'Codex CLI uploads the code it reads to OpenAI.', 'zh-CN': 'Codex CLI 会把读取的代码上传到 OpenAI。' },
        alternatives: [{ name: 'ACME Code Assistant', url: 'https://ai.acme.example' }],
        moreInfoUrl: 'https://intranet.acme.example/ai',
      },
    ],
    recentEvents: [],
    installed: [],
    exceptionRequests: [],
    health: { watcher: 'procfs', scanIntervalMs: 100, processesSeen: 312, problems: [] },
    ...over,
  };
}

export function event(type: AgentEvent['type'], minutesAgo: number, over: Partial<AgentEvent> = {}): AgentEvent {
  return { id: `${type}-${minutesAgo}`, type, at: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(), ...over };
}

export function snapshot(status: AgentStatus | undefined, over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return { reachable: status !== undefined, inProcess: false, status, checkedAt: NOW.toISOString(), ...over };
}
