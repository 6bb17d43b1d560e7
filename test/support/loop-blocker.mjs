// Loaded into a test's agent only, with `node --import` (NODE_OPTIONS): on SIGUSR2 the agent's main thread makes a
// genuinely blocking read, of a FIFO nobody writes to, as a hostile file once could. Nothing in the agent can load
// this file: it is how the watchdog test gets a stuck event loop without a hook in production code.
import { readFileSync } from 'node:fs';
import process from 'node:process';

process.on('SIGUSR2', () => {
  readFileSync(process.env.CORDON_TEST_BLOCKING_FIFO);
});
