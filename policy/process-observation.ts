// What the agent (or inventory) observed, handed to the matcher.

export interface ProcessObservation {
  pid: number;
  ppid: number;
  uid: number;
  /** Process start time in the platform's units (Linux: clock ticks after boot). With pid, the process's identity. */
  startTime: number;
  /** The executable the kernel ran (Linux: readlink /proc/pid/exe), or null when unknown. */
  exe: string | null;
  argv: readonly string[];
  /** Working directory, needed only to resolve a relative script path; read lazily. */
  cwd?: () => string | null;
  /** User name, for per-user rules and exceptions. */
  user?: string;
  /**
   * The live process's procfs directory (/proc/<pid>) when the observation comes from a running process: evidence
   * is then read from the file the kernel runs (<procDir>/exe) and, in another mount namespace, through
   * <procDir>/root. Absent for observations that are not a live local process.
   */
  procDir?: string;
}

/** Why the matcher believes a file or process is a given tool. */
export type EvidenceKind =
  | 'npm-package'
  | 'package-manifest'
  | 'python-module'
  | 'homebrew'
  | 'install-location'
  | 'binary-marker'
  | 'sha256'
  | 'launcher'
  | 'subcommand';

export interface Identification {
  toolId: string;
  evidence: EvidenceKind;
  /** Human-readable detail, e.g. the package name or the marker's location. */
  detail: string;
  /** The file the evidence is about (executable, script), when there is one. */
  file?: string;
  /** Set when the tool runs inside a catalogued library or adapter (e.g. the Claude Agent SDK): that entry's id. */
  via?: string;
}
