// Which test files may share the machine with other test files, and which must have it to themselves
// (scripts/run-tests.ts, `npm test`). A file runs alone unless it is listed in SHARED: a new test file starts in
// the exclusive lane, so it can never break other files' tests silently, until someone has checked it and added it
// here. A file belongs in EXCLUSIVE (with the reason) when it
//   - starts a root agent that is not scoped to its own process (it would stop every AI CLI on the machine,
//     other tests' CLIs included), or boots a machine (systemd-nspawn);
//   - turns on the fanotify exec guard: its marks hold every exec on the machine until the agent answers;
//   - stresses or fuzzes something for a fixed time or count (its pressure is the point, and would be others' load);
//   - asserts on timing or an ordering that load can change (a deadline, a race it must win, memory under load);
//   - judges the whole machine (every process on it), so other files' processes would count.
// SHARED files only touch what is theirs: temp dirs, loopback ports the kernel picks, agents scoped to their own
// process (--scope-pid), users named after their pid, mounts in their own namespace or temp dir.
// SHARED is in rough order of run time, slowest first: the lanes take files in this order, so the long ones do
// not start last and leave one lane running alone at the end.

export const EXCLUSIVE: Readonly<Record<string, string>> = {
  'test/packaging/systemd-package.test.ts': 'boots Debian with systemd-nspawn and runs the packaged agent with its fanotify exec guard; builds every package',
  'test/exec-guard/exec-prevention.test.ts': 'fanotify exec guard: every exec on the machine waits for its verdict (1 s deadline, then falls open)',
  'test/exec-guard/exec-stress.test.ts': 'stress: 100 shells × 100 execs under the fanotify exec guard while the agent is killed',
  'test/exec-guard/fail-open.test.ts': 'fanotify exec guard, and it measures how long held execs take to be released',
  'test/exec-guard/foreign-pid-namespace.test.ts': 'fanotify marks on a shared file system, with a helper that fails closed',
  'test/exec-guard/interpreter-loads.test.ts': 'fanotify exec guard, and a verdict must not wait on a busy agent (1 s deadline)',
  'test/exec-guard/rejudge.test.ts': 'fanotify exec guard, and an exception must end at its expiry instant',
  'test/agent/live-process-table.test.ts': 'judges every process on the machine: other files\' tools (a daemonised tmux server\'s) would count',
  'test/agent/loop-watchdog.test.ts': 'times event-loop stalls: a loaded machine looks like a stuck loop',
  'test/agent/procfs-source.test.ts': 'must see a process in the 0.3 s before it execs',
  'test/agent/status-socket-fuzz.test.ts': 'fuzz for a fixed time (CORDON_FUZZ_SECONDS), with a bound on the agent\'s memory',
  'test/agent/hostile-files.test.ts': 'churn for a fixed time (CORDON_HOSTILE_FILES_SECONDS) while every banned launch must be stopped',
  'test/quarantine/quarantine-race.test.ts': 'a race run for a fixed time (CORDON_QUARANTINE_RACE_SECONDS): an attacker against root\'s renames',
  'test/quarantine/quarantine-crash.test.ts': 'kill -9 at random instants of quarantine and restore, 24 times',
  'test/server/hostile-input.test.ts': 'fuzz: thousands of requests against the rate limiter\'s time windows',
  'test/sync/journal-bounds.test.ts': 'a race the agent must win (enforcing before a 12,000-event replay ends) and memory bounds',
  'test/sync/end-to-end.test.ts': 'the in-process server must answer a sync within 0.7 s (to tell a hang from a slow server) and a first scheduled sync come within 30 s: in a shared lane both missed (502, "gave up waiting")',
  'test/sync/event-journal.test.ts': 'its kill -9 case needs the writer to journal 100 events in four random 0–150 ms windows: in a shared lane it wrote 96',
  'test/fresh-machine/system-parts.test.ts': 'runs other files (event-journal among them) nested, with their timing claims: in a shared lane the journal writer fell short',
  'test/renderer/status-window.test.ts': 'Chromium page loads (30 s) and the bridge\'s 5 s wait for the agent\'s answer: in a shared lane pages timed out (and at load 18 even alone the agent once missed its 5 s)',
  'test/sync/sync-agent.test.ts': 'every request to the in-process server has 0.8 s (so a hang is told apart quickly): in a shared lane enrolment missed it',
  'test/sync/kill-during-upload.test.ts': 'stress: 50 agent starts killed with kill -9, and 80 % of the kills must land in a 1.5 s window',
  'test/exec-guard/large-scan-lane.test.ts': 'fanotify exec guard, and small verdicts must meet their deadline while a 245 MB file is scanned',
  'test/exec-guard/verdict-cache.test.ts': 'fanotify exec guard helper on the machine\'s mounts: every exec on the machine waits for it',
  'test/agent/hung-mount.test.ts': 'a FUSE read that never returns and a 3 s per-read timeout the agent must act on while stopping a real tool',
  'test/agent/identification-pool.test.ts': 'stuck reads against per-read timeouts (3 s) and a bound on abandoned threads',
  'test/sync/retry-backoff.test.ts': 'measures waits on the monotonic clock while faketime jumps the wall clock',
};

