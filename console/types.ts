// The admin API's answers, as the console reads them (the server's schemas are in server/schemas/).
export type Compliance = 'compliant' | 'tool-installed' | 'unhealthy' | 'outdated-policy' | 'silent' | 'never-seen' | 'revoked';
export const COMPLIANCE: Compliance[] = ['compliant', 'tool-installed', 'unhealthy', 'outdated-policy', 'silent', 'never-seen', 'revoked'];

export interface Device {
  id: string;
  hostname: string;
  os: string;
  arch: string;
  user: string;
  agentVersion: string;
  groups: string[];
  lastSeenAt: string | null;
  compliance: Compliance;
  mode: string | null;
  policy: { id: string | null; serialInForce: number | null; serialIssued: number };
  installed: { toolId: string; name: string; path: string; state: string }[];
  healthProblems: string[];
  revoked: boolean;
}

export interface StoredEvent {
  seq: string;
  id: string;
  deviceId: string;
  type: string;
  toolId: string | null;
  at: string;
  event: { user?: string; message?: string; toolName?: string };
}

export interface ExceptionRequest {
  id: string;
  toolId: string;
  reason: string;
  days: number;
  status: string;
  deviceId: string;
  hostname: string | null;
  user: string;
  requestedAt: string;
  decidedAt?: string;
  decidedBy?: string;
  expires?: string;
  note?: string;
}
