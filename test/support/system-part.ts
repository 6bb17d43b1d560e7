// Tests that need a part of the operating system (Chromium, a Secret Service, PostgreSQL, libfaketime, …) skip
// where it is absent, with a reason naming the Debian package that provides it, so `npm test` tells the truth on a
// fresh machine. CI installs every part (.ci/run) and sets CORDON_REQUIRE_ALL_PARTS=1: there an absent part
// fails the suite instead, so CI can never pass with parts untested.
// CORDON_HIDE_SYSTEM_PARTS=pkg[,pkg…] makes the named packages (or setups: other-file-system, small-tmpfs) count as absent (to check a suite's skip here
// without uninstalling what other work on the machine uses).
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export interface SystemPart {
  /** Executables or files the tests use: absolute paths, or command names looked up on PATH. */
  binary: string | string[];
  /** The Debian package that provides them (what `apt-get install` needs). */
  debianPackage: string;
}

function present(file: string): boolean {
  const candidates = isAbsolute(file) ? [file] : (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, file));
  return candidates.some((path) => {
    try {
      accessSync(path, isAbsolute(file) ? constants.R_OK : constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export class MissingSystemPart extends Error {}

/**
 * undefined when every file of the part is here; else the skip reason (use as `{ skip }` on a test or suite).
 * With CORDON_REQUIRE_ALL_PARTS=1 an absent part throws instead, failing the test file that asked.
 */
export function requireSystemPart(part: SystemPart): string | undefined {
  const hidden = hiddenPart(part.debianPackage);
  const missing = hidden ? [part.binary].flat() : [part.binary].flat().filter((f) => !present(f));
  if (missing.length === 0) return undefined;
  const reason = `${missing.join(', ')} not found${hidden ? ' (hidden by CORDON_HIDE_SYSTEM_PARTS)' : ''}: install the Debian package ${part.debianPackage} (apt-get install ${part.debianPackage}; .ci/run does)`;
  if (process.env.CORDON_REQUIRE_ALL_PARTS === '1') throw new MissingSystemPart(`CORDON_REQUIRE_ALL_PARTS=1 and a system part is missing: ${reason}`);
  return reason;
}

/** True when CORDON_HIDE_SYSTEM_PARTS names this package or setup: it is to count as absent. */
export function hiddenPart(name: string): boolean {
  return (process.env.CORDON_HIDE_SYSTEM_PARTS ?? '').split(',').includes(name);
}

/**
 * The same rule for a setup that no package provides (a second file system, a small tmpfs to fill): `problem` is
 * why it cannot be made here, or undefined when it can. Returns the skip reason; under CORDON_REQUIRE_ALL_PARTS=1
 * it throws instead, so CI never passes with a case narrowed (a same-file-system run, an untested ENOSPC).
 */
export function requireSetup(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  if (process.env.CORDON_REQUIRE_ALL_PARTS === '1') throw new MissingSystemPart(`CORDON_REQUIRE_ALL_PARTS=1 and a test setup is impossible here: ${problem}`);
  return problem;
}
