// Policies: the YAML editor (validated by the server as IT types, problems located by line and column), the diff
// against the version in force, push (with groups), versions and rollback, and which group runs which policy.
import { api, ApiError, type Problem } from '../api.ts';
import { h, replaceChildren } from '../element.ts';
import { formatTime, t } from '../i18n.ts';
import { canChange, type PageContext } from '../page-context.ts';
import { dataTable } from '../table.ts';

interface PolicySummary {
  policyId: string;
  name: string;
  currentVersion: number;
  latestVersion: number;
  updatedAt: string;
  groups: string[];
}
interface Version {
  version: number;
  createdAt: string;
  createdBy: string;
  current: boolean;
  yaml: string;
}
interface Assignment {
  group: string;
  policyId: string;
  assignedAt: string;
  assignedBy: string;
}
interface Validation {
  valid: boolean;
  policyId: string | null;
  problems: Problem[];
}

const NEW_POLICY = `schemaVersion: 1\nid: my-policy\nname: My policy\nmode: enforce\nrules:\n  - id: no-claude\n    tools: [claude-code]\n    action: block\n`;

export async function policiesPage(ctx: PageContext): Promise<void> {
  const fail = (err: unknown) => ctx.announce(t('error', { message: err instanceof ApiError ? err.message : String(err) }), 'error');
  const [{ policies }, { assignments }] = await Promise.all([
    api<{ policies: PolicySummary[] }>('GET', '/admin/v1/policies'),
    api<{ assignments: Assignment[] }>('GET', '/admin/v1/assignments'),
  ]);
  const openId = ctx.url.searchParams.get('id') ?? (ctx.url.searchParams.has('new') ? undefined : policies[0]?.policyId);
  const versions = openId ? (await api<{ versions: Version[] }>('GET', `/admin/v1/policies/${encodeURIComponent(openId)}/versions`)).versions : [];
  const inForce = versions.find((v) => v.current);
  const reload = () => ctx.navigate(`/policies${openId ? `?id=${encodeURIComponent(openId)}` : ''}`);

  // The editor and what the server says of its text.
  const editor = h('textarea', { id: 'policy-yaml', rows: 18, spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': 'policy-hint validation' });
  editor.value = inForce?.yaml ?? NEW_POLICY;
  const validation = h('div', { id: 'validation', role: 'status', 'aria-live': 'polite' });
  const goTo = (p: Problem) => {
    const lines = editor.value.split('\n');
    const line = Math.min(Math.max(1, p.line ?? 1), lines.length);
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, (p.column ?? 1) - 1);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0) - Math.max(0, (p.column ?? 1) - 1));
  };
  const showValidation = (v: Validation) => {
    editor.setAttribute('aria-invalid', String(!v.valid));
    validation.replaceChildren(v.valid
      ? h('p', { class: 'announce ok' }, t('policies.valid', { id: v.policyId ?? '' }))
      : h('div', { class: 'problems' }, h('p', {}, t('policies.problems', { n: v.problems.length })), h('ol', {}, v.problems.map((p) =>
          h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => goTo(p) },
            p.line ? `${t('policies.problemAt', { line: p.line, column: p.column ?? 1 })}: ` : '', p.path ? `${p.path}: ` : '', p.message))))));
  };
  let asked = 0;
  const validate = () => {
    const mine = ++asked;
    api<Validation>('POST', '/admin/v1/policies/validate', { yaml: editor.value }).then((v) => { if (mine === asked) showValidation(v); }, fail);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  editor.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(validate, 300);
  });

  const diffOut = h('div', { id: 'diff' });
  const showDiff = () => api<{ lines: { op: string; text: string }[]; changed: boolean; inForceVersion: number | null }>('POST', '/admin/v1/policies/diff', { yaml: editor.value, ...(openId ? { policyId: openId } : {}) }).then((d) => {
    diffOut.replaceChildren(d.changed
      ? h('pre', { class: 'diff', 'aria-label': t('policies.diff') }, d.lines.map((l) => h('span', { class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same' }, `${l.op} ${l.text}\n`)))
      : h('p', {}, t('policies.noChange')));
  }, fail);

  const groups = h('input', { id: 'push-groups', placeholder: '*', value: openId ? policies.find((p) => p.policyId === openId)?.groups.join(', ') ?? '' : '' });
  const push = () => {
    const names = groups.value.split(',').map((g) => g.trim()).filter(Boolean);
    api<{ policyId: string; version: number }>('POST', '/admin/v1/policies', { yaml: editor.value, ...(names.length ? { groups: names } : {}) }).then((r) => {
      ctx.announce(t('policies.pushed', { id: r.policyId, version: r.version }));
      ctx.navigate(`/policies?id=${encodeURIComponent(r.policyId)}`);
    }, (err: unknown) => {
      if (err instanceof ApiError && err.problems.length) showValidation({ valid: false, policyId: null, problems: err.problems });
      ctx.announce(t('policies.pushFailed', { message: err instanceof ApiError ? err.message : String(err) }), 'error');
    });
  };

  const assignGroup = h('input', { id: 'assign-group', required: true, maxlength: 64 });
  const assignPolicy = h('select', { id: 'assign-policy' }, policies.map((p) => h('option', { value: p.policyId, selected: p.policyId === openId }, p.policyId)));
  const assignForm = h('form', { class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'assign-group' }, t('col.group')), assignGroup),
    h('div', { class: 'field' }, h('label', { for: 'assign-policy' }, t('policies.list')), assignPolicy),
    h('button', { type: 'submit' }, t('policies.assign')));
  assignForm.addEventListener('submit', (e) => {
    e.preventDefault();
    api('PUT', `/admin/v1/assignments/${encodeURIComponent(assignGroup.value.trim())}`, { policyId: assignPolicy.value }).then(() => {
      ctx.announce(t('policies.assigned', { group: assignGroup.value.trim(), id: assignPolicy.value }));
      reload();
    }, fail);
  });

  const admin = canChange(ctx);
  replaceChildren(ctx.main,
    h('h1', {}, t('nav.policies')),
    dataTable(t('policies.list'), [t('col.name'), t('col.version'), t('col.group'), t('col.created'), ''], policies.map((p) => [
      `${p.policyId} — ${p.name}`, `${p.currentVersion} / ${p.latestVersion}`, p.groups.join(', '), formatTime(p.updatedAt),
      h('a', { href: `/policies?id=${encodeURIComponent(p.policyId)}`, 'aria-current': p.policyId === openId ? 'true' : null }, t('policies.open', { id: p.policyId })),
    ])),
    h('p', {}, h('a', { href: '/policies?new=1', class: 'button secondary' }, t('policies.newPolicy'))),
    h('section', { class: 'editor', 'aria-labelledby': 'editor-h' },
      h('h2', { id: 'editor-h' }, openId ?? t('policies.newPolicy')),
      h('label', { for: 'policy-yaml' }, t('policies.editor')),
      h('p', { id: 'policy-hint', class: 'hint' }, t('policies.editorHint')),
      editor,
      validation,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => void showDiff() }, t('policies.diff')),
        admin ? [h('label', { for: 'push-groups' }, t('policies.pushGroups')), groups, h('button', { type: 'button', id: 'push', onclick: push }, t('policies.push'))] : null),
      diffOut),
    openId ? dataTable(t('policies.versions', { id: openId }), [t('col.version'), t('col.created'), t('col.actor'), ''], versions.map((v) => [
      v.version, formatTime(v.createdAt), v.createdBy,
      v.current ? h('strong', {}, t('policies.inForce')) : admin ? h('button', {
        type: 'button',
        onclick: () => void api('POST', `/admin/v1/policies/${encodeURIComponent(openId)}/rollback`, { version: v.version }).then(() => {
          ctx.announce(t('policies.rolledBack', { id: openId, version: v.version }));
          reload();
        }, fail),
      }, t('policies.rollback', { version: v.version })) : '',
    ])) : null,
    h('section', { 'aria-labelledby': 'assign-h' },
      h('h2', { id: 'assign-h' }, t('policies.assignments')),
      h('p', { class: 'hint' }, t('policies.assignHint')),
      dataTable(t('policies.assignments'), [t('col.group'), t('policies.list'), t('col.created'), t('col.actor')], assignments.map((a) => [a.group, a.policyId, formatTime(a.assignedAt), a.assignedBy])),
      admin && policies.length ? assignForm : null),
  );
  validate();
}
