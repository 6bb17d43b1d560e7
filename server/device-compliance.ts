// A device's compliance, worst first, as one SQL expression over a devices row. $1 = seconds without a heartbeat
// after which a device counts as silent. The device list and the overview's counts share it; the JSON parts are
// stored generated columns (migration 4), so counting 100,000 devices reads no JSON.
export const COMPLIANCE_SQL = `CASE
           WHEN revoked_at IS NOT NULL THEN 'revoked'
           WHEN last_seen_at IS NULL THEN 'never-seen'
           WHEN last_seen_at < now() - make_interval(secs => $1) THEN 'silent'
           WHEN reported_serial IS DISTINCT FROM bundle_serial THEN 'outdated-policy'
           WHEN has_health_problems THEN 'unhealthy'
           WHEN has_banned_tool THEN 'tool-installed'
           ELSE 'compliant'
         END`;

export const COMPLIANCE_STATES = ['compliant', 'tool-installed', 'unhealthy', 'outdated-policy', 'silent', 'never-seen', 'revoked'] as const;
export type Compliance = (typeof COMPLIANCE_STATES)[number];
