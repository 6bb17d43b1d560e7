// The attacker of the quarantine race test, run as an ordinary user who owns the tool's directories: while root
// quarantines and restores, it swaps a parent directory (or the tool's directory, or the stub) for a symlink
// into root's files, over and over. Plain JavaScript so the unprivileged user needs nothing but /usr/bin/node.
// argv: PREFIX VICTIM. stdin lines: "race MODE TARGET" starts swapping; "stop" ends after the current swap and
// answers "stopped SWAPS" (symlinks that were in place, counted since start).
import { lstatSync, renameSync, symlinkSync } from 'node:fs';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setImmediate } from 'node:timers';

const [prefix, victim] = process.argv.slice(2);
/** Directories swapped, relative to the prefix; the symlink points at the same relative path under TARGET. */
const SWAPPED = { lib: 'lib', scope: 'lib/node_modules/@openai', bin: 'bin', root: 'lib/node_modules/@openai/codex' };
const MODES = [...Object.keys(SWAPPED), 'stub'];

let racing = null;
let swaps = 0;

function attempt(fn) {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
}

/** Real directory out, symlink in, symlink out, real directory back: four atomic renames. */
function swapDirectory(rel, target) {
  const p = `${prefix}/${rel}`;
  attempt(() => symlinkSync(`${target}/${rel}`, `${p}.evil`));
  if (!attempt(() => renameSync(p, `${p}.real`))) return;
  if (attempt(() => renameSync(`${p}.evil`, p))) {
    swaps++;
    attempt(() => renameSync(p, `${p}.evil`));
  }
  attempt(() => renameSync(`${p}.real`, p));
}

/** A stub (a regular file where the command was) is replaced by a symlink to root's file. */
function swapStub() {
  const cmd = `${prefix}/bin/codex`;
  let st;
  try {
    st = lstatSync(cmd);
  } catch {
    return;
  }
  if (st.isFile() && attempt(() => renameSync(cmd, `${cmd}.away`)) && attempt(() => symlinkSync(victim, cmd))) swaps++;
}

function spin() {
  if (!racing) return;
  for (let i = 0; i < 64; i++) {
    const mode = racing.mode === 'all' ? MODES[Math.floor(Math.random() * MODES.length)] : racing.mode;
    if (mode === 'stub') swapStub();
    else swapDirectory(SWAPPED[mode], racing.target);
  }
  setImmediate(spin);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, mode, target] = line.trim().split(' ');
  if (cmd === 'race') {
    racing = { mode, target };
    setImmediate(spin);
    process.stdout.write('racing\n');
  } else if (cmd === 'stop') {
    racing = null;
    process.stdout.write(`stopped ${swaps}\n`);
  }
});
