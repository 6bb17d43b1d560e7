// Reading and checking an organisation's policy document: schema first, then meaning (ids, references).
import type { Catalog } from './catalog.ts';
import { compileEndpointGlob, endpointGlobProblem, normalEndpoint } from './endpoint-glob.ts';
import { PolicyDocumentSchema, type PolicyDocument } from './policy-schema.ts';
import { problem, ValidationError, type Problem } from './problems.ts';
import { SchemaValidator } from './yaml-source.ts';

const validator = new SchemaValidator(PolicyDocumentSchema);

/** Parses and fully validates a policy; throws ValidationError listing every problem with its location. */
export function parsePolicy(text: string, source: string, catalog: Catalog): PolicyDocument {
  return validator.parse(text, source, (doc) => policyMeaningProblems(doc, catalog));
}

/** Validates a policy that arrived as a value (e.g. JSON from an API). */
export function assertPolicy(value: unknown, source: string, catalog: Catalog): PolicyDocument {
  const doc = validator.assert(value, source);
  const problems = policyMeaningProblems(doc, catalog);
  if (problems.length) throw new ValidationError(source, problems);
  return doc;
}

export function policyMeaningProblems(doc: PolicyDocument, catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const custom = new Set<string>();
  (doc.customTools ?? []).forEach((tool, i) => {
    if (catalog.has(tool.id)) problems.push(problem(['customTools', i, 'id'], `"${tool.id}" is already a catalog tool; pick another id`));
    else if (custom.has(tool.id)) problems.push(problem(['customTools', i, 'id'], `duplicate tool id "${tool.id}"`));
    custom.add(tool.id);
    if (!tool.npm?.length && !tool.pypiModules?.length && !tool.paths?.length && !tool.sha256?.length)
      problems.push(problem(['customTools', i], 'needs at least one signature: npm, pypiModules, paths or sha256'));
  });
  const known = (id: string) => catalog.has(id) || custom.has(id);
  const ruleIds = new Set<string>();
  doc.rules.forEach((rule, i) => {
    if (ruleIds.has(rule.id)) problems.push(problem(['rules', i, 'id'], `duplicate rule id "${rule.id}"`));
    ruleIds.add(rule.id);
    rule.tools.forEach((id, j) => {
      if (id === '*') {
        if (rule.tools.length > 1) problems.push(problem(['rules', i, 'tools', j], '"*" already means every tool; list nothing else'));
      } else if (!known(id)) problems.push(problem(['rules', i, 'tools', j], unknownTool(id, catalog)));
    });
    if (rule.when) problems.push(...conditionProblems(rule, i, catalog));
    if (rule.action === 'allow' && rule.installed === 'quarantine')
      problems.push(problem(['rules', i, 'installed'], 'cannot quarantine a tool the rule allows'));
  });
  (doc.exceptions ?? []).forEach((ex, i) => {
    if (!known(ex.tool)) problems.push(problem(['exceptions', i, 'tool'], unknownTool(ex.tool, catalog)));
    if (!ex.device && !ex.user) problems.push(problem(['exceptions', i], 'needs a device or a user (or both)'));
  });
  return problems;
}

function conditionProblems(rule: PolicyDocument['rules'][number], i: number, catalog: Catalog): Problem[] {
  const problems: Problem[] = [];
  const when = rule.when;
  if (!when) return problems;
  rule.tools.forEach((id, j) => {
    if (id === '*') problems.push(problem(['rules', i, 'tools', j], 'a rule with `when: { endpoints }` must name its tools: Cordon knows where only some tools send'));
    else if (catalog.has(id) && !catalog.get(id)?.endpoint)
      problems.push(problem(['rules', i, 'tools', j], `Cordon cannot tell where "${id}" sends, so \`when: { endpoints }\` cannot apply to it; tools it can tell: ${catalog.entries.filter((e) => e.endpoint).map((e) => e.id).join(', ')}`));
    else if (!catalog.has(id)) problems.push(problem(['rules', i, 'tools', j], `"${id}" is a custom tool: Cordon cannot tell where it sends`));
  });
  when.endpoints.forEach((glob, k) => {
    const why = endpointGlobProblem(glob);
    if (why) problems.push(problem(['rules', i, 'when', 'endpoints', k], why));
  });
  if (when.pin !== undefined) {
    const normal = normalEndpoint(when.pin);
    if (normal === null) problems.push(problem(['rules', i, 'when', 'pin'], 'must be an http:// or https:// URL'));
    else if (!when.endpoints.some((g) => !endpointGlobProblem(g) && compileEndpointGlob(g)(normal)))
      problems.push(problem(['rules', i, 'when', 'pin'], 'must match one of the rule\'s endpoints: tools pinned there would be stopped'));
  }
  return problems;
}

function unknownTool(id: string, catalog: Catalog): string {
  // Closest first: "claude" suggests claude-code before the libraries that embed it.
  const near = catalog.ids.filter((c) => c.includes(id) || id.includes(c)).sort((a, b) => a.length - b.length).slice(0, 3);
  return `unknown tool "${id}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(', ')}?)` : ''}; see policy/catalog/ or declare it under customTools`;
}
