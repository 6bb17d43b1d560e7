// A test that needs a Debian package skips, naming the package, when it is absent; with
// CORDON_REQUIRE_ALL_PARTS=1 (CI, where .ci/run installs every package) an absent package fails the run instead.
import { spawnSync } from 'node:child_process';

/** Why to skip (the package is missing), or undefined when `command` runs. */
export function skipUnlessInstalled(pkg: string, command: string, args: readonly string[] = ['--version']): string | undefined {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (!probe.error) return undefined;
  const why = `${pkg} is not installed (apt-get install ${pkg})`;
  if (process.env.CORDON_REQUIRE_ALL_PARTS === '1') throw new Error(`${why}; CORDON_REQUIRE_ALL_PARTS=1 requires it`);
  return why;
}
