// A question answered after the helper's deadline: the helper has closed the fd it named, and the number may
// name another file by then. The judge must read the file asked about or nothing: here the fd number holds a
// banned look-alike while the question is about a benign program, and judging it would cache a deny for that
// program. The helper is played by this process (its own fds), the files and the matcher are real.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ExecJudge, HelperFdReused } from '../../agent/exec-guard/exec-judge.ts';
import type { ExecQuestion } from '../../agent/exec-guard/exec-guard-protocol.ts';
import { UserDirectory } from '../../agent/process/user-directory.ts';
import { builtInPolicy, Matcher } from '../../policy/index.ts';
import { buildNativeLookAlike } from '../support/exec-guard-stage.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cordon-late-answer-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function question(path: string, fd: number, identityOf = path): ExecQuestion {
  const st = statSync(identityOf, { bigint: true });
  return { id: '1', pid: process.pid, uid: 0, dev: String(st.dev), ino: String(st.ino), size: Number(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs), fd, path: identityOf, open: false };
}

test('the judge reads the file asked about, never whatever now holds the fd number', { skip: process.platform === 'linux' ? undefined : 'reads /proc/<pid>/fd' }, () => {
  const lookAlike = buildNativeLookAlike(scratch);
  const judge = new ExecJudge({ matcher: () => new Matcher(builtInPolicy()), users: new UserDirectory(), helperPid: () => process.pid, onPrevented: () => {} });
  const fd = openSync(lookAlike, 'r');
  try {
    // In time: the fd holds the file asked about, a banned look-alike: denied.
    assert.equal(judge.judge(question(lookAlike, fd)).deny, true, 'the look-alike itself is denied');
    // Late: the question is about /bin/true, the number now holds the look-alike.
    assert.throws(() => judge.judge(question(lookAlike, fd, '/bin/true')), HelperFdReused);
    // And nothing was learnt about /bin/true: asked again with its own file, it is allowed.
    const own = openSync('/bin/true', 'r');
    try {
      const verdict = judge.judge(question('/bin/true', own));
      assert.equal(verdict.deny, false);
      assert.equal(verdict.cacheable, true);
    } finally {
      closeSync(own);
    }
  } finally {
    closeSync(fd);
  }
});
