// An exec guard in a container (its own pid namespace) whose marks also see execs by processes outside it — the
// host, other containers — on a shared filesystem: fanotify reports those with pid 0, and the helper allows them
// at once, without asking its agent and even when it fails closed with an agent that never answers. So an agent
// in a systemd-nspawn test machine never holds or denies an exec on the host.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EXEC_GUARD_BINARY } from '../../agent/exec-guard/exec-guard-binary.ts';
import { execGuardSkipReason } from '../support/exec-guard-stage.ts';
import { waitFor } from '../support/wait-for.ts';

const skip = execGuardSkipReason();
const scratch = mkdtempSync(join(tmpdir(), 'cordon-foreign-pidns-'));
const mnt = join(scratch, 'mnt');
let mounted = false;

after(() => {
  if (mounted) spawnSync('umount', ['-l', mnt]);
  rmSync(scratch, { recursive: true, force: true });
});

test('a guard in another pid namespace allows this namespace\'s execs (pid 0) without asking, even failing closed', { skip }, async () => {
  // Its own tmpfs, marked by mount (not the whole filesystem): no other process on this machine is affected.
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'tmpfs', mnt]);
  mounted = true;
  // A new pid namespace whose pid 1 (sh, standing in for the agent) starts the helper, as in a container; nobody
  // answers the helper's questions. (Not exec'd by sh: then its parent would be outside, seen as pid 0 itself.)
  const helper = spawn('unshare', ['--pid', '--fork', 'sh', '-c', '"$@"; exit $?', 'sh', EXEC_GUARD_BINARY, '--fail-closed', '--deadline-ms', '50', '--large-deadline-ms', '50', '--mount', mnt], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  helper.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  try {
    await waitFor(() => /^R\t/m.test(out), 'the helper to mark the mount', 10_000);
    for (let i = 0; i < 3; i++) {
      const program = join(mnt, `true-${i}`);
      copyFileSync('/bin/true', program);
      const r = spawnSync(program, [], { stdio: 'ignore', timeout: 10_000 });
      assert.equal(r.error, undefined, `exec ${i} refused: ${String(r.error)}`);
      assert.equal(r.status, 0);
    }
    helper.stdin.write('S\n');
    const stats = await waitFor(() => /^S\t(\d+)\t(\d+)\t(\d+)\t(\d+)\t(\d+)\t(\d+)(?:\t\d+)*$/m.exec(out) ?? undefined, 'the helper stats', 10_000);
    const [events, asked, , fallbacks, denied] = stats.slice(1).map(Number);
    assert.ok(events! >= 3, `the marks saw the execs (events ${events})`);
    assert.deepEqual({ asked, fallbacks, denied }, { asked: 0, fallbacks: 0, denied: 0 });
  } finally {
    helper.stdin.end();
    helper.kill('SIGKILL');
  }
});
