// The raw results of one benchmark run, written to bench-results/<name>.json so that every figure the README and
// docs quote can be traced to a command, a commit and the machine it ran on. Start a record before measuring (it
// notes the load average then) and write it at the end (the load average again: on a shared machine the load
// says how far the figures can be trusted).
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../policy/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_RESULTS_DIR = join(ROOT, 'bench-results');

type LoadAverage = [number, number, number];

function load(): LoadAverage {
  const [a, b, c] = loadavg();
  return [round2(a!), round2(b!), round2(c!)];
}
const round2 = (n: number) => Math.round(n * 100) / 100;

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export class BenchRecord {
  private readonly startedAt = new Date();
  private readonly loadBefore = load();
  // The code measured is the code loaded at the start: note its commit then, and whether it had local changes
  // (outside bench-results/), which would make the figures not exactly the commit's.
  private readonly commit = git(['rev-parse', 'HEAD']) || null;
  private readonly uncommittedChanges = git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench-results']) !== '';

  /** `name` names the file; by default it is the part after `bench:` in package.json (the command that reproduces it). */
  constructor(
    private readonly name: string,
    /** The knobs this run used (durations, counts, environment overrides). */
    private readonly settings: Record<string, unknown> = {},
    /** When the figures come from another command than `npm run bench:<name>`. */
    private readonly command = `npm run bench:${name}`,
  ) {}

  /** Writes bench-results/<name>.json and says so on stdout; returns the path. */
  write(figures: Record<string, unknown>): string {
    const record = {
      bench: this.name,
      command: this.command,
      commit: this.commit,
      uncommittedChanges: this.uncommittedChanges,
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cores: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? null,
        kernel: release(),
        node: process.version,
        loadAverageBefore: this.loadBefore,
        loadAverageAfter: load(),
      },
      settings: this.settings,
      figures,
    };
    const path = join(BENCH_RESULTS_DIR, `${this.name}.json`);
    writeFileAtomic(path, `${JSON.stringify(record, null, 2)}\n`);
    process.stdout.write(`\nraw results: ${path.slice(ROOT.length)}\n`);
    return path;
  }
}
