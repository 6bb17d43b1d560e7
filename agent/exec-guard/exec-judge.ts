// The agent's verdict on one exec the kernel is holding: deny what the catalog identifies as a tool the policy
// blocks (enforce mode), allow everything else. Identification reads the exact file being exec'd through the
// helper's fd, so a renamed copy or a file swapped after the path was resolved is judged by its content.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import type { Decision, Identification, Matcher } from '../../policy/index.ts';
import { interpreterKind } from '../../policy/interpreter-argv.ts';
import { readEnviron, readProcStat, type ProcStat } from '../process/proc-fs.ts';
import type { UserDirectory } from '../process/user-directory.ts';
import type { ExecVerdict } from './exec-guard-helper.ts';
import type { ExecQuestion, OpenedFile } from './exec-guard-protocol.ts';
import { isPackageManagerCaller } from './package-manager-caller.ts';
import { isRunnableSource, runsTheTool } from './tool-entry-file.ts';

export interface ExecJudgeOptions {
  matcher: () => Matcher;
  users: UserDirectory;
  /** Enforce only on descendants of this pid (tests, trying Cordon in one terminal). */
  scopePid?: number;
  /** The helper's pid: its open fds are how the agent reads the file under judgement. */
  helperPid: () => number;
  /** A denied exec, after the kernel has the answer: explain it and record it. */
  onPrevented: (q: ExecQuestion, decision: Decision, user: string | undefined, caller: ExecCaller) => void;
}

const MAX_ANCESTRY_HOPS = 256;

/** The process that tried the exec, read while the kernel still holds it (it exits right after a deny). */
export interface ExecCaller {
  stat: ProcStat | null;
  environ: Record<string, string>;
}
const IDENTITY_CACHE_LIMIT = 50_000;
/** Files over this size are "large" to the helper too (its longer deadline): their first judgement reads megabytes. */
export const LARGE_FILE_BYTES = 8 * 1024 * 1024;

type FileIdentity = Pick<ExecQuestion, 'dev' | 'ino' | 'size' | 'mtimeNs' | 'ctimeNs' | 'path' | 'fd'>;

/** The helper's fd number no longer holds the file asked about: nothing may be concluded (callers' catch: unjudged). */
export class HelperFdReused extends Error {
  constructor(q: FileIdentity) {
    super(`the exec guard helper's fd ${q.fd} no longer holds ${q.path} (device ${q.dev}, inode ${q.ino}): answered after its deadline`);
  }
}

export function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current: number | undefined = pid, hops = 0; current !== undefined && current > 1 && hops < MAX_ANCESTRY_HOPS; hops++) {
    if (current === ancestor) return true;
    current = readProcStat(current)?.ppid;
  }
  return false;
}

const digests = new WeakMap<Matcher, string>();

/** The catalog a matcher identifies with, as a digest computed once per matcher. */
function catalogDigest(matcher: Matcher): string {
  let digest = digests.get(matcher);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(matcher.policy.tools)).digest('hex');
    digests.set(matcher, digest);
  }
  return digest;
}

export class ExecJudge {
  /**
   * Identification by file identity, kept across policy changes while the catalog is the same: a new policy
   * must not make the next exec of every large binary wait for a fresh content scan.
   */
  private readonly identities = new Map<string, Identification | null>();
  private catalogKey = '';

  constructor(private readonly o: ExecJudgeOptions) {}

  judge(q: ExecQuestion): ExecVerdict {
    // The helper applies the scope too; checked again here because a wrong deny is the costly mistake.
    if (this.o.scopePid !== undefined && !descendsFrom(q.pid, this.o.scopePid)) return { deny: false, cacheable: false, report: false };
    if (isPackageManagerCaller(q.pid)) return { deny: false, cacheable: false, report: true };
    const matcher = this.o.matcher();
    // An interpreter (node, python, bun, deno by name) is judged by the script it runs, after its exec, exactly
    // as the process watcher judges it, and by the files it opens; scanning its content here would only delay
    // every first `node`.
    const base = q.path.slice(q.path.lastIndexOf('/') + 1);
    if (!q.open && interpreterKind(base)) return { deny: false, cacheable: true, report: true, interpreter: true };
    const report = matcher.identifier.dependsOnArguments(base);
    const identification = this.identify(matcher, q, q.open ? 'script' : 'native');
    if (!identification) {
      // Not a tool; an interpreter under another name (~/n, a copy of node) is one by its content, and is then
      // looked at at once after its exec and by what it opens, as `node` is.
      const interpreter = !q.open && this.withContent(q, (content) => matcher.identifier.interpreterOfFile(content)) !== undefined;
      // Identification reads the file, never the caller: "no tool" holds for every user.
      return { deny: false, cacheable: true, report: report || interpreter, interpreter, anyUser: true };
    }
    const user = this.o.users.nameOf(q.uid);
    const decision = matcher.decide(identification, user);
    const deny = decision !== null && decision.action === 'block' && decision.mode === 'enforce';
    // Allowed tools are still seen by detection (warn, audit, monitor mode's would-block) through the exec report.
    // An allowed tool is reported, so that detection records it (warn, audit, monitor mode's would-block).
    if (!deny) return { deny, cacheable: true, report: true };
    const caller: ExecCaller = { stat: readProcStat(q.pid), environ: readEnviron(q.pid, ['LC_ALL', 'LC_MESSAGES', 'LANG']) };
    return { deny, cacheable: true, report: false, after: () => this.o.onPrevented(q, decision, user, caller) };
  }

