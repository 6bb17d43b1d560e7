// Where the exec guard's helper program lives and how it is built: C compiled with the system toolchain
// (`npm run build:exec-guard`; tests build it when it is missing). The agent never compiles at run time: a root
// service must run only what was installed with it.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXEC_GUARD_SOURCE = fileURLToPath(new URL('./native/cordon-exec-guard.c', import.meta.url));
export const EXEC_GUARD_BINARY = fileURLToPath(new URL('./native/cordon-exec-guard', import.meta.url));

/**
 * Compiles the helper when it is missing or older than its source; returns its path. `out` builds it elsewhere
 * (the packaging build puts it at the same path relative to the bundle's chunks: <app>/native/cordon-exec-guard,
 * which is where EXEC_GUARD_BINARY resolves from a chunk in <app>/).
 */
export function buildExecGuard(options: { force?: boolean; compiler?: string; out?: string } = {}): string {
  const out = options.out ?? EXEC_GUARD_BINARY;
  if (!options.force && existsSync(out) && statSync(out).mtimeMs >= statSync(EXEC_GUARD_SOURCE).mtimeMs) return out;
  // Built beside and renamed into place: a running agent never sees a half-written program.
  const staging = `${out}.${process.pid}.tmp`;
  execFileSync(options.compiler ?? process.env.CC ?? 'cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-o', staging, EXEC_GUARD_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  renameSync(staging, out);
  return out;
}
