// Starts one of the agent's worker threads (the exec guard's judge and lane, the identification pool) from the
// sources or from a build. In the sources the worker is TypeScript run through tsx's loader, which it registers
// itself (a worker does not inherit the main thread's hooks); in a build (tsc's dist/, or the packaged bundle's
// <name>.mjs beside its chunks) it is plain JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The worker file `name` (without extension) beside the module at `base` (its import.meta.url). */
function workerFile(base: string, name: string): URL {
  for (const ext of ['.ts', '.js', '.mjs']) {
    const url = new URL(`./${name}${ext}`, base);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error(`the worker ${name} is missing from this build`);
}

export function startWorkerThread(base: string, name: string, workerData: unknown): Worker {
  const file = workerFile(base, name);
  if (!file.pathname.endsWith('.ts')) return new Worker(file, { workerData });
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); })`, { eval: true, workerData });
}