  /**
   * A file an interpreter process opened: the tool it runs when it is one of that tool's entry files, with the
   * policy's decision for the process's user; null when it runs no catalogued tool (the helper then stops
   * reporting the file).
   */
  judgeOpened(o: OpenedFile): { decision: Decision; user: string | undefined } | null {
    if (this.o.scopePid !== undefined && !descendsFrom(o.pid, this.o.scopePid)) return null;
    if (!isRunnableSource(o.path) || isPackageManagerCaller(o.pid)) return null;
    const matcher = this.o.matcher();
    const identification = this.identify(matcher, o, 'script');
    if (!identification || !runsTheTool(o.path, identification.evidence, identification.detail)) return null;
    const user = this.o.users.nameOf(o.uid);
    const decision = matcher.decide(identification, user);
    return decision ? { decision, user } : null;
  }

  /**
   * True when judging this file means reading a large file for the first time (a content scan that takes
   * seconds): the judge thread hands such questions to its scan lane, so that other verdicts do not wait.
   */
  needsLargeScan(q: FileIdentity, kind: 'native' | 'script'): boolean {
    return q.size > LARGE_FILE_BYTES && this.identities.get(this.identityKey(q, kind)) === undefined;
  }

  /** What identification found for the file (undefined: not judged), to hand from the scan lane to the judge. */
  knownIdentity(q: FileIdentity, kind: 'native' | 'script'): Identification | null | undefined {
    return this.identities.get(this.identityKey(q, kind));
  }

  /** Takes what the scan lane found, so that the next question about the same file is answered at once. */
  learn(q: FileIdentity, kind: 'native' | 'script', found: Identification | null): void {
    this.catalogCheck(this.o.matcher());
    this.identities.set(this.identityKey(q, kind), found);
  }

  private identityKey(q: FileIdentity, kind: 'native' | 'script'): string {
    // The path is part of the key: path evidence (node_modules/<banned package>/…) differs between hard links.
    return `${q.dev}:${q.ino}:${q.size}:${q.mtimeNs}:${q.ctimeNs}\u0000${q.path}\u0000${kind}`;
  }

  private catalogCheck(matcher: Matcher): void {
    const catalogKey = catalogDigest(matcher);
    if (catalogKey !== this.catalogKey || this.identities.size >= IDENTITY_CACHE_LIMIT) {
      this.identities.clear();
      this.catalogKey = catalogKey;
    }
  }

  /**
   * Reads the exact file asked about. The helper's fd is reopened once and checked to be that file (device and
   * inode): past its deadline the helper answers and closes the fd, and the number may then name another file,
   * whose content would be judged under this file's identity and cached for it (a benign program denied).
   */
  private withContent<T>(q: FileIdentity, read: (content: string) => T): T {
    if (q.fd < 0) return read(q.path);
    const fd = openSync(`/proc/${this.o.helperPid()}/fd/${q.fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd, { bigint: true });
      if (String(st.dev) !== q.dev || String(st.ino) !== q.ino) throw new HelperFdReused(q);
      return read(`/proc/self/fd/${fd}`);
    } finally {
      closeSync(fd);
    }
  }

  private identify(matcher: Matcher, q: FileIdentity, kind: 'native' | 'script'): Identification | null {
    this.catalogCheck(matcher);
    const key = this.identityKey(q, kind);
    const known = this.identities.get(key);
    if (known !== undefined) return known;
    const found = this.withContent(q, (content) => matcher.identifier.identifyFile(q.path || content, kind, { root: '', content }));
    this.identities.set(key, found);
    return found;
  }
}
