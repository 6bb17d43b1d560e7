// A device's compliance, worst first, as one SQL expression over a devices row. $1 = seconds without a heartbeat
// after which a device counts as silent. The device list and the overview's counts share it.
export const COMPLIANCE_SQL = `CASE
           WHEN revoked_at IS NOT NULL THEN 'revoked'
           WHEN last_seen_at IS NULL THEN 'never-seen'
           WHEN last_seen_at < now() - make_interval(secs => $1) THEN 'silent'
           WHEN reported_serial IS DISTINCT FROM bundle_serial THEN 'outdated-policy'
           WHEN jsonb_array_length(COALESCE(health->'problems', '[]'::jsonb)) > 0 THEN 'unhealthy'
           WHEN installed @> '[{"state": "not-allowed"}]'::jsonb THEN 'tool-installed'
           ELSE 'compliant'
         END`;

export const COMPLIANCE_STATES = ['compliant', 'tool-installed', 'unhealthy', 'outdated-policy', 'silent', 'never-seen', 'revoked'] as const;
export type Compliance = (typeof COMPLIANCE_STATES)[number];
