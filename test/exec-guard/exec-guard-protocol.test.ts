// The line protocol with the helper and the entry-file rule, without a kernel: what the agent reads from the
// helper's lines (exec questions, protected-file opens, interpreter opens) and what it writes back.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { answerLine, openedLines, parseHelperLine, protectLine } from '../../agent/exec-guard/exec-guard-protocol.ts';
import { packageEntryFiles, runsTheTool } from '../../agent/exec-guard/tool-entry-file.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-guard-protocol-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('an exec question and a protected-file open differ only by their letter', () => {
  const fields = ['7', '1234', '1000', '64768', '42', '19', '1700000000000000000', '1700000000000000001', '9', '/home/a/x%20y/cli.js'];
  const q = parseHelperLine(['Q', ...fields].join('\t'));
  const p = parseHelperLine(['P', ...fields].join('\t'));
  assert.equal(q?.kind, 'question');
  assert.equal(p?.kind, 'question');
  assert.equal(q?.kind === 'question' && q.open, false);
  assert.equal(p?.kind === 'question' && p.open, true);
  assert.equal(p?.kind === 'question' && p.path, '/home/a/x y/cli.js');
  assert.equal(parseHelperLine(['P', ...fields.slice(1)].join('\t')), null, 'a short line is refused');
});

test('an interpreter open carries its fd, or -1 when the helper could not hold one', () => {
  const o = parseHelperLine('O\t55\t1000\t64768\t42\t19\t1\t2\t12\t/x/gemini.js');
  assert.deepEqual(o, { kind: 'opened', pid: 55, uid: 1000, dev: '64768', ino: '42', size: 19, mtimeNs: '1', ctimeNs: '2', fd: 12, path: '/x/gemini.js' });
  const none = parseHelperLine('O\t55\t1000\t64768\t42\t19\t1\t2\t-1\t/x/gemini.js');
  assert.equal(none?.kind === 'opened' && none.fd, -1);
  assert.equal(parseHelperLine('O\t55\t1000\t\t42\t19\t1\t2\t3\t/x'), null, 'no device: refused');
  assert.equal(openedLines({ pid: 55, uid: 1000, dev: '1', ino: '2', size: 3, mtimeNs: '4', ctimeNs: '5', fd: 12, path: '/x' }, true), 'K\t12\nV\t1\t2\t3\t4\t5\n');
  assert.equal(openedLines({ pid: 55, uid: 1000, dev: '1', ino: '2', size: 3, mtimeNs: '4', ctimeNs: '5', fd: -1, path: '/x' }, false), '');
});

test('answers say interp for interpreters; a path that cannot be one line is never sent to protect', () => {
  assert.equal(answerLine('9', false, true, true, true), 'A\t9\tallow\tcache\treport\tinterp\n');
  assert.equal(answerLine('9', true, true, false), 'A\t9\tdeny\tcache\tquiet\n');
  assert.equal(protectLine('/opt/tool/cli.js'), 'G\t/opt/tool/cli.js\n');
  assert.equal(protectLine('/opt/tool\nU'), null);
  assert.equal(protectLine('relative/cli.js'), null);
});

test('only entry files run a tool: bin targets and main, not its types, manifest or data', () => {
  const root = join(scratch, 'lib', 'node_modules', '@openai', 'codex');
  mkdirSync(join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: '@openai/codex', bin: { codex: 'bin/codex.js', evil: '../../../../etc/x.js' }, main: 'dist/index.js' }));
  assert.deepEqual(packageEntryFiles(root).sort(), [join(root, 'bin/codex.js'), join(root, 'dist/index.js')]);
  assert.equal(runsTheTool(join(root, 'bin/codex.js'), 'npm-package', '@openai/codex'), true);
  assert.equal(runsTheTool(join(root, 'dist/index.js'), 'npm-package', '@openai/codex'), true);
  assert.equal(runsTheTool(join(root, 'dist/util.js'), 'npm-package', '@openai/codex'), false, 'a module it requires later is not the launch');
  assert.equal(runsTheTool(join(root, 'index.d.ts'), 'npm-package', '@openai/codex'), false);
  assert.equal(runsTheTool(join(root, 'package.json'), 'npm-package', '@openai/codex'), false);
  assert.equal(runsTheTool('/usr/lib/python3/dist-packages/aider/__pycache__/main.cpython-311.pyc', 'python-module', 'aider'), true);
  assert.equal(runsTheTool('/usr/lib/python3/dist-packages/aider/coders/base_coder.py', 'python-module', 'aider'), false);
  assert.equal(runsTheTool('/home/a/copied/bundle.js', 'content-marker', 'x'), true, "a file's own content identifies it wherever it is");
});
