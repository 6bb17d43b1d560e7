import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtInPolicy, Matcher, type ProcessObservation } from '../../policy/index.ts';
import { materialize, NEGATIVE, POSITIVE, resolveCase, type CorpusCase } from '../fixtures/matcher-corpus.ts';

const root = mkdtempSync(join(tmpdir(), 'cordon-corpus-'));
materialize(root);
const matcher = new Matcher(builtInPolicy());

function observe(c: CorpusCase, pid: number): ProcessObservation {
  const r = resolveCase(c, root);
  return { pid, ppid: 1, uid: 1000, startTime: 1, exe: r.exe, argv: r.argv, cwd: () => r.cwd ?? null };
}

test('the corpus is large enough to mean something', () => {
  assert.ok(POSITIVE.length >= 40, `${POSITIVE.length} positives`);
  assert.ok(NEGATIVE.length >= 40, `${NEGATIVE.length} negatives`);
});

for (const [i, c] of POSITIVE.entries()) {
  test(`matches: ${c.name}`, () => {
    const d = matcher.matchProcess(observe(c, 1000 + i));
    assert.equal(d?.toolId ?? null, c.expect, d ? `identified by ${d.identification.evidence}: ${d.identification.detail}` : 'no match');
    assert.equal(d?.action, 'block');
  });
}

for (const [i, c] of NEGATIVE.entries()) {
  test(`leaves alone: ${c.name}`, () => {
    const d = matcher.matchProcess(observe(c, 5000 + i));
    assert.equal(d, null, d ? `false positive: ${d.toolId} by ${d.identification.evidence} (${d.identification.detail})` : '');
  });
}

test('a second look at the same processes gives the same answers (caches do not change verdicts)', () => {
  const all = [...POSITIVE, ...NEGATIVE];
  const first = all.map((c, i) => matcher.matchProcess(observe(c, i))?.toolId ?? null);
  const second = all.map((c, i) => matcher.matchProcess(observe(c, i))?.toolId ?? null);
  assert.deepEqual(second, first);
  assert.deepEqual(first, all.map((c) => c.expect));
});
