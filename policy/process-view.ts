// How the matcher sees a live process's files: the kernel's handle on the executable it runs, and the process's
// own root when its mount namespace is not the agent's (a private /tmp, a container, `unshare -m`).
import type { FileProbe } from './file-probe.ts';
import type { ProcessView } from './tool-identifier.ts';

export class ProcessViews {
  private ownMounts: string | null | undefined;

  constructor(private readonly probe: FileProbe) {}

  /** The view for an observation that names its procfs directory; undefined when it names none. */
  of(procDir: string | undefined): ProcessView | undefined {
    if (!procDir) return undefined;
    this.ownMounts ??= this.probe.readlink('/proc/self/ns/mnt');
    const theirs = this.probe.readlink(`${procDir}/ns/mnt`);
    // Unknown namespaces (a process that exited, or no permission) read paths as the agent sees them.
    const foreign = theirs !== null && this.ownMounts !== null && theirs !== this.ownMounts;
    return { exe: `${procDir}/exe`, root: foreign ? `${procDir}/root` : '' };
  }
}