export const SHARED: readonly string[] = [
  'test/agent/real-cli-enforcement.test.ts',
  'test/agent/bring-your-own-model.test.ts',
  'test/agent/agent-runtime.test.ts',
  'test/sync/approved-exception.test.ts',
  'test/policy/real-release-files.test.ts',
  'test/agent/process-listing-parsers.test.ts',
  'test/agent/legitimate-processes.test.ts',
  'test/tray/build-output.test.ts',
  'test/packaging/runtime-bundle.test.ts',
  'test/quarantine/quarantine-cycle.test.ts',
  'test/agent/launcher-stop.test.ts',
  'test/agent/status-socket-users.test.ts',
  'test/server/catalog-import.test.ts',
  'test/sync/real-agent-with-server.test.ts',
  'test/agent/new-catalog-enforcement.test.ts',
  'test/policy/catalog-real-packages.test.ts',
  'test/console/console-pglite.test.ts',
  'test/console/console-postgres.test.ts',
  'test/agent/agent-footprint.test.ts',
  'test/agent/planted-evidence.test.ts',
  'test/agent/status-and-check.test.ts',
  'test/agent/terminal-notice.test.ts',
  'test/agent/stale-parent-link.test.ts',
  'test/agent/process-stopper.test.ts',
  'test/inventory/inventory-pass.test.ts',
  'test/inventory/inventory-parts.test.ts',
  'test/server/api-postgres.test.ts',
  'test/server/api-pglite.test.ts',
  'test/server/postgres-instances.test.ts',
  'test/server/admin-cli.test.ts',
  'test/server/console-api.test.ts',
  'test/server/enrolment-secrets.test.ts',
  'test/server/limits.test.ts',
  'test/server/signing-keys.test.ts',
  'test/server/tls.test.ts',
  'test/sync/exception-request-limits.test.ts',
  'test/sync/forced-re-enrolment.test.ts',
  'test/sync/last-good-policy.test.ts',
  'test/sync/managed-config.test.ts',
  'test/sync/server-client.test.ts',
  'test/sync/sync-cli.test.ts',
  'test/sync/token-store.test.ts',
  'test/tray/agent-connection.test.ts',
  'test/tray/start-command.test.ts',
  'test/tray/electron-e2e.test.ts',
  'test/tray/packaging.test.ts',
  'test/tray/deb-scripts.test.ts',
  'test/tray/devtools.test.ts',
  'test/tray/notification-text.test.ts',
  'test/tray/tray-menu.test.ts',
  'test/tray/tray-state.test.ts',
  'test/tray/window-security.test.ts',
  'test/packaging/enrol-command.test.ts',
  'test/quarantine/quarantine-foreign-payload.test.ts',
  'test/quarantine/quarantine-safety.test.ts',
  'test/agent/managed-settings-keeper.test.ts',
  'test/agent/last-pid-reader.test.ts',
  'test/cli/terminal-text.test.ts',
  'test/exec-guard/exec-guard-protocol.test.ts',
  'test/policy/content-evidence.test.ts',
  'test/policy/endpoint-condition.test.ts',
  'test/policy/matcher-corpus.test.ts',
  'test/policy/matcher-decision.test.ts',
  'test/policy/policy-document.test.ts',
  'test/policy/precompiled-built-in-policy.test.ts',
  'test/policy/published-schemas.test.ts',
  'test/policy/signing.test.ts',
  'test/policy/vendor-text.test.ts',
  'test/agent/scope-end.test.ts',
  'test/agent/windows-platform.test.ts',
  'test/agent/user-accounts.test.ts',
  'test/exec-guard/late-answer-fd.test.ts',
];

export interface LanePlan {
  /** In SHARED's order. */
  shared: string[];
  /** In the order given. */
  exclusive: string[];
  /** Files in neither list: run alone until classified. */
  unclassified: string[];
}

/**
 * Splits `files` (paths from the repository root) into the lanes. Throws when the lists themselves are wrong — a
 * file in both, or one that no longer exists (`exists`) — so a renamed test cannot lose its classification quietly.
 */
export function planLanes(files: readonly string[], exists: (file: string) => boolean): LanePlan {
  const problems = [
    ...SHARED.filter((f) => f in EXCLUSIVE).map((f) => `${f} is in both SHARED and EXCLUSIVE`),
    ...[...SHARED, ...Object.keys(EXCLUSIVE)].filter((f) => !exists(f)).map((f) => `${f} is listed but does not exist`),
    ...SHARED.filter((f, i) => SHARED.indexOf(f) !== i).map((f) => `${f} is in SHARED twice`),
  ];
  if (problems.length) throw new Error(`test/lanes.ts: ${problems.join('; ')}`);
  const wanted = new Set(files);
  return {
    shared: SHARED.filter((f) => wanted.has(f)),
    exclusive: files.filter((f) => !SHARED.includes(f)),
    unclassified: files.filter((f) => !SHARED.includes(f) && !(f in EXCLUSIVE)),
  };
}
