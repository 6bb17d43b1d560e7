// Loaded into a test's agent only, with `node --import` (NODE_OPTIONS), to give the watchdog test a genuinely stuck
// event loop without a hook in production code: the agent's main thread reads a FIFO nobody writes to
// (CORDON_TEST_BLOCKING_FIFO) on SIGUSR2, and, when CORDON_TEST_HANG_PATH is set, whenever it opens a path
// containing that string: what a hung NFS or FUSE mount does to every open.
import fs, { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import process from 'node:process';

const block = () => readFileSync(process.env.CORDON_TEST_BLOCKING_FIFO);

process.on('SIGUSR2', block);

const hang = process.env.CORDON_TEST_HANG_PATH;
if (hang) {
  const openSync = fs.openSync;
  fs.openSync = (path, ...rest) => {
    if (String(path).includes(hang)) block();
    return openSync(path, ...rest);
  };
  syncBuiltinESMExports();
}
