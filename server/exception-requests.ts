// Employee exception requests as stored, and as the agent and admin APIs show them.
export interface ExceptionRequestRow {
  id: string;
  device_id: string;
  tool_id: string;
  os_user: string;
  reason: string;
  days: number;
  requested_at: Date;
  status: string;
  decided_at: Date | null;
  decided_by: string | null;
  expires: Date | null;
  note: string | null;
}

export type ExceptionStatus = 'pending' | 'approved' | 'denied' | 'expired';

export const EXCEPTION_COLUMNS = 'id, device_id, tool_id, os_user, reason, days, requested_at, status, decided_at, decided_by, expires, note';

export function exceptionInfo(row: ExceptionRequestRow, now = Date.now()) {
  const expired = row.status === 'approved' && row.expires !== null && row.expires.getTime() <= now;
  return {
    id: row.id,
    toolId: row.tool_id,
    reason: row.reason,
    days: row.days,
    requestedAt: row.requested_at.toISOString(),
    status: (expired ? 'expired' : row.status) as ExceptionStatus,
    decidedAt: row.decided_at?.toISOString(),
    expires: row.expires?.toISOString(),
    note: row.note ?? undefined,
  };
}
