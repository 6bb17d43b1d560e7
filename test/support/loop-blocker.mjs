// Loaded into a test's agent only, with `node --import` (NODE_OPTIONS), to give the watchdog test a genuinely stuck
// event loop without a hook in production code: the agent's main thread reads a FIFO nobody writes to
// (CORDON_TEST_BLOCKING_FIFO) on SIGUSR2.
import { readFileSync } from 'node:fs';
import process from 'node:process';

const block = () => readFileSync(process.env.CORDON_TEST_BLOCKING_FIFO);

process.on('SIGUSR2', block);
