// `cordon admin …`: IT's everyday operations against a Cordon server's admin API.
import { readFileSync } from 'node:fs';
import { AdminApiError, AdminClient, queryString } from '../server/admin-client.ts';
import { EXIT, parseFlags, UsageError, type Command } from './command.ts';
import { terminalSafe, terminalSafeLine } from './terminal-text.ts';

const USAGE = `cordon admin [--server URL] [--token T | --token-file F] [--json] <command>
  policy push FILE [--group G …]     upload a policy (YAML), validated by the server; optionally assign it
  policy list                        policies, their current version and groups
  policy versions ID                 versions of a policy
  policy rollback ID [--version N]   make an earlier version current (default: the one before)
  policy assign ID --group G …       assign a policy to groups ("*" = base policy of every device)
  devices [--group G] [--compliance C] [--hostname H] [--limit N]
  devices revoke ID                  revoke a device's token (it must enrol again)
  devices set-groups ID [--group G …] set a device's groups (none without --group); its next sync applies them
  events [--device D] [--tool T] [--type T] [--since TIME] [--until TIME] [--limit N]
  exceptions [--status pending|approved|denied|expired] [--device D]
  exceptions approve ID [--days N | --expires TIME] [--note TEXT]
  exceptions deny ID [--note TEXT]
  tokens create --name NAME --role admin|viewer
  enrolment-secret create [--uses N] [--groups G,G…] --expires 7d|12h|30m|TIME
                                     a per-device enrolment secret (shown once, stored hashed); devices that
                                     enrol with it get those groups; --uses 1: single use
  enrolment-secret list | revoke ID
  audit [--limit N]
  catalog show                       the AI-CLI catalog in force, its version and the releases imported
  catalog import FILE                import a catalog release (npm run catalog:release writes one); newer only
Server: --server or CORDON_SERVER; token: --token, --token-file or CORDON_ADMIN_TOKEN.`;

type Row = Record<string, unknown>;

