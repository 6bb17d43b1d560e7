// Where the exec guard's helper program lives and how it is built: C compiled with the system toolchain
// (`npm run build:exec-guard`; tests build it when it is missing). The agent never compiles at run time: a root
// service must run only what was installed with it.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const EXEC_GUARD_SOURCE = fileURLToPath(new URL('./native/cordon-exec-guard.c', import.meta.url));
export const EXEC_GUARD_BINARY = fileURLToPath(new URL('./native/cordon-exec-guard', import.meta.url));

/** Compiles the helper when it is missing or older than its source; returns its path. */
export function buildExecGuard(options: { force?: boolean; compiler?: string } = {}): string {
  if (!options.force && existsSync(EXEC_GUARD_BINARY) && statSync(EXEC_GUARD_BINARY).mtimeMs >= statSync(EXEC_GUARD_SOURCE).mtimeMs) return EXEC_GUARD_BINARY;
  // Built beside and renamed into place: a running agent never sees a half-written program.
  const staging = `${EXEC_GUARD_BINARY}.${process.pid}.tmp`;
  execFileSync(options.compiler ?? process.env.CC ?? 'cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2', '-fstack-protector-strong', '-o', staging, EXEC_GUARD_SOURCE], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  renameSync(staging, EXEC_GUARD_BINARY);
  return EXEC_GUARD_BINARY;
}
