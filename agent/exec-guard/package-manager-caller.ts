// npm, npx, pnpm and yarn run as `node`: a process whose command line runs one of their entry scripts is the
// package manager at work (lifecycle scripts, `npm exec` resolving a bin), and its own execs are not blocked.
// What it then runs (`sh -c claude`) is a new caller and is judged as usual.
import { readCmdline } from '../process/proc-fs.ts';

const ENTRY_SCRIPTS = /\/(?:npm|npx)-cli\.js$|\/pnpm\.c?js$|\/yarn\.c?js$|\/corepack\/dist\/(?:npm|pnpm|yarn)\.js$/;

export function isPackageManagerCaller(pid: number, procRoot = '/proc'): boolean {
  const argv = readCmdline(pid, procRoot);
  return argv.length > 1 && ENTRY_SCRIPTS.test(argv[1]!);
}