function table(rows: Row[], columns: [string, (r: Row) => unknown][]): string {
  // Cells carry employees' text (reasons, user and host names): one line each, no control sequences.
  const cells = rows.map((r) => columns.map(([, f]) => terminalSafeLine(String(f(r) ?? '-'))));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(columns.map(([h]) => h)), ...cells.map(line)].join('\n')}\n`;
}

function readArgFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/** --expires as a duration from now (7d, 12h, 30m, 45s) or a time; in whole seconds from now. */
function secondsUntil(value: string): number {
  const duration = /^(\d+)([dhms])$/.exec(value.trim());
  const seconds = duration
    ? Number(duration[1]) * { d: 86_400, h: 3600, m: 60, s: 1 }[duration[2] as 'd' | 'h' | 'm' | 's']
    : Math.floor((Date.parse(value) - Date.now()) / 1000);
  if (!Number.isFinite(seconds) || seconds < 1) throw new UsageError(`--expires must be a duration (7d, 12h, 30m, 45s) or a future time, got "${value}"`);
  return seconds;
}

export const adminCommand: Command = {
  name: 'admin',
  usage: USAGE,
  async run(args) {
    const { values, positionals } = parseFlags(args, {
      server: { type: 'string' },
      token: { type: 'string' },
      'token-file': { type: 'string' },
      json: { type: 'boolean' },
      group: { type: 'string', multiple: true },
      compliance: { type: 'string' },
      hostname: { type: 'string' },
      limit: { type: 'string' },
      version: { type: 'string' },
      device: { type: 'string' },
      tool: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      status: { type: 'string' },
      days: { type: 'string' },
      expires: { type: 'string' },
      note: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      uses: { type: 'string' },
      groups: { type: 'string' },
    });
    const server = values.server ?? process.env.CORDON_SERVER;
    if (!server) throw new UsageError('give --server URL (or set CORDON_SERVER)');
    let token = values.token ?? process.env.CORDON_ADMIN_TOKEN;
    if (values['token-file']) {
      try {
        token = readFileSync(values['token-file'], 'utf8').trim();
      } catch (err) {
        throw new UsageError(`cannot read --token-file ${values['token-file']}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (!token) throw new UsageError('give --token, --token-file or CORDON_ADMIN_TOKEN');
    const api = new AdminClient(server, token);
    const [area, sub, arg] = positionals;
    const out = (data: unknown, human: () => string) => process.stdout.write(values.json ? `${JSON.stringify(data, null, 2)}\n` : terminalSafe(human()));
    const limit = int(values.limit, '--limit');
    try {
      switch (`${area ?? ''} ${sub ?? ''}`.trim()) {
        case 'policy push': {
          if (!arg) throw new UsageError('policy push needs a FILE');
          const yaml = readArgFile(arg);
          try {
            const r = await api.request<{ policyId: string; version: number; assignedTo: string[] }>('POST', '/admin/v1/policies', { yaml, groups: values.group });
            out(r, () => `pushed ${r.policyId} version ${r.version}${r.assignedTo.length ? `, assigned to ${r.assignedTo.join(', ')}` : ''}\n`);
          } catch (err) {
            // The server names the document body.yaml; the operator knows it by its file name.
            if (err instanceof AdminApiError && err.code === 'invalid-policy') {
              process.stderr.write(`${terminalSafe(err.message.replaceAll('body.yaml', arg))}\n`);
              return EXIT.failed;
            }
            throw err;
          }
          return EXIT.ok;
        }
        case 'policy list': {
          const r = await api.request<{ policies: Row[] }>('GET', '/admin/v1/policies');
          out(r, () => table(r.policies, [['POLICY', (p) => p.policyId], ['NAME', (p) => p.name], ['CURRENT', (p) => p.currentVersion], ['LATEST', (p) => p.latestVersion], ['GROUPS', (p) => (p.groups as string[]).join(',')], ['UPDATED', (p) => p.updatedAt]]));
          return EXIT.ok;
        }
        case 'policy versions': {
          if (!arg) throw new UsageError('policy versions needs a policy ID');
          const r = await api.request<{ versions: Row[] }>('GET', `/admin/v1/policies/${encodeURIComponent(arg)}/versions`);
          out(r, () => table(r.versions, [['VERSION', (v) => `${String(v.version)}${v.current ? ' *' : ''}`], ['CREATED', (v) => v.createdAt], ['BY', (v) => v.createdBy]]));
          return EXIT.ok;
        }
        case 'policy rollback': {
          if (!arg) throw new UsageError('policy rollback needs a policy ID');
          const r = await api.request<{ policyId: string; currentVersion: number; previousVersion: number }>('POST', `/admin/v1/policies/${encodeURIComponent(arg)}/rollback`, { version: int(values.version, '--version') });
          out(r, () => `${r.policyId}: version ${r.currentVersion} is current again (was ${r.previousVersion})\n`);
          return EXIT.ok;
        }
        case 'policy assign': {
          if (!arg || !values.group?.length) throw new UsageError('policy assign needs a policy ID and --group G');
          const done = [];
          for (const group of values.group) done.push(await api.request<Row>('PUT', `/admin/v1/assignments/${encodeURIComponent(group)}`, { policyId: arg }));
          out(done, () => `${arg} assigned to ${values.group!.join(', ')}\n`);
          return EXIT.ok;
        }
        case 'devices revoke': {
          if (!arg) throw new UsageError('devices revoke needs a device ID');
          const r = await api.request<Row>('POST', `/admin/v1/devices/${encodeURIComponent(arg)}/revoke`);
          out(r, () => `device ${arg} revoked; its agent must enrol again\n`);
          return EXIT.ok;
        }
        case 'devices set-groups': {
          if (!arg) throw new UsageError('devices set-groups needs a device ID');
          const r = await api.request<{ id: string; groups: string[] }>('PUT', `/admin/v1/devices/${encodeURIComponent(arg)}/groups`, { groups: values.group ?? [] });
          out(r, () => `device ${arg}: groups ${r.groups.length ? r.groups.join(', ') : '(none)'}\n`);
          return EXIT.ok;
        }
        case 'devices': {
          const r = await api.request<{ devices: Row[]; nextCursor: string | null }>('GET', `/admin/v1/devices${queryString({ group: values.group?.[0], compliance: values.compliance, hostname: values.hostname, limit })}`);
          out(r, () => table(r.devices, [['DEVICE', (d) => d.id], ['HOST', (d) => d.hostname], ['USER', (d) => d.user], ['COMPLIANCE', (d) => d.compliance], ['LAST SEEN', (d) => d.lastSeenAt], ['POLICY', (d) => `${String((d.policy as Row).id ?? '-')}#${String((d.policy as Row).serialInForce ?? '-')}`], ['GROUPS', (d) => (d.groups as string[]).join(',')]]));
          return EXIT.ok;
        }
        case 'events': {
          const r = await api.request<{ events: Row[] }>('GET', `/admin/v1/events${queryString({ device: values.device, tool: values.tool, type: values.type, since: values.since, until: values.until, limit })}`);
          out(r, () => table(r.events, [['AT', (e) => e.at], ['DEVICE', (e) => e.deviceId], ['TYPE', (e) => e.type], ['TOOL', (e) => e.toolId], ['MESSAGE', (e) => (e.event as Row).message]]));
          return EXIT.ok;
        }
        case 'exceptions': {
          const r = await api.request<{ requests: Row[] }>('GET', `/admin/v1/exception-requests${queryString({ status: values.status, device: values.device, limit })}`);
          out(r, () => table(r.requests, [['REQUEST', (x) => x.id], ['STATUS', (x) => x.status], ['TOOL', (x) => x.toolId], ['USER', (x) => x.user], ['HOST', (x) => x.hostname], ['DAYS', (x) => x.days], ['EXPIRES', (x) => x.expires], ['REASON', (x) => x.reason]]));
          return EXIT.ok;
        }
        case 'exceptions approve': {
          if (!arg) throw new UsageError('exceptions approve needs a request ID');
          const r = await api.request<Row>('POST', `/admin/v1/exception-requests/${encodeURIComponent(arg)}/approve`, { days: int(values.days, '--days'), expires: values.expires, note: values.note });
          out(r, () => `approved ${arg}: ${String(r.toolId)} for ${String(r.user)} on ${String(r.hostname)} until ${String(r.expires)}\n`);
          return EXIT.ok;
        }
        case 'exceptions deny': {
          if (!arg) throw new UsageError('exceptions deny needs a request ID');
          const r = await api.request<Row>('POST', `/admin/v1/exception-requests/${encodeURIComponent(arg)}/deny`, { note: values.note });
          out(r, () => `denied ${arg} (${String(r.toolId)} for ${String(r.user)})\n`);
          return EXIT.ok;
        }
        case 'tokens create': {
          if (!values.name || (values.role !== 'admin' && values.role !== 'viewer')) throw new UsageError('tokens create needs --name NAME and --role admin|viewer');
          const r = await api.request<{ id: string; token: string }>('POST', '/admin/v1/tokens', { name: values.name, role: values.role });
          out(r, () => `${r.token}\n`);
          if (!values.json) process.stderr.write(`token ${r.id} (${values.role}) created; it is shown only this once\n`);
          return EXIT.ok;
        }
        case 'enrolment-secret create': {
          if (!values.expires) throw new UsageError('enrolment-secret create needs --expires (7d, 12h, 30m or a time): a secret that never expires is a standing invitation');
          const groups = [...(values.groups?.split(',') ?? []), ...(values.group ?? [])].map((g) => g.trim()).filter(Boolean);
          const r = await api.request<{ id: string; secret: string; groups: string[]; uses: number | null; expires: string }>('POST', '/admin/v1/enrolment-secrets', {
            uses: int(values.uses, '--uses'),
            groups,
            expiresInSeconds: secondsUntil(values.expires),
          });
          out(r, () => `${r.secret}\n`);
          if (!values.json)
            process.stderr.write(`enrolment secret ${r.id}: ${r.uses === null ? 'any number of' : r.uses} enrolment(s) until ${r.expires}${r.groups.length ? `, groups ${r.groups.join(', ')}` : ''}; it is shown only this once\n`);
          return EXIT.ok;
        }
        case 'enrolment-secret list': {
          const r = await api.request<{ secrets: Row[] }>('GET', '/admin/v1/enrolment-secrets');
          out(r, () => table(r.secrets, [['SECRET', (x) => x.id], ['GROUPS', (x) => (x.groups as string[]).join(',')], ['USES LEFT', (x) => x.usesLeft ?? 'any'], ['EXPIRES', (x) => x.expires], ['REVOKED', (x) => (x.revoked ? 'yes' : '')], ['BY', (x) => x.createdBy]]));
          return EXIT.ok;
        }
        case 'enrolment-secret revoke': {
          if (!arg) throw new UsageError('enrolment-secret revoke needs an ID');
          await api.request('DELETE', `/admin/v1/enrolment-secrets/${encodeURIComponent(arg)}`);
          out({ id: arg, revoked: true }, () => `enrolment secret ${arg} revoked\n`);
          return EXIT.ok;
        }
        case 'catalog show': {
          const r = await api.request<{ version: string; source: string; builtInVersion: string; tools: Row[]; releases: Row[] }>('GET', '/admin/v1/catalog');
          out(r, () => `catalog ${r.version} (${r.source}; built-in ${r.builtInVersion}), ${r.tools.length} tools\n${table(r.releases, [['RELEASE', (x) => `${String(x.version)}${x.inForce ? ' *' : ''}`], ['TOOLS', (x) => x.tools], ['IMPORTED', (x) => x.importedAt], ['BY', (x) => x.importedBy]])}`);
          return EXIT.ok;
        }
        case 'catalog import': {
          if (!arg) throw new UsageError('catalog import needs a FILE');
          const release = readArgFile(arg);
          try {
            const r = await api.request<{ version: string; previousVersion: string; tools: number; added: string[]; removed: string[]; changed: string[] }>('POST', '/admin/v1/catalog', { release });
            const list = (label: string, ids: string[]) => (ids.length ? `  ${label}: ${ids.join(', ')}\n` : '');
            out(r, () => `catalog ${r.version} in force (was ${r.previousVersion}), ${r.tools} tools; devices get it with their next policy\n${list('added', r.added)}${list('removed', r.removed)}${list('changed', r.changed)}`);
          } catch (err) {
            if (err instanceof AdminApiError && (err.code === 'invalid-catalog' || err.code === 'catalog-breaks-policy')) {
              process.stderr.write(`${terminalSafe(err.message.replaceAll('body.release', arg))}\n`);
              return EXIT.failed;
            }
            throw err;
          }
          return EXIT.ok;
        }
        case 'audit': {
          const r = await api.request<{ entries: Row[] }>('GET', `/admin/v1/audit${queryString({ limit })}`);
          out(r, () => table(r.entries, [['AT', (e) => e.at], ['ACTOR', (e) => e.actor], ['ACTION', (e) => e.action], ['TARGET', (e) => e.target], ['DETAIL', (e) => JSON.stringify(e.detail)]]));
          return EXIT.ok;
        }
        default:
          throw new UsageError(area ? `unknown admin command "${[area, sub].filter(Boolean).join(' ')}"` : 'missing command');
      }
    } catch (err) {
      if (err instanceof AdminApiError) {
        process.stderr.write(`${terminalSafe(`${err.message} (${err.code}, HTTP ${err.status})`)}\n`);
        return EXIT.failed;
      }
      throw err;
    }
  },
};
