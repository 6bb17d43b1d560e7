// What an interpreter process is really running, read from its argv: the script, the module (-m),
// or the package a one-off launcher (npx, pnpm dlx, bunx, uvx, pipx run) was asked to fetch and run.

export type InterpreterKind = 'node' | 'python' | 'bun' | 'deno';

export interface InterpreterTarget {
  kind: InterpreterKind;
  /** Script path as written in argv (may be relative to the process's cwd). */
  script?: string;
  /** python -m <module>: the top-level module name. */
  module?: string;
  /** Package named to a one-off launcher, without its version. */
  launchedPackage?: string;
}

/** Interpreter name from an executable's basename: node, nodejs, node20, python3.12, pypy3, bun, deno. */
export function interpreterKind(basename: string): InterpreterKind | undefined {
  const name = basename.toLowerCase().replace(/\.exe$/, '');
  if (name === 'node' || name === 'nodejs' || /^node\d+$/.test(name)) return 'node';
  if (/^python\d*(\.\d+)?[dmu]?$/.test(name) || /^pypy\d*(\.\d+)?$/.test(name)) return 'python';
  if (name === 'bun') return 'bun';
  if (name === 'deno') return 'deno';
  return undefined;
}

// Node options that consume the next argv element.
const NODE_VALUE_OPTIONS = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '--input-type', '--title', '-C', '--conditions',
  '--inspect-port', '--debug-port', '--env-file', '--env-file-if-exists', '--stack-size', '--max-old-space-size',
  '--experimental-config-file', '--watch-path', '--disable-warning', '--redirect-warnings', '--icu-data-dir',
  '--openssl-config', '--tls-cipher-list', '--secure-heap', '--heapsnapshot-signal', '--diagnostic-dir',
  '--report-dir', '--report-directory', '--report-filename', '--report-signal', '--cpu-prof-dir', '--heap-prof-dir',
]);
// Node options after which there is no script at all.
const NODE_NO_SCRIPT = new Set(['-e', '--eval', '-p', '--print', '-c', '--check', '-i', '--interactive', '-v', '--version', '-h', '--help', '-']);

const PYTHON_VALUE_OPTIONS = new Set(['-W', '-X', '-Q', '--check-hash-based-pycs']);

/** Reads argv[1..] of an interpreter process. Never throws; unknown shapes yield no script. */
export function interpreterTarget(kind: InterpreterKind, argv: readonly string[]): InterpreterTarget {
  switch (kind) {
    case 'node':
      return nodeTarget(argv);
    case 'python':
      return pythonTarget(argv);
    case 'bun':
      return bunTarget(argv);
    case 'deno':
      return denoTarget(argv);
  }
}

function nodeTarget(argv: readonly string[]): InterpreterTarget {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return withLauncher('node', argv[i + 1], argv, i + 2);
    if (NODE_NO_SCRIPT.has(a)) return { kind: 'node' };
    if (a.startsWith('-')) {
      if (!a.includes('=') && NODE_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return withLauncher('node', a, argv, i + 1);
  }
  return { kind: 'node' };
}

function pythonTarget(argv: readonly string[]): InterpreterTarget {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-c' || a === '-') return { kind: 'python' };
    if (a === '-m') return pythonModule(argv[i + 1]);
    if (a.startsWith('-m') && a.length > 2 && !a.startsWith('--')) return pythonModule(a.slice(2));
    if (a.startsWith('-')) {
      if (PYTHON_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return { kind: 'python', script: a };
  }
  return { kind: 'python' };
}

function pythonModule(spec: string | undefined): InterpreterTarget {
  if (!spec) return { kind: 'python' };
  const module = spec.split('.')[0] ?? spec;
  // `python -m pipx run <pkg>` / `python -m uv tool run <pkg>` are launchers.
  return { kind: 'python', module };
}

function bunTarget(argv: readonly string[]): InterpreterTarget {
  let i = 1;
  while (i < argv.length && (argv[i] as string).startsWith('-')) i++;
  const first = argv[i];
  if (first === 'x' || first === 'exec') return { kind: 'bun', launchedPackage: firstPackage(argv, i + 1) };
  if (first === 'run') i++;
  while (i < argv.length && (argv[i] as string).startsWith('-')) i++;
  return argv[i] ? { kind: 'bun', script: argv[i] } : { kind: 'bun' };
}

function denoTarget(argv: readonly string[]): InterpreterTarget {
  const sub = argv[1];
  if (sub !== 'run' && sub !== 'x') return { kind: 'deno' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('-')) continue;
    if (a.startsWith('npm:')) return { kind: 'deno', launchedPackage: stripVersion(a.slice(4)) };
    return { kind: 'deno', script: a };
  }
  return { kind: 'deno' };
}

// npm sets process.title to "npm exec <pkg>", but until then argv is node …/npx-cli.js <pkg> or npm-cli.js exec <pkg>.
function withLauncher(kind: InterpreterKind, script: string | undefined, argv: readonly string[], next: number): InterpreterTarget {
  if (!script) return { kind };
  const base = script.slice(script.replace(/\\/g, '/').lastIndexOf('/') + 1);
  let launchedPackage: string | undefined;
  if (base === 'npx-cli.js' || base === 'npx') launchedPackage = firstPackage(argv, next);
  else if ((base === 'npm-cli.js' || base === 'npm') && (argv[next] === 'exec' || argv[next] === 'x')) launchedPackage = firstPackage(argv, next + 1);
  else if ((base === 'pnpm.cjs' || base === 'pnpm.js' || base === 'pnpm') && argv[next] === 'dlx') launchedPackage = firstPackage(argv, next + 1);
  else if ((base === 'yarn.js' || base === 'yarn.cjs' || base === 'yarn') && argv[next] === 'dlx') launchedPackage = firstPackage(argv, next + 1);
  return launchedPackage ? { kind, script, launchedPackage } : { kind, script };
}

// Options of npx/npm exec/pnpm dlx that take a value; `-p/--package` names the package explicitly.
const LAUNCHER_VALUE_OPTIONS = new Set(['-c', '--call', '--cache', '--registry', '--userconfig', '--prefix', '-w', '--workspace']);

function firstPackage(argv: readonly string[], from: number): string | undefined {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return argv[i + 1] ? stripVersion(argv[i + 1] as string) : undefined;
    if (a === '-p' || a === '--package') return argv[i + 1] ? stripVersion(argv[i + 1] as string) : undefined;
    if (a.startsWith('--package=')) return stripVersion(a.slice('--package='.length));
    if (a.startsWith('-')) {
      if (LAUNCHER_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return stripVersion(a);
  }
  return undefined;
}

/** `@scope/name@1.2.3` → `@scope/name`; `name@latest` → `name`; `aider-chat==0.80` → `aider-chat`. */
export function stripVersion(spec: string): string {
  const eq = spec.search(/[=<>~!]=|[<>]/);
  if (eq > 0) return spec.slice(0, eq);
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return at > 0 ? spec.slice(0, at) : spec;
}

/** Launchers that run a package by name: uvx <pkg>, uv tool run <pkg>, pipx run <pkg>. */
export function pythonLauncherPackage(basename: string, argv: readonly string[]): string | undefined {
  const name = basename.toLowerCase().replace(/\.exe$/, '');
  if (name === 'uvx') return firstPackage(argv, 1);
  if (name === 'uv' && argv[1] === 'tool' && argv[2] === 'run') return firstPackage(argv, 3);
  if (name === 'pipx' && argv[1] === 'run') return firstPackage(argv, 2);
  return undefined;
}
