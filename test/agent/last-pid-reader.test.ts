// The watcher's per-tick "anything new?" read: the kernel's last pid, from a descriptor kept open.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LastPidReader } from '../../agent/process/last-pid-reader.ts';

const lastField = (text: string) => Number(text.trim().split(' ').pop());

test('reads the last pid /proc/loadavg shows, and sees it move when a process starts', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const reader = new LastPidReader();
  try {
    const before = reader.read();
    assert.ok(Math.abs(before - lastField(readFileSync('/proc/loadavg', 'latin1'))) < 1000);
    const child = spawnSync('true');
    assert.ok(child.pid);
    const after = reader.read();
    assert.notEqual(after, before, 'the same open descriptor shows the new last pid');
  } finally {
    reader.close();
  }
});

test('re-reads a file rewritten in place through the same descriptor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cordon-loadavg-'));
  try {
    const file = join(dir, 'loadavg');
    writeFileSync(file, '0.10 0.20 0.30 1/100 4194303\n');
    const reader = new LastPidReader(file);
    assert.equal(reader.read(), 4194303);
    writeFileSync(file, '0.10 0.20 0.30 1/100 301\n');
    assert.equal(reader.read(), 301);
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
